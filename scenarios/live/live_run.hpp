#pragma once
// `hotsim live`: one scenario against one policy on a real staging directory, in real time
// (scaled), with the real runtime binding. The supervisor (this) forks the deployer and the
// server process, kills the server with SIGKILL where the scenario crashes it and starts a
// new one from the snapshot on disk after the restart delay, ends the run at its duration,
// reaps every child, reads the processes' event logs back into one Observation and judges
// it with the same oracles as a simulated run.
//
// What differs from the simulator: nothing is deterministic (the OS schedules the processes,
// the real filesystem lists directories in its own order), so a live run is not replayable
// bit for bit and writes no repro; every crash is a process kill (the page cache survives);
// faults a real filesystem cannot be made to show (media rot, a full disk, injected EIO,
// the crash states of a power cut) are skipped and named (skipped_faults).
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "scenarios/latency_histogram.hpp"
#include "scenarios/oracles/oracles.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios::live {

struct LiveOptions {
  double time_scale = 1.0;        // real seconds per scenario second (0.1: ten times faster)
  std::string base_dir = "/tmp";  // where each run's directory is made
  bool keep_dirs = false;         // leave each run's directory (server files, event logs) behind
  std::optional<int> sessions;    // overrides the scenario's client sessions
};

struct LiveRunReport {
  std::string scenario, policy;
  std::uint64_t seed = 0;
  std::vector<Violation> violations;
  std::set<std::string> exercised;
  std::vector<std::string> skipped;  // the scenario's faults this run could not inject
  int crashes = 0;                   // SIGKILLs of the server
  int requests = 0, requests_failed = 0;
  // Real request latencies (arrival to answer, in real time), of the requests that arrived
  // while the upgrade was under way (first trigger until the image held the last release or
  // the batch was moved aside), and of all of them.
  LatencyHistogram upgrade_latency, all_latency;
  double wall_seconds = 0;
  // The largest share of its life a server process spent runnable but waiting for a CPU (the
  // kernel's /proc/<pid>/schedstat). A live run measures real time: when the machine does not
  // give it a CPU, its budgets measure the machine, and its verdicts say nothing.
  double starved = 0;
  bool inconclusive() const { return starved > kStarvedShare; }
  static constexpr double kStarvedShare = 0.2;
  std::string kept_dir;  // with keep_dirs
  bool fired(const std::string& oracle) const;
};

// The scenario's faults a live run cannot inject, each named with what is done instead.
std::vector<std::string> skipped_faults(const Scenario& scenario);

// Throws RunDirError (base directory unusable) and ScenarioError (unknown policy, an old
// release that does not install) before anything runs.
LiveRunReport run_live(const Scenario& scenario, const std::string& policy, std::uint64_t seed, const LiveOptions& options);

}  // namespace scenarios::live
