#pragma once
// `hotsim live` over scenario files: each scenario × policy × seed run live (live_run.hpp),
// one after another (each run has the machine's real time to itself), each cell judged
// against the scenario's declared expectations like a simulated cell (suite.hpp), and the
// simulator run on the scenario's own seeds beside it, so the two verdicts can be compared.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/latency_histogram.hpp"
#include "scenarios/live/live_run.hpp"
#include "scenarios/suite.hpp"

namespace scenarios::live {

struct LiveSuiteOptions {
  LiveOptions run;
  int seeds = 1;                          // per cell
  int starved_retries = 2;                // a run the machine starved of CPU is run again this often
  std::optional<std::uint64_t> first_seed;  // default: each scenario's own
};

struct LiveCell {
  Cell live;  // judged like a simulated cell; missing hazards only when no fault was skipped
  Cell sim;   // the simulator on the scenario's own seeds, judged the same way
  std::vector<std::string> skipped;  // faults not injected, or injected otherwise
  bool expectations_judged = true;   // false when a fault the hazard may need was skipped
  LatencyHistogram upgrade_latency, all_latency;  // real time
  int requests = 0, crashes = 0;
  double wall_seconds = 0;
  std::vector<std::string> violations;  // the first of each oracle fired live, as text
  std::vector<std::string> kept_dirs;
  // Starved of CPU in every try (LiveRunReport::inconclusive): the live verdict is not judged.
  std::optional<std::string> inconclusive;
  bool agrees() const { return !inconclusive && live.ok() && sim.ok(); }
};

struct LiveSuiteResult {
  std::vector<LiveCell> cells;
  bool ok() const;  // every cell judged and as its scenario declares
  bool inconclusive() const;
};

// `progress` is told of each run as it ends ("load-order seed seed 0: 3.1 s").
LiveSuiteResult run_live_suite(const std::vector<Scenario>& scenarios, const LiveSuiteOptions& options,
                               const std::function<void(const std::string&)>& progress = {});

}  // namespace scenarios::live
