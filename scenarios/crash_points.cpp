#include "scenarios/crash_points.hpp"

#include <fmt/format.h>

#include <optional>
#include <set>

#include "scenarios/parallel.hpp"
#include "scenarios/suite.hpp"

namespace scenarios {

namespace {

using Outcome = sim::SimFs::CrashOutcome;

// One point of a sweep: an update point (or none), a crash point (or none).
struct Point {
  std::size_t result;
  std::string update_point;  // empty: the scenario's own deployer
  int op = 0;                // 0: no crash
  int index = 0;             // the point's number in its result (1-based)
};

// One run at a point, and what it found.
struct StateRun {
  RunSettings settings;
  RunReport report;
};

std::string state_name(const RunSettings& s) {
  switch (s.crash_outcome) {
    case Outcome::KeepNothing: return "nothing un-synced kept";
    case Outcome::KeepEverything: return "everything kept";
    case Outcome::ProcessKill: return "process killed, power kept";
    case Outcome::Enumerated: return fmt::format("state {}", s.crash_state);
    case Outcome::Sampled: return fmt::format("sampled state {}", s.crash_state);
    case Outcome::Drawn: break;
  }
  return "drawn";
}

// The crash states explored at one crash point (see crash_points.hpp).
std::vector<StateRun> explore_states(const Scenario& sc, RunSettings base, bool full, std::uint64_t max_states) {
  std::vector<StateRun> runs;
  auto run = [&](Outcome outcome, std::uint64_t state) -> const RunReport& {
    RunSettings s = base;
    s.crash_outcome = outcome;
    s.crash_state = state;
    runs.push_back({s, run_scenario(sc, s.policy, s)});
    return runs.back().report;
  };
  const RunReport& first = run(Outcome::Enumerated, 0);
  if (!first.crashed) return runs;  // the point was never reached: one run says so
  std::vector<sim::CrashDecision> decisions = first.crash_decisions;
  if (full && sim::crash_states(decisions) <= max_states) {
    // Depth first over the tree of decisions: every state once.
    for (auto next = sim::next_enumerated_state(decisions); next && runs.size() < max_states;
         next = sim::next_enumerated_state(decisions))
      decisions = run(Outcome::Enumerated, *next).crash_decisions;
  } else {
    run(Outcome::KeepEverything, 0);
    for (std::uint64_t k = 1; runs.size() < (full ? max_states : 3); ++k) run(Outcome::Sampled, base.seed ^ k);
  }
  if (sc.kill == "power") run(Outcome::ProcessKill, 0);
  return runs;
}

}  // namespace

std::vector<CrashPointResult> enumerate_points(Sweep sweep, const std::vector<Scenario>& scenarios, SweepOptions options,
                                               const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  const int jobs = std::max(1, options.jobs);
  std::vector<CrashPointResult> results;
  std::vector<const Scenario*> scenario_of;
  for (const Scenario& sc : scenarios)
    for (const auto& policy : sc.policies) {
      CrashPointResult r;
      r.scenario = sc.name;
      r.policy = policy;
      results.push_back(std::move(r));
      scenario_of.push_back(&sc);
    }
  auto base_settings = [&](std::size_t i, const std::string& update_point) {
    RunSettings s;
    s.scenario_hash = scenario_of[i]->checksum;
    s.policy = results[i].policy;
    s.seed = scenario_of[i]->first_seed;  // counting and crashing alike: op N is the same op
    if (!update_point.empty()) {
      s.crash = "none";
      s.upgrade_at_point = update_point;
    }
    return s;
  };
  auto name_of = [&](std::size_t i) { return run_name(scenario_of[i]->name, results[i].policy, scenario_of[i]->first_seed); };

  // 1. One plain run each: the upgrade's file operations, the yield points the load reaches.
  std::vector<std::vector<std::string>> yield_points(results.size());
  std::vector<int> ops(results.size());
  parallel_for(results.size(), jobs, [&](std::size_t i) {
    RunSettings s = base_settings(i, "");
    s.crash = "none";
    const RunReport r = run_scenario(*scenario_of[i], results[i].policy, s);
    yield_points[i] = r.yield_points;
    ops[i] = r.ops_until_settled;
  }, {}, name_of);
  // Crash points × update points: the file operations of the upgrade at each update point.
  std::vector<std::vector<int>> ops_at(results.size());
  if (sweep == Sweep::CrashAtUpdatePoints) {
    std::vector<std::pair<std::size_t, std::size_t>> counts;
    for (std::size_t i = 0; i < results.size(); ++i)
      for (std::size_t u = 0; u < yield_points[i].size(); ++u) counts.emplace_back(i, u);
    for (std::size_t i = 0; i < results.size(); ++i) ops_at[i].resize(yield_points[i].size());
    parallel_for(counts.size(), jobs, [&](std::size_t k) {
      const auto [i, u] = counts[k];
      const RunSettings s = base_settings(i, yield_points[i][u]);
      ops_at[i][u] = run_scenario(*scenario_of[i], s.policy, s).ops_until_settled;
    }, {}, [&](std::size_t k) { return name_of(counts[k].first); });
  }

  // 2. The points.
  std::vector<Point> points;
  for (std::size_t i = 0; i < results.size(); ++i) {
    int index = 0;
    switch (sweep) {
      case Sweep::CrashPoints:
        for (int op = 1; op <= ops[i] + 1; ++op) points.push_back({i, "", op, ++index});
        break;
      case Sweep::UpdatePoints:
        for (const std::string& p : yield_points[i]) points.push_back({i, p, 0, ++index});
        break;
      case Sweep::CrashAtUpdatePoints:
        for (std::size_t u = 0; u < yield_points[i].size(); ++u)
          for (int op = 1; op <= ops_at[i][u] + 1; ++op) points.push_back({i, yield_points[i][u], op, ++index});
        break;
    }
    results[i].points = index;
  }
  std::vector<std::vector<StateRun>> runs(points.size());
  parallel_for(
      points.size(), jobs,
      [&](std::size_t k) {
        const Point& p = points[k];
        RunSettings s = base_settings(p.result, p.update_point);
        if (p.op == 0) {
          runs[k].push_back({s, run_scenario(*scenario_of[p.result], s.policy, s)});
          return;
        }
        s.crash_at_op = p.op;
        runs[k] = explore_states(*scenario_of[p.result], s, sweep == Sweep::CrashPoints, options.max_states);
      },
      progress,
      [&](std::size_t k) {
        const Point& p = points[k];
        return fmt::format("{}, {}{}", name_of(p.result), p.update_point.empty() ? "" : "upgrade at " + p.update_point + ", ",
                           p.op > 0 ? fmt::format("crash point {}", p.op) : "");
      });

  // 3. Fold, in point order (deterministic whatever the jobs).
  for (std::size_t k = 0; k < points.size(); ++k) {
    const Point& p = points[k];
    CrashPointResult& r = results[p.result];
    if (p.op > 0) r.states.push_back(static_cast<int>(runs[k].size()));
    for (const StateRun& run : runs[k]) {
      ++r.runs;
      r.covered += sweep == Sweep::UpdatePoints && run.report.upgrade_started_at_point;
      std::string place = p.update_point.empty() ? "" : fmt::format("upgrade at {}", p.update_point);
      if (p.op > 0)
        place += fmt::format("{}crash at operation {} ({})", place.empty() ? "" : ", ", p.op, state_name(run.settings));
      std::set<std::string> fired;
      for (const Violation& v : run.report.violations) {
        if (!fired.insert(v.oracle).second) continue;
        ++r.fired[v.oracle];
        if (!r.first.contains(v.oracle)) {
          r.first.emplace(v.oracle, run.report);
          r.first_settings.emplace(v.oracle, run.settings);
        }
        auto& at = r.where[v.oracle];
        if (at.empty() || at.back() != p.index) at.push_back(p.index);
        if (r.examples.size() < 3) r.examples.push_back(fmt::format("{}: {} at {}: {}", place, v.oracle, v.where, v.why));
      }
    }
  }
  return results;
}

}  // namespace scenarios
