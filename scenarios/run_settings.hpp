#pragma once
// Everything that decides one run of one scenario: the engine takes it, a repro stores it
// whole (scenarios/repro.hpp). Same settings + same input files => same trace hash.
//
// Adding a field: render_repro and parse_repro name every field in a structured binding, so
// the build fails there until the new field is written and read back; the round-trip
// property (tests/scenarios/repro_format_test.cpp) then checks that it survives the file.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/filesystem.hpp"
#include "sim/ready_queue.hpp"

namespace scenarios {

struct RunSettings {
  // What runs: the scenario, by the checksum of its file's bytes (Scenario::checksum), and the
  // policy under test (the engine takes it as run_scenario's own argument too).
  std::string scenario_hash;
  std::string policy;
  // The choice stream: drawn from the seed, or fed from recorded choices (then the seed only
  // names the run).
  std::uint64_t seed = 0;
  std::optional<std::vector<std::uint64_t>> replay;
  sim::Strategy strategy = sim::Strategy::RandomWalk;
  // Overrides of the scenario's load and faults (shrinking lowers them): the number of client
  // sessions (opened in every image), the number of images of a cluster (1 to the scenario's
  // own count: the first ones are kept), and the crash mode (none | at-install | random).
  std::optional<int> sessions;
  std::optional<int> images;
  std::optional<std::string> crash;
  // Crash point and crash state: cut the power at the server's Nth file operation after the
  // deploy began (1-based; a write is torn, the others have not begun), with the state the
  // model allows chosen as crash_outcome says (Enumerated / Sampled: by crash_state).
  std::optional<int> crash_at_op;
  sim::SimFs::CrashOutcome crash_outcome = sim::SimFs::CrashOutcome::Drawn;
  std::uint64_t crash_state = 0;
  // A second crash, during recovery: at the Nth file operation of the restarted process
  // (its boot included), with the state drawn.
  std::optional<int> recovery_crash_at_op;
  // Update point (Hayden et al.): the new release is staged from the start and the upgrade
  // begins the first time, after the deploy time, that a request reaches this yield point
  // ("Class>>selector"). Empty: the scenario's own deployer.
  std::string upgrade_at_point;
  // Swarm testing (scenarios/swarm.hpp): the features this run turned on over the scenario's
  // own, in the table's order. Empty: the scenario as written.
  std::vector<std::string> swarm;
  // Observation only: keep the readable trace and its events. Never changes the trace hash.
  bool keep_trace = false;
  // No budget is overridden today: budgets come from the scenario file, pinned by its hash.

  bool operator==(const RunSettings&) const = default;
};

}  // namespace scenarios
