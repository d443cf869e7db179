#include <map>
#include <mutex>

#include "upgrader/policy.hpp"

namespace upgrader {

std::unique_ptr<Policy> make_seed_policy(bool loader_above_requests);
std::unique_ptr<Policy> make_safe_policy();

namespace {

struct Registry {
  std::mutex mutex;  // suites make policies from several worker threads
  std::map<std::string, PolicyFactory> factories{
      {"seed", [] { return make_seed_policy(false); }},
      {"priority", [] { return make_seed_policy(true); }},
      {"safe", [] { return make_safe_policy(); }},
  };
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

void register_policy(const std::string& name, PolicyFactory factory) {
  std::lock_guard lock(registry().mutex);
  registry().factories[name] = std::move(factory);
}

std::unique_ptr<Policy> make_policy(const std::string& name) {
  PolicyFactory factory;
  {
    std::lock_guard lock(registry().mutex);
    auto it = registry().factories.find(name);
    if (it == registry().factories.end()) return nullptr;
    factory = it->second;
  }
  return factory();
}

std::vector<std::string> policy_names() {
  std::lock_guard lock(registry().mutex);
  std::vector<std::string> names;
  for (const auto& [name, factory] : registry().factories) names.push_back(name);
  return names;
}

}  // namespace upgrader
