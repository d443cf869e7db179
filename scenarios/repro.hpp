#pragma once
// A repro file: everything needed to replay one run exactly — the scenario (path and
// checksum), the policy, seed, strategy, overrides, and the recorded choices — plus what it
// showed (the oracle and the trace hash) so a replay can say whether it reproduced.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/engine.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios {

struct Repro {
  std::string scenario_path;
  std::string scenario_checksum;
  std::string policy;
  std::uint64_t seed = 0;
  sim::Strategy strategy = sim::Strategy::RandomWalk;
  std::optional<int> sessions;
  std::optional<std::string> crash;
  std::optional<int> crash_at_op;               // crash-point enumeration
  sim::SimFs::CrashOutcome crash_outcome = sim::SimFs::CrashOutcome::Drawn;
  std::string oracle;      // the violation this repro shows
  std::string violation;   // its description
  std::uint64_t trace_hash = 0;
  std::vector<std::uint64_t> choices;

  RunSettings settings(bool keep_trace) const;
};

Repro make_repro(const Scenario& scenario, const RunReport& report, const std::string& oracle,
                 const RunSettings& settings);
std::string render_repro(const Repro& repro);
// Errors say file:line and what was expected (ScenarioError).
Repro parse_repro(const std::string& text, const std::string& path);
Repro load_repro(const std::string& path);
void save_repro(const Repro& repro, const std::string& path);
// A stable file name: <scenario>-<policy>-<oracle>-seed<N>.repro.toml
std::string repro_file_name(const Repro& repro, const std::string& scenario_name);

}  // namespace scenarios
