#include "scenarios/validate.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "scenarios/oracles/evidence.hpp"
#include "upgrader/local_change.hpp"
#include "upgrader/server.hpp"

namespace scenarios {

InputError::InputError(std::vector<std::string> problems)
    : std::runtime_error(fmt::format("{}", fmt::join(problems, "\n"))), problems_(std::move(problems)) {}

namespace {

// Each file on its own, as the engine reads them, so that every bad file is named.
// release: 0 old, 1 new, 2... next.
std::vector<upgrader::Package> parse_each(const Scenario& sc, const std::vector<std::string>& files, int release,
                                          std::vector<std::string>& problems) {
  std::vector<upgrader::Package> parsed;
  for (const std::string& f : files) {
    const std::vector<std::string> one{f}, none;
    try {
      Releases r = release == 0   ? read_releases(sc.app_dir, one, none)
                   : release == 1 ? read_releases(sc.app_dir, none, one)
                                  : read_releases(sc.app_dir, none, none, {one});
      parsed.push_back(std::move(release == 0 ? r.old_packages : r.new_packages).front());
    } catch (const upgrader::PackageError& e) {
      problems.push_back(e.what());
    }
  }
  return parsed;
}

std::string policy_problem(const std::string& policy, const std::string& source) {
  if (upgrader::make_policy(policy) != nullptr) return {};
  return fmt::format("{}:0: unknown policy \"{}\"; expected one of {}", source, policy, fmt::join(upgrader::policy_names(), ", "));
}

// Old release: the server boots with it, so it must install and serve the load's requests.
void check_old_release(const Scenario& sc, const std::vector<upgrader::Package>& old_packages, std::vector<std::string>& problems) {
  upgrader::Release release = upgrader::Release::fresh();
  const auto left = upgrader::apply_in_dependency_order(release, old_packages);
  for (const auto& n : left) problems.push_back(fmt::format("{}:0: the old release does not install: {}", sc.path, n.reason));
  if (!left.empty()) return;
  if (!release.has_class(sc.session_class)) {
    problems.push_back(fmt::format("{}:0: [load] session_class: the old release defines no class '{}'", sc.path, sc.session_class));
    return;
  }
  for (const std::string& selector : sc.requests)
    if (release.lookup(sc.session_class, selector) == nullptr)
      problems.push_back(fmt::format("{}:0: [load] requests: '{}' of the old release does not understand #{}", sc.path,
                                     sc.session_class, selector));
  // The local change is typed into the old release: its methods' classes must be there.
  if (sc.local_change.empty()) return;
  try {
    upgrader::Image image;
    install_in_dependency_order(image, old_packages);
    upgrader::type_in_methods(image, read_package_file(sc.app_dir + "/" + sc.local_change));
  } catch (const std::exception& e) {  // PackageError, LoadError: both say file:line
    problems.push_back(e.what());
  }
}

std::vector<std::string> app_problems(const Scenario& sc) {
  std::vector<std::string> problems;
  const auto old_packages = parse_each(sc, sc.old_packages, 0, problems);
  parse_each(sc, sc.new_packages, 1, problems);
  for (const auto& next : sc.next_packages) parse_each(sc, next, 2, problems);
  if (problems.empty()) check_old_release(sc, old_packages, problems);
  return problems;
}

}  // namespace

std::vector<std::string> input_problems(const Scenario& scenario) {
  std::vector<std::string> problems = app_problems(scenario);
  for (const std::string& policy : scenario.policies)
    if (auto p = policy_problem(policy, scenario.path); !p.empty()) problems.push_back(std::move(p));
  return problems;
}

std::vector<std::string> input_problems(const Scenario& scenario, const std::string& policy, const std::string& source) {
  std::vector<std::string> problems = app_problems(scenario);
  if (auto p = policy_problem(policy, source); !p.empty()) problems.push_back(std::move(p));
  return problems;
}

void validate(const std::vector<Scenario>& scenarios) {
  std::vector<std::string> problems;
  for (const Scenario& sc : scenarios) {
    auto more = input_problems(sc);
    problems.insert(problems.end(), more.begin(), more.end());
  }
  if (!problems.empty()) throw InputError(std::move(problems));
}

void validate(const Scenario& scenario, const std::string& policy, const std::string& source) {
  if (auto problems = input_problems(scenario, policy, source); !problems.empty()) throw InputError(std::move(problems));
}

}  // namespace scenarios
