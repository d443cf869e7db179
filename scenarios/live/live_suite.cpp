#include "scenarios/live/live_suite.hpp"

#include <fmt/format.h>

#include <thread>

#include "scenarios/engine.hpp"

namespace scenarios::live {

bool LiveSuiteResult::ok() const {
  return std::all_of(cells.begin(), cells.end(), [](const LiveCell& c) { return !c.inconclusive && c.live.ok(); });
}

bool LiveSuiteResult::inconclusive() const {
  return std::any_of(cells.begin(), cells.end(), [](const LiveCell& c) { return c.inconclusive.has_value(); });
}

namespace {

Cell empty_cell(const Scenario& sc, const std::string& policy) {
  Cell cell;
  cell.scenario = sc.name;
  cell.scenario_path = sc.path;
  cell.scenario_checksum = sc.checksum;
  cell.policy = policy;
  cell.expected = sc.expect.at(policy);
  cell.allowed = sc.allow.at(policy);
  for (const auto& [p, oracles] : sc.expect) cell.targeted.insert(oracles.begin(), oracles.end());
  return cell;
}

void fold(Cell& cell, std::uint64_t seed, const std::vector<Violation>& violations, const std::set<std::string>& exercised) {
  ++cell.seeds_run;
  ++cell.planned_seeds;
  for (const std::string& oracle : exercised) ++cell.exercised[oracle];
  std::set<std::string> fired;
  for (const Violation& v : violations) fired.insert(v.oracle);
  for (const std::string& oracle : fired) {
    ++cell.fired[oracle];
    cell.first_seed.try_emplace(oracle, seed);
  }
}

}  // namespace

LiveSuiteResult run_live_suite(const std::vector<Scenario>& scenarios, const LiveSuiteOptions& options,
                               const std::function<void(const std::string&)>& progress) {
  LiveSuiteResult result;
  for (const Scenario& sc : scenarios) {
    const std::size_t first_cell = result.cells.size();
    for (const std::string& policy : sc.policies) {
      LiveCell cell;
      cell.live = empty_cell(sc, policy);
      cell.sim = empty_cell(sc, policy);
      cell.skipped = skipped_faults(sc);
      cell.expectations_judged = cell.skipped.empty();
      for (int i = 0; i < options.seeds; ++i) {
        const std::uint64_t seed = options.first_seed.value_or(sc.first_seed) + static_cast<std::uint64_t>(i);
        LiveRunReport r = run_live(sc, policy, seed, options.run);
        for (int retry = 0; r.inconclusive() && retry < options.starved_retries; ++retry) {
          if (progress)
            progress(fmt::format("{} {} seed {}: starved of CPU ({:.0f}% of its time waiting for one); running it again",
                                 sc.name, policy, seed, 100 * r.starved));
          std::this_thread::sleep_for(std::chrono::seconds(1));
          r = run_live(sc, policy, seed, options.run);
        }
        if (r.inconclusive())
          cell.inconclusive = fmt::format("the machine starved the server of CPU in every try (it waited {:.0f}% "
                                          "of its time for one, more than {:.0f}%); run it on a quieter machine",
                                          100 * r.starved, 100 * LiveRunReport::kStarvedShare);
        fold(cell.live, seed, r.violations, r.exercised);
        cell.skipped = r.skipped;
        cell.upgrade_latency.merge(r.upgrade_latency);
        cell.all_latency.merge(r.all_latency);
        cell.requests += r.requests;
        cell.crashes += r.crashes;
        cell.wall_seconds += r.wall_seconds;
        if (!r.kept_dir.empty()) cell.kept_dirs.push_back(r.kept_dir);
        for (const Violation& v : r.violations)
          if (std::none_of(cell.violations.begin(), cell.violations.end(),
                           [&](const std::string& s) { return s.starts_with(v.oracle + " "); }))
            cell.violations.push_back(fmt::format("{} at {} [{}]: {} (seed {})", v.oracle, v.where,
                                                  sim::format_time(v.at.count()), v.why, seed));
        if (progress) progress(fmt::format("{} {} seed {}: {:.1f} s", sc.name, policy, seed, r.wall_seconds));

      }
      // The simulator's verdict on the scenario: its own seeds (a live seed is not a simulated
      // one: nothing live is replayable), judged the same way.
      for (int i = 0; i < sc.seeds; ++i) {
        RunSettings settings;
        settings.scenario_hash = sc.checksum;
        settings.policy = policy;
        settings.seed = sc.first_seed + static_cast<std::uint64_t>(i);
        settings.strategy = sc.strategy;
        if (options.run.sessions) settings.sessions = options.run.sessions;
        const RunReport sim = run_scenario(sc, policy, settings);
        fold(cell.sim, settings.seed, sim.violations, sim.exercised);
      }
      result.cells.push_back(std::move(cell));
    }
    if (first_cell == result.cells.size()) continue;
    // Judged per scenario: a skipped fault leaves its hazards unjudged (missing or vacuous).
    for (bool live : {true, false}) {
      SuiteResult judged;
      for (std::size_t c = first_cell; c < result.cells.size(); ++c)
        judged.cells.push_back(live ? result.cells[c].live : result.cells[c].sim);
      judged.sharded = live && !result.cells[first_cell].expectations_judged;
      judge(judged);
      for (std::size_t c = first_cell; c < result.cells.size(); ++c)
        (live ? result.cells[c].live : result.cells[c].sim).problems = judged.cells[c - first_cell].problems;
    }
  }
  return result;
}

}  // namespace scenarios::live
