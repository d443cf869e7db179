#pragma once
// Everything that decides one run of one scenario: the engine takes it, a repro stores it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/filesystem.hpp"
#include "sim/ready_queue.hpp"

namespace scenarios {

struct RunSettings {
  std::uint64_t seed = 0;
  std::optional<std::vector<std::uint64_t>> replay;  // recorded choices instead of the seed
  sim::Strategy strategy = sim::Strategy::RandomWalk;
  bool keep_trace = false;
  // Shrinking reduces these below the scenario's.
  std::optional<int> sessions;
  std::optional<std::string> crash;
  // Crash-point enumeration: cut the power right before the server's Nth file operation
  // after the deploy began (1-based), with the crash's outcome drawn or at an extreme.
  std::optional<int> crash_at_op;
  sim::SimFs::CrashOutcome crash_outcome = sim::SimFs::CrashOutcome::Drawn;
  // Update-point coverage (Hayden et al.): the new release is staged from the start and the
  // upgrade begins the first time, after the deploy time, that a request reaches this yield
  // point ("Class>>selector"). Empty: the scenario's own deployer.
  std::string upgrade_at_point;
};

}  // namespace scenarios
