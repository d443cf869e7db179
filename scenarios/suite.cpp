#include "scenarios/suite.hpp"

#include "scenarios/parallel.hpp"
#include "scenarios/repro.hpp"
#include "scenarios/swarm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>

namespace scenarios {

std::string run_name(const std::string& scenario, const std::string& policy, std::uint64_t seed) {
  return fmt::format("scenario {}, policy {}, seed {}", scenario, policy, seed);
}

bool SuiteResult::ok() const {
  return std::all_of(cells.begin(), cells.end(), [](const Cell& c) { return c.ok(); });
}

bool Cell::fails_on(const std::string& oracle) const {
  if (expected.contains(oracle) || allowed.contains(oracle)) return false;
  return !swarm || declares_safe() || oracle == "app-error";
}

std::string swarm_features_when_fired(const Cell& cell, const std::string& oracle) {
  const auto it = cell.swarm_fired.find(oracle);
  if (it == cell.swarm_fired.end() || it->second.empty()) return "none";
  std::vector<std::pair<std::string, int>> on(it->second.begin(), it->second.end());
  std::stable_sort(on.begin(), on.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string out;
  for (const auto& [feature, n] : on) out += fmt::format("{}{} in {}", out.empty() ? "" : ", ", feature, n);
  return out;
}

namespace {

void judge_swarm(Cell& cell) {
  for (const auto& [oracle, count] : cell.fired)
    if (cell.fails_on(oracle))
      cell.problems.push_back(fmt::format("{} fired in {} of {} swarm seeds (first seed {}); {}; features on in those seeds: {}", oracle,
                                          count, cell.seeds_run, cell.first_seed.at(oracle),
                                          oracle == "app-error" ? "the run itself failed"
                                                                : "a policy that declares no hazard must stay clean under every subset",
                                          swarm_features_when_fired(cell, oracle)));
}

}  // namespace

void judge(SuiteResult& result) {
  for (Cell& cell : result.cells) {
    cell.problems.clear();
    if (cell.swarm) {
      judge_swarm(cell);
      continue;
    }
    for (const auto& [oracle, count] : cell.fired)
      if (cell.fails_on(oracle))
        cell.problems.push_back(fmt::format("{} fired in {} of {} seeds (first seed {}) but was not expected", oracle, count,
                                            cell.seeds_run, cell.first_seed.at(oracle)));
    // A hazard nothing in the run could trip proves nothing for any policy: the scenario's
    // hazards must be exercised in some seed (judged unsharded only, like missing ones).
    if (!result.sharded)
      for (const std::string& oracle : cell.targeted)
        if (!cell.exercised.contains(oracle))
          cell.problems.push_back(fmt::format("vacuous: {} was never exercised in {} seeds (nothing in the run could trip it)",
                                              oracle, cell.seeds_run));
    // An expected hazard may show up only in seeds another shard runs: judged unsharded only.
    if (!result.sharded)
      for (const std::string& oracle : cell.expected)
        if (!cell.fired.contains(oracle))
          cell.problems.push_back(fmt::format("{} was expected but did not fire in {} seeds", oracle, cell.seeds_run));
  }
}

namespace {

struct Task {
  std::size_t cell;
  std::uint64_t seed;
  std::uint64_t seed_index;
};

}  // namespace

SuiteResult run_suite(const std::vector<Scenario>& scenarios, const SuiteOptions& options,
                      const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  const auto started = std::chrono::steady_clock::now();
  SuiteResult result;
  result.sharded = options.shard.count > 1 || !options.judge_missing;
  result.shard = options.shard;
  std::vector<Task> tasks;
  std::vector<const Scenario*> cell_scenario;
  for (const Scenario& sc : scenarios) {
    for (const std::string& policy : sc.policies) {
      Cell cell;
      cell.scenario = sc.name;
      cell.scenario_path = sc.path;
      cell.scenario_checksum = sc.checksum;
      cell.policy = policy;
      cell.swarm = options.swarm;
      cell.expected = sc.expect.at(policy);
      cell.allowed = sc.allow.at(policy);
      cell.sessions = sc.sessions + sc.idle_sessions;
      for (const auto& [p, oracles] : sc.expect) cell.targeted.insert(oracles.begin(), oracles.end());
      result.cells.push_back(std::move(cell));
      cell_scenario.push_back(&sc);
      const std::size_t index = result.cells.size() - 1;
      if (options.seed) {
        result.cells.back().planned_seeds = 1;
        tasks.push_back({index, *options.seed, 0});
        continue;
      }
      const int seeds = options.seeds.value_or(sc.seeds);
      result.cells.back().planned_seeds = seeds;
      for (int i = 0; i < seeds; ++i)
        if (options.shard.owns(static_cast<std::uint64_t>(i)))
          tasks.push_back({index, sc.first_seed + static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(i)});
    }
  }

  // Everything that decides each run, in one value (a repro stores it whole).
  auto settings_of = [&](const Task& t) {
    const Scenario& sc = *cell_scenario[t.cell];
    RunSettings settings;
    settings.scenario_hash = sc.checksum;
    settings.policy = result.cells[t.cell].policy;
    settings.seed = t.seed;
    settings.strategy = options.strategy.value_or(sc.strategy);
    if (options.swarm) settings.swarm = draw_swarm(sc, t.seed);
    return settings;
  };
  // Each run is folded into its cell as soon as it ends and then dropped, so a sweep's memory
  // stays flat. Folding is order-independent: sums, histogram merges, and the example of each
  // oracle kept by lowest task index, so the result never depends on thread timing.
  std::vector<int> rank_in_cell(tasks.size());
  {
    std::vector<int> seen(result.cells.size(), 0);
    for (std::size_t i = 0; i < tasks.size(); ++i) rank_in_cell[i] = ++seen[tasks[i].cell];
    for (std::size_t c = 0; c < result.cells.size(); ++c)
      result.cells[c].trace_hashes.resize(static_cast<std::size_t>(seen[c]));
  }
  std::vector<std::map<std::string, std::size_t>> example_task(result.cells.size());
  std::mutex fold;
  parallel_for(
      tasks.size(), options.jobs,
      [&](std::size_t i) {
        const Task& t = tasks[i];
        const Scenario& sc = *cell_scenario[t.cell];
        const RunSettings settings = settings_of(t);
        const auto run_started = std::chrono::steady_clock::now();
        RunReport r = run_scenario(sc, settings.policy, settings);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_started).count();
        LatencyHistogram pauses, upgrade_pauses;  // built outside the lock
        for (const auto d : r.pauses) pauses.add(d);
        for (const auto d : r.upgrade_pauses) upgrade_pauses.add(d);
        std::set<std::string> fired;
        for (const Violation& v : r.violations) fired.insert(v.oracle);

        std::lock_guard lock(fold);
        Cell& cell = result.cells[t.cell];
        ++cell.seeds_run;
        ++result.runs;
        cell.run_seconds += seconds;
        cell.requests_ok += r.requests_ok;
        cell.trace_hashes[static_cast<std::size_t>(rank_in_cell[i] - 1)] = {r.seed, r.run.trace_hash};
        cell.fresh_image_bytes = r.fresh_image_bytes;
        cell.pauses.merge(pauses);
        cell.upgrade_pauses.merge(upgrade_pauses);
        for (const auto bytes : r.image_sizes) cell.largest_image = std::max(cell.largest_image, bytes);
        for (const std::string& oracle : r.exercised) ++cell.exercised[oracle];
        if (cell.swarm) {
          cell.swarm_subsets.insert(describe_swarm(settings.swarm));
          for (const std::string& feature : settings.swarm) {
            ++cell.swarm_feature_seeds[feature];
            for (const std::string& oracle : fired) ++cell.swarm_fired[oracle][feature];
          }
        }
        for (const std::string& oracle : fired) {
          ++cell.fired[oracle];
          auto [it, first] = example_task[t.cell].try_emplace(oracle, i);
          if (!first && it->second < i) continue;  // an earlier seed already shows it
          it->second = i;
          cell.first_seed[oracle] = r.seed;
          cell.seeds_to_first[oracle] = rank_in_cell[i];
          cell.violation.insert_or_assign(oracle, violation_text(r, oracle));
          cell.example.insert_or_assign(oracle, r);
          cell.example_settings.insert_or_assign(oracle, settings);
        }
      },
      progress,
      [&](std::size_t i) {
        return run_name(cell_scenario[tasks[i].cell]->name, result.cells[tasks[i].cell].policy, tasks[i].seed);
      });

  judge(result);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace scenarios
