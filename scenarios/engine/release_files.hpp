#pragma once
// A scenario's package files, read, parsed and installed once per process: every seed of a
// scenario reads the same files, and doing it again per run was about an eighth of the
// default suite's time (large-release: a third). Keyed by the files' bytes, so a file that
// changes between two runs is read afresh. Thread-safe: suites run seeds on worker threads.
#include <cstdint>
#include <memory>

#include "scenarios/oracles/evidence.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios {

struct ScenarioReleases {
  Releases releases;
  std::uint64_t fresh_image_bytes = 0;  // fresh_image_bytes(releases)
};

// Throws what read_releases throws (a file that does not parse); a failure is not kept.
std::shared_ptr<const ScenarioReleases> scenario_releases(const Scenario& sc);

}  // namespace scenarios
