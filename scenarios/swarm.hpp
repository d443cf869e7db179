#pragma once
// Swarm testing (Groce, Zhang, Eide, Chen, Regehr: "Swarm Testing", ISSTA 2012): instead of
// running every seed with the one tuned configuration, each seed runs with a random subset of
// the features, each on with probability 1/2. Features left out cannot suppress the ones
// kept (a disk that is always full hides what a power cut would show), so random subsets
// found 42% more distinct compiler crashes than the default configuration did.
//
// Here the features are the scenario file's hazards and faults ([deploy], [faults],
// [filesystem]); the app, the load and the budgets stay the scenario's own. The subset is
// drawn from the seed through a stream of its own, so the run's choice stream is untouched,
// and it is stored in RunSettings::swarm: a repro replays it exactly and shrinking may drop
// features one by one.
#include <cstdint>
#include <string>
#include <vector>

#include "scenarios/scenario.hpp"

namespace scenarios {

struct SwarmFeature {
  std::string name;   // as a repro and the reports write it
  std::string group;  // alternatives (an upload order, a number of power cuts) share one: at most one is on
  std::string what;   // one line: what it does to the scenario
};

// The feature table, in the order features are drawn and applied.
const std::vector<SwarmFeature>& swarm_features();

// Every group's draw for this seed, before looking at a scenario: each group is on with
// probability 1/2, then one of its alternatives uniformly. In table order.
std::vector<std::string> drawn_features(std::uint64_t seed);

// Of `chosen`, the features that apply to the scenario, each judged on the scenario with the
// features before it applied (a media fault needs a crash; chunks must fit the budgets).
// In table order.
std::vector<std::string> applicable_features(const Scenario& scenario, const std::vector<std::string>& chosen);

// The subset a seed runs with under `hotsim run --swarm`: applicable_features(drawn_features(seed)).
std::vector<std::string> draw_swarm(const Scenario& scenario, std::uint64_t seed);

// The scenario with the features on. Throws ScenarioError naming the scenario when a
// feature is unknown, given twice, an alternative to another one given, or does not apply.
Scenario apply_swarm(const Scenario& scenario, const std::vector<std::string>& features);

// The problem with a feature list read from a file, or "" when every name is known, none is
// given twice and no two are alternatives of one group.
std::string swarm_list_problem(const std::vector<std::string>& features);
// The list in table order (names not in the table keep their place after the known ones).
std::vector<std::string> in_table_order(std::vector<std::string> features);

// Whether the features add crashes the scenario does not have (power-cuts-N): its liveness
// budget was written without them (scenarios/oracles/upgrade_outcome.cpp).
bool swarm_adds_crashes(const std::vector<std::string>& features);

// "upload-reverse+power-cuts-2", or "(none)".
std::string describe_swarm(const std::vector<std::string>& features);

}  // namespace scenarios
