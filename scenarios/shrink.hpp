#pragma once
// Shrinking a failure: fewer swarm features, fewer images of a cluster (the first ones kept),
// fewer sessions, no crash if it is not needed,
// and a shorter, simpler choice list (truncation, deleted runs, values lowered towards 0, as
// Hypothesis-style shrinkers do), keeping every step after which the same oracle still fires.
#include <functional>
#include <string>

#include "scenarios/repro.hpp"

namespace scenarios {

struct ShrinkStats {
  int attempts = 0;
  int accepted = 0;
  std::size_t choices_before = 0, choices_after = 0;  // up to the last non-zero one
  int sessions_before = 0, sessions_after = 0;  // per image: every image opens them all
  int images_before = 0, images_after = 0;
  int swarm_before = 0, swarm_after = 0;  // swarm features on
};

// Returns the smallest repro found within `max_attempts` runs; it still shows the oracle, and
// its choices are its own run's recording (a replay consumes exactly them). Throws if the
// input itself does not show it, and InputChanged if its scenario or packages changed.
Repro shrink(const Repro& input, int max_attempts, ShrinkStats& stats,
             const std::function<void(const std::string&)>& log = {});

}  // namespace scenarios
