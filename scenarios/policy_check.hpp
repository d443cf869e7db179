#pragma once
// Testing a policy of your own (docs/policy-api.md): run scenario files against it alone and
// get one verdict per scenario, or judge single runs from your own properties. Free of any
// test framework; scenarios/gtest.hpp wraps it for GoogleTest and scenarios/rapidcheck.hpp
// generates RunSettings for rapidcheck. A verdict that fails names each violation and the
// command that replays it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/run_settings.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios {

struct PolicyCheckOptions {
  std::optional<int> seeds;                 // per scenario, instead of its [run] seeds
  int jobs = 1;                             // worker threads
  std::string repro_dir = "hotsim-repros";  // where the repro of each violation is written
  // The libraries that register the policy, for the replay commands (hotsim replay
  // --policy-lib LIB FILE): a policy linked into the test alone cannot be replayed by hotsim.
  std::vector<std::string> policy_libs;
};

// An oracle that fired where the scenario does not allow it.
struct Finding {
  std::string oracle;
  int seeds = 0;               // seeds it fired in
  std::uint64_t first_seed = 0;
  std::string violation;       // "<oracle> at <where> [<time>]: <why>", in the first seed
  std::string repro;           // the repro file of that seed
  std::string replay;          // the command that replays it
};

// One scenario against the policy over all its seeds.
struct PolicyVerdict {
  std::string scenario;       // its name
  std::string scenario_path;
  std::string policy;
  int seeds_run = 0;
  std::vector<std::string> problems;  // undeclared oracles, hazards never exercised (vacuous)
  std::vector<Finding> findings;      // the undeclared oracles' first violations
  bool ok() const { return problems.empty(); }
  // "<scenario> / <policy>: ok (N seeds)", or a line per problem then per finding its
  // violation and replay command.
  std::string describe() const;
};

// Runs each scenario of `inputs` (files, or directories of *.toml) with `policy` in place of
// its own policies (scenarios/policy_override.hpp: it must fire nothing, and the scenario's
// hazards must be exercised). Inputs are checked first: throws InputError or ScenarioError
// (file:line: what was expected) for a file that does not read or an unknown policy.
std::vector<PolicyVerdict> check_policy(const std::string& policy, const std::vector<std::string>& inputs,
                                        const PolicyCheckOptions& options = {});

// One run, for properties over generated settings: `settings.policy` on `scenario`. What the
// scenario expects or allows of that policy is not a violation here.
struct RunVerdict {
  std::string run;                      // "scenario <name>, policy <policy>, seed <seed>"
  std::vector<std::string> violations;  // each oracle's first violation, in the order they happened
  std::string repro, replay;            // of the first violation ("" when clean)
  bool ok() const { return violations.empty(); }
  std::string describe() const;
};
RunVerdict check_run(const Scenario& scenario, const RunSettings& settings, const PolicyCheckOptions& options = {});

// The server's file operations from the deploy until the upgrade settled, in one run of
// `policy` (seed 0): the crash points a fault plan can choose from.
int server_file_ops(const Scenario& scenario, const std::string& policy);

}  // namespace scenarios
