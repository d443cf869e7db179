#pragma once
// What each image of a cluster went through, in time order, for the report's per-image lanes:
// its process booting and crashing, its live image changing release (as each package installs),
// and its snapshot being saved. Read from the images' observation logs after the run; never
// part of a verdict.
#include <string>
#include <vector>

#include "scenarios/engine/observation.hpp"

namespace scenarios {

struct ImageEvent {
  int image = 0;     // index in the cluster
  sim::Time at{0};
  std::string kind;  // boot | crash | release (its live image came to hold another) | save
  std::string detail;
};

// `images`: one log per image, in the cluster's order. Sorted by time (then image).
std::vector<ImageEvent> image_events(const std::vector<Observation>& images);

}  // namespace scenarios
