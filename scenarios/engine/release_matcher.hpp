#pragma once
// Which release an image's code is (release_state: which uploaded packages it holds), kept
// for the last release asked about. Matching reads every method of the release, and a
// release never changes once published, so asking again about the same one costs nothing.
// The recorders and the balancer's health check each keep one per image they watch.
#include <memory>

#include "scenarios/engine/observation.hpp"
#include "scenarios/oracles/evidence.hpp"
#include "upgrader/release.hpp"

namespace scenarios {

class ReleaseMatcher {
 public:
  explicit ReleaseMatcher(const Releases& releases) : releases_(&releases) {}

  // Matches `release` (not null) unless it is the one matched last; true when it was
  // matched afresh, so a caller can look at a new release once.
  bool match(const std::shared_ptr<const upgrader::Release>& release);
  // The state of the release matched last.
  const ReleaseState& state() const { return state_; }
  // The next match() is made afresh, even for the same release.
  void forget() { release_ = nullptr; }

 private:
  const Releases* releases_;
  std::shared_ptr<const upgrader::Release> release_;  // kept alive: its address is the key
  ReleaseState state_;
};

}  // namespace scenarios
