#include "scenarios/policy_check.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "scenarios/engine.hpp"
#include "scenarios/policy_override.hpp"
#include "scenarios/repro.hpp"
#include "scenarios/scenario_files.hpp"
#include "scenarios/suite.hpp"
#include "scenarios/validate.hpp"

namespace scenarios {

namespace fs = std::filesystem;

namespace {

// Writes the repro of `oracle` in `report` and returns its path.
std::string write_repro(const Scenario& sc, const RunReport& report, const std::string& oracle, const RunSettings& settings,
                        const PolicyCheckOptions& options) {
  const Repro repro = make_repro(sc, report, oracle, settings);
  const std::string path = (fs::path(options.repro_dir) / repro_file_name(repro, sc.name)).string();
  save_repro(repro, path);
  return path;
}

}  // namespace

std::string PolicyVerdict::describe() const {
  if (ok()) return fmt::format("{} / {}: ok ({} seeds)", scenario, policy, seeds_run);
  std::string out;
  for (const auto& p : problems) out += fmt::format("{} / {}: {}\n", scenario, policy, p);
  for (const auto& f : findings) out += fmt::format("    {} (seed {})\n    replay: {}\n", f.violation, f.first_seed, f.replay);
  if (!out.empty()) out.pop_back();
  return out;
}

std::vector<PolicyVerdict> check_policy(const std::string& policy, const std::vector<std::string>& inputs,
                                        const PolicyCheckOptions& options) {
  std::vector<Scenario> loaded;
  for (const auto& f : scenario_files(inputs)) {
    loaded.push_back(load_scenario(f));
    override_policies(loaded.back(), {policy}, "check_policy");
  }
  if (loaded.empty()) throw ScenarioError("check_policy", 0, "no scenario files in the inputs");
  validate(loaded);

  SuiteOptions suite;
  suite.seeds = options.seeds;
  suite.jobs = std::max(1, options.jobs);
  const SuiteResult result = run_suite(loaded, suite);

  std::vector<PolicyVerdict> verdicts;
  for (std::size_t i = 0; i < result.cells.size(); ++i) {
    const Cell& cell = result.cells[i];
    const Scenario& sc = loaded[i];  // one policy per scenario: cells are in scenario order
    PolicyVerdict v{cell.scenario, cell.scenario_path, cell.policy, cell.seeds_run, cell.problems, {}};
    for (const auto& [oracle, seeds] : cell.fired) {
      if (cell.expected.contains(oracle) || cell.allowed.contains(oracle)) continue;
      const std::string repro = write_repro(sc, cell.example.at(oracle), oracle, cell.example_settings.at(oracle), options);
      v.findings.push_back({oracle, seeds, cell.first_seed.at(oracle), cell.violation.at(oracle), repro,
                            replay_command(repro, options.policy_libs)});
    }
    verdicts.push_back(std::move(v));
  }
  return verdicts;
}

std::string RunVerdict::describe() const {
  if (ok()) return run + ": ok";
  std::string out = run + ":\n";
  for (const auto& v : violations) out += "    " + v + "\n";
  return out + "    replay: " + replay;
}

RunVerdict check_run(const Scenario& scenario, const RunSettings& settings, const PolicyCheckOptions& options) {
  RunSettings s = settings;
  s.scenario_hash = scenario.checksum;
  const RunReport report = run_scenario(scenario, s.policy, s);
  // What the scenario declares for this policy is not a failure; for a policy it does not
  // name, nothing is declared.
  const auto declared = [&](const std::string& oracle) {
    const auto in = [&](const auto& table) {
      const auto it = table.find(s.policy);
      return it != table.end() && it->second.contains(oracle);
    };
    return in(scenario.expect) || in(scenario.allow);
  };
  RunVerdict verdict;
  verdict.run = run_name(scenario.name, s.policy, s.seed);
  std::set<std::string> seen;
  for (const auto& v : report.violations) {
    if (declared(v.oracle) || !seen.insert(v.oracle).second) continue;
    if (verdict.violations.empty()) {
      verdict.repro = write_repro(scenario, report, v.oracle, s, options);
      verdict.replay = replay_command(verdict.repro, options.policy_libs);
    }
    verdict.violations.push_back(violation_text(report, v.oracle));
  }
  return verdict;
}

int server_file_ops(const Scenario& scenario, const std::string& policy) {
  RunSettings s;
  s.scenario_hash = scenario.checksum;
  s.policy = policy;
  s.seed = scenario.first_seed;
  s.crash = "none";
  return run_scenario(scenario, policy, s).ops_until_settled;
}

}  // namespace scenarios
