#pragma once
// The balancer's health check: which release each image says it runs, as a Seaside
// deployment's status page would report it. A release-aware balancer routes by it so that a
// session is never sent back a release when images run different ones (a failover while the
// cluster is part way through an upgrade). It only reads the image (no yield, no choice), so
// asking it never changes a schedule.
#include <memory>
#include <vector>

#include "scenarios/engine/release_matcher.hpp"
#include "scenarios/engine/server_processes.hpp"
#include "scenarios/oracles/evidence.hpp"

namespace scenarios {

class HealthCheck {
 public:
  HealthCheck(std::vector<ServerProcesses*> images, const Releases& releases);

  // The release image `image` runs now: 0 the old one, d deploy d's, -1 a mixture (a torn
  // load), or nullopt when the image is down.
  std::optional<int> release(int image);

 private:
  std::vector<ServerProcesses*> images_;
  std::vector<ReleaseMatcher> matchers_;  // per image
};

}  // namespace scenarios
