#pragma once
// Runs scenarios × policies × seeds (in parallel, on worker threads: one world per thread)
// and judges each scenario × policy against its declared expectations.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "scenarios/engine.hpp"
#include "scenarios/latency_histogram.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios {

// How a failed run is named: "scenario <name>, policy <policy>, seed <seed>".
std::string run_name(const std::string& scenario, const std::string& policy, std::uint64_t seed);

struct Shard {
  int index = 1;  // 1-based
  int count = 1;
  bool owns(std::uint64_t seed_index) const { return static_cast<int>(seed_index % static_cast<std::uint64_t>(count)) == index - 1; }
};

struct SuiteOptions {
  std::optional<int> seeds;             // overrides each scenario's seed count
  std::optional<std::uint64_t> seed;    // run this one seed only
  std::optional<sim::Strategy> strategy;
  Shard shard;
  int jobs = 1;
  // Judge expected hazards that never fired (false for partial sweeps: shards, short budgets).
  bool judge_missing = true;
  // Swarm testing: each seed runs with its own subset of hazards and faults (scenarios/swarm.hpp),
  // and cells are judged as judge() says for swarm cells.
  bool swarm = false;
};

// One scenario × policy over all its seeds.
struct Cell {
  std::string scenario;
  std::string scenario_path;
  std::string scenario_checksum;  // of the scenario file: shards of one sweep must agree
  std::string policy;
  std::set<std::string> expected;
  std::set<std::string> allowed;  // may fire without failing the cell
  int seeds_run = 0;
  int planned_seeds = 0;  // seeds of the whole sweep, all shards together
  std::map<std::string, int> fired;                        // oracle -> seeds where it fired
  std::map<std::string, int> exercised;                    // oracle -> seeds that exercised it
  std::set<std::string> targeted;  // the scenario's hazards: what any policy's `fire` names
  std::map<std::string, std::uint64_t> first_seed;          // oracle -> lowest seed where it fired
  std::map<std::string, int> seeds_to_first;                // oracle -> seeds run until it first fired
  std::map<std::string, RunReport> example;                 // oracle -> the run of first_seed
  std::map<std::string, std::string> violation;             // oracle -> its violation_text in that run
  std::map<std::string, RunSettings> example_settings;      // oracle -> the settings it ran with
  std::vector<std::pair<std::uint64_t, std::uint64_t>> trace_hashes;  // (seed, hash) per run
  LatencyHistogram pauses;          // every completed request: time held back by the upgrade
  LatencyHistogram upgrade_pauses;  // the requests that overlapped the upgrade
  std::uint64_t largest_image = 0;  // largest snapshot saved after a deploy (0: none)
  std::uint64_t fresh_image_bytes = 0;
  int requests_ok = 0;
  int sessions = 0;            // live sessions of the scenario (clients and idle ones)
  double run_seconds = 0;      // real time spent running this cell's seeds
  std::vector<std::string> problems;  // what makes this cell fail
  bool ok() const { return problems.empty(); }

  // --swarm: the distinct feature subsets its seeds ran (describe_swarm), the seeds run with
  // each feature on, and per oracle the seeds where it fired with each feature on.
  bool swarm = false;
  std::set<std::string> swarm_subsets;
  std::map<std::string, int> swarm_feature_seeds;
  std::map<std::string, std::map<std::string, int>> swarm_fired;
  // A policy that declares no hazard (nothing to fire, nothing allowed) claims to be safe.
  bool declares_safe() const { return expected.empty() && allowed.empty(); }
  // Whether `oracle` firing fails this cell: undeclared, and under --swarm only in a cell that
  // declares itself safe (or app-error, which is never the policy's to declare).
  bool fails_on(const std::string& oracle) const;
};

struct SuiteResult {
  std::vector<Cell> cells;
  std::uint64_t runs = 0;
  double seconds = 0;
  bool sharded = false;  // or otherwise partial: missing hazards are not judged
  Shard shard;           // which slice of the seeds this is (1/1: all of them)
  bool ok() const;
};

// Sets each cell's problems from what it holds: oracles that fired undeclared, and unless
// `result.sharded`, the scenario's hazards never exercised (vacuous) and expected hazards that
// never fired. run_suite judges with it, and so does a merge of shards (reports/merge.hpp).
//
// A swarm cell is judged otherwise, because a scenario's expectations were written for its own
// features: a cell that declares itself safe fails on any oracle in any subset; in the others
// what fires is reported (counted per oracle and feature), not failed; app-error fails any
// cell; vacuity and missing hazards are not judged (a subset may change the hazard away).
void judge(SuiteResult& result);
// --swarm: "power-cuts-2 in 3, eio-read in 1", the features on in the seeds where `oracle`
// fired, most often first ("none" if no feature was on in any of them).
std::string swarm_features_when_fired(const Cell& cell, const std::string& oracle);

// progress(done, total) is called from the calling thread. A run that throws (an internal
// error: inputs are validated before) ends the suite with TaskFailed (scenarios/parallel.hpp)
// naming the run: "scenario <name>, policy <policy>, seed <seed>: <what it threw>".
SuiteResult run_suite(const std::vector<Scenario>& scenarios, const SuiteOptions& options,
                      const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});

}  // namespace scenarios
