#include "scenarios/engine/health_check.hpp"

namespace scenarios {

HealthCheck::HealthCheck(std::vector<ServerProcesses*> images, const Releases& releases)
    : images_(std::move(images)), matchers_(images_.size(), ReleaseMatcher(releases)) {}

std::optional<int> HealthCheck::release(int image) {
  const auto i = static_cast<std::size_t>(image);
  ServerProcess* p = images_[i]->current();
  if (p == nullptr) return std::nullopt;
  matchers_[i].match(p->server->image().current());
  return matchers_[i].state().release;
}

}  // namespace scenarios
