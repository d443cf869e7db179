#include "scenarios/engine/balancer.hpp"

#include <algorithm>

#include "support/assert.hpp"

namespace scenarios {

Balancer::Balancer(std::vector<ServerProcesses*> images, const std::string& mode, HealthCheck* health)
    : images_(std::move(images)), sticky_(mode != "round-robin"), health_(health), drained_(images_.size(), false),
      in_flight_(images_.size(), 0), release_(images_.size(), 0) {
  HOTSIM_ASSERT(!images_.empty(), "a cluster has at least one image");
}

bool Balancer::may_serve(int image, int session) const {
  const auto i = static_cast<std::size_t>(image);
  if (drained_[i] || images_[i]->current() == nullptr) return false;
  const auto met = met_.find(session);
  return met == met_.end() || release_[i] >= met->second;
}

Balancer::Route Balancer::route(int session, int number) {
  const int n = static_cast<int>(images_.size());
  if (n == 1) {
    ServerProcess* p = images_.front()->current();
    if (p != nullptr) ++in_flight_.front();
    return {p, 0};
  }
  ask_health();
  int first = (session + (sticky_ ? 0 : number)) % n;
  if (sticky_)
    if (auto it = stuck_.find(session); it != stuck_.end()) first = it->second;
  for (int k = 0; k < n; ++k) {
    const int image = (first + k) % n;
    if (!may_serve(image, session)) continue;
    const auto i = static_cast<std::size_t>(image);
    if (sticky_) stuck_[session] = image;
    if (release_[i] > 0) met_[session] = std::max(met_[session], release_[i]);
    ++in_flight_[i];
    return {images_[i]->current(), image};
  }
  return {};
}

// Release-aware: what each image that is up runs now (a down image is skipped anyway).
void Balancer::ask_health() {
  if (health_ == nullptr) return;
  for (std::size_t i = 0; i < images_.size(); ++i)
    if (const std::optional<int> release = health_->release(static_cast<int>(i))) release_[i] = *release;
}

void Balancer::finished(const Route& route) {
  if (route.process != nullptr) --in_flight_[static_cast<std::size_t>(route.image)];
}

void Balancer::drain(int image, bool out) { drained_[static_cast<std::size_t>(image)] = out; }

// A release-aware balancer asks the health check before each route, and only about images
// that are up: it would overwrite this before the image could be chosen.
void Balancer::upgraded(int image, int release) {
  if (health_ == nullptr) release_[static_cast<std::size_t>(image)] = release;
}

}  // namespace scenarios
