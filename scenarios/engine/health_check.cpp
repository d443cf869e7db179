#include "scenarios/engine/health_check.hpp"

namespace scenarios {

HealthCheck::HealthCheck(std::vector<ServerProcesses*> images, const Releases& releases)
    : images_(std::move(images)), releases_(releases), cache_(images_.size()) {}

std::optional<int> HealthCheck::release(int image) {
  const auto i = static_cast<std::size_t>(image);
  ServerProcess* p = images_[i]->current();
  if (p == nullptr) return std::nullopt;
  std::shared_ptr<const upgrader::Release> now = p->server->image().current();
  // Matching a release against the deploys reads every method; a release never changes once
  // published, so the answer for the same one is kept.
  if (now != cache_[i].release) cache_[i] = {now, release_state(*now, releases_).release};
  return cache_[i].number;
}

}  // namespace scenarios
