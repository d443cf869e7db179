#include "scenarios/crash_points.hpp"

#include <fmt/format.h>

#include <optional>
#include <set>

#include "scenarios/parallel.hpp"
#include "scenarios/suite.hpp"

namespace scenarios {

namespace {

struct Point {
  std::size_t result;
  int op;  // crash points: the operation; update points: index into the yield points
  sim::SimFs::CrashOutcome outcome;
};

const char* name(sim::SimFs::CrashOutcome o) {
  switch (o) {
    case sim::SimFs::CrashOutcome::KeepNothing: return "nothing un-synced kept";
    case sim::SimFs::CrashOutcome::KeepEverything: return "everything kept";
    case sim::SimFs::CrashOutcome::Drawn: return "drawn";
  }
  return "?";
}

}  // namespace

std::vector<CrashPointResult> enumerate_points(Sweep sweep, const std::vector<Scenario>& scenarios, int jobs,
                                               const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
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
  // 1. One plain run each: the upgrade's file operations, the yield points the load reaches.
  std::vector<std::vector<std::string>> yield_points(results.size());
  parallel_for(results.size(), jobs, [&](std::size_t i) {
    RunSettings s;
    s.seed = scenario_of[i]->first_seed;
    s.crash = "none";
    const RunReport r = run_scenario(*scenario_of[i], results[i].policy, s);
    yield_points[i] = r.yield_points;
    results[i].points = sweep == Sweep::CrashPoints ? r.ops_until_settled : static_cast<int>(r.yield_points.size());
  }, {}, [&](std::size_t i) { return run_name(scenario_of[i]->name, results[i].policy, scenario_of[i]->first_seed); });
  // 2. A run per point: crash before each operation three ways, or upgrade at each point.
  std::vector<Point> points;
  for (std::size_t i = 0; i < results.size(); ++i)
    for (int op = 1; op <= results[i].points; ++op) {
      if (sweep == Sweep::UpdatePoints) {
        points.push_back({i, op, sim::SimFs::CrashOutcome::Drawn});
        continue;
      }
      for (auto outcome : {sim::SimFs::CrashOutcome::KeepNothing, sim::SimFs::CrashOutcome::KeepEverything,
                           sim::SimFs::CrashOutcome::Drawn})
        points.push_back({i, op, outcome});
    }
  std::vector<std::optional<RunReport>> reports(points.size());
  auto settings_of = [&](const Point& p) {
    RunSettings s;
    s.scenario_hash = scenario_of[p.result]->checksum;
    s.policy = results[p.result].policy;
    s.seed = scenario_of[p.result]->first_seed + static_cast<std::uint64_t>(p.op);
    if (sweep == Sweep::CrashPoints) {
      s.crash_at_op = p.op;
      s.crash_outcome = p.outcome;
    } else {
      s.seed = scenario_of[p.result]->first_seed;
      s.crash = "none";
      s.upgrade_at_point = yield_points[p.result][static_cast<std::size_t>(p.op - 1)];
    }
    return s;
  };
  parallel_for(
      points.size(), jobs,
      [&](std::size_t k) {
        const Point& p = points[k];
        reports[k] = run_scenario(*scenario_of[p.result], results[p.result].policy, settings_of(p));
      },
      progress,
      [&](std::size_t k) {
        const Point& p = points[k];
        return fmt::format("{}, {} {}", run_name(scenario_of[p.result]->name, results[p.result].policy, settings_of(p).seed),
                           sweep == Sweep::CrashPoints ? "crash point" : "update point", p.op);
      });
  for (std::size_t k = 0; k < points.size(); ++k) {
    CrashPointResult& r = results[points[k].result];
    ++r.runs;
    r.covered += reports[k]->upgrade_started_at_point;
    const std::string place = sweep == Sweep::CrashPoints
                               ? fmt::format("crash before operation {} ({})", points[k].op, name(points[k].outcome))
                               : fmt::format("upgrade at {}", yield_points[points[k].result][static_cast<std::size_t>(points[k].op - 1)]);
    std::set<std::string> fired;
    for (const Violation& v : reports[k]->violations) {
      if (!fired.insert(v.oracle).second) continue;
      ++r.fired[v.oracle];
      if (!r.first.contains(v.oracle)) {
        r.first.emplace(v.oracle, *reports[k]);
        r.first_settings.emplace(v.oracle, settings_of(points[k]));
      }
      auto& at = r.where[v.oracle];
      if (at.empty() || at.back() != points[k].op) at.push_back(points[k].op);
      if (r.examples.size() < 3)
        r.examples.push_back(fmt::format("{}: {} at {}: {}", place, v.oracle, v.where, v.why));
    }
  }
  return results;
}

}  // namespace scenarios
