#include "scenarios/engine/balancer.hpp"

#include "support/assert.hpp"

namespace scenarios {

Balancer::Balancer(std::vector<ServerProcesses*> images, const std::string& mode)
    : images_(std::move(images)), sticky_(mode != "round-robin") {
  HOTSIM_ASSERT(!images_.empty(), "a cluster has at least one image");
}

Balancer::Route Balancer::route(int session, int number) {
  const int n = static_cast<int>(images_.size());
  if (n == 1) return {images_.front()->current(), 0};
  int first = (session + (sticky_ ? 0 : number)) % n;
  if (sticky_)
    if (auto it = stuck_.find(session); it != stuck_.end()) first = it->second;
  for (int k = 0; k < n; ++k) {
    const int image = (first + k) % n;
    if (ServerProcess* p = images_[static_cast<std::size_t>(image)]->current()) {
      if (sticky_) stuck_[session] = image;
      return {p, image};
    }
  }
  return {};
}

}  // namespace scenarios
