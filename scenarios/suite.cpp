#include "scenarios/suite.hpp"

#include "scenarios/parallel.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace scenarios {

std::string run_name(const std::string& scenario, const std::string& policy, std::uint64_t seed) {
  return fmt::format("scenario {}, policy {}, seed {}", scenario, policy, seed);
}

bool SuiteResult::ok() const {
  return std::all_of(cells.begin(), cells.end(), [](const Cell& c) { return c.ok(); });
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
  std::vector<Task> tasks;
  std::vector<const Scenario*> cell_scenario;
  for (const Scenario& sc : scenarios) {
    for (const std::string& policy : sc.policies) {
      Cell cell;
      cell.scenario = sc.name;
      cell.scenario_path = sc.path;
      cell.policy = policy;
      cell.expected = sc.expect.at(policy);
      cell.allowed = sc.allow.at(policy);
      cell.sessions = sc.sessions + sc.idle_sessions;
      result.cells.push_back(std::move(cell));
      cell_scenario.push_back(&sc);
      const std::size_t index = result.cells.size() - 1;
      if (options.seed) {
        tasks.push_back({index, *options.seed, 0});
        continue;
      }
      const int seeds = options.seeds.value_or(sc.seeds);
      for (int i = 0; i < seeds; ++i)
        if (options.shard.owns(static_cast<std::uint64_t>(i)))
          tasks.push_back({index, sc.first_seed + static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(i)});
    }
  }

  // Results land by task index, so aggregation below sees them in one fixed order.
  std::vector<std::optional<RunReport>> reports(tasks.size());
  std::vector<double> run_seconds(tasks.size(), 0.0);
  parallel_for(
      tasks.size(), options.jobs,
      [&](std::size_t i) {
        const Task& t = tasks[i];
        const Scenario& sc = *cell_scenario[t.cell];
        RunSettings settings;
        settings.seed = t.seed;
        settings.strategy = options.strategy.value_or(sc.strategy);
        const auto run_started = std::chrono::steady_clock::now();
        reports[i] = run_scenario(sc, result.cells[t.cell].policy, settings);
        run_seconds[i] = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_started).count();
      },
      progress,
      [&](std::size_t i) {
        return run_name(cell_scenario[tasks[i].cell]->name, result.cells[tasks[i].cell].policy, tasks[i].seed);
      });

  for (std::size_t i = 0; i < tasks.size(); ++i) {
    Cell& cell = result.cells[tasks[i].cell];
    RunReport& r = *reports[i];
    ++cell.seeds_run;
    ++result.runs;
    cell.run_seconds += run_seconds[i];
    cell.requests_ok += r.requests_ok;
    cell.trace_hashes.emplace_back(r.seed, r.run.trace_hash);
    cell.fresh_image_bytes = r.fresh_image_bytes;
    cell.pauses.insert(cell.pauses.end(), r.pauses.begin(), r.pauses.end());
    cell.image_sizes.insert(cell.image_sizes.end(), r.image_sizes.begin(), r.image_sizes.end());
    std::set<std::string> fired;
    for (const Violation& v : r.violations) fired.insert(v.oracle);
    for (const std::string& oracle : fired) {
      ++cell.fired[oracle];
      if (!cell.first_seed.contains(oracle)) {
        cell.first_seed[oracle] = r.seed;
        cell.seeds_to_first[oracle] = cell.seeds_run;
        cell.example.emplace(oracle, r);
      }
    }
  }
  for (Cell& cell : result.cells) {
    for (const auto& [oracle, count] : cell.fired)
      if (!cell.expected.contains(oracle) && !cell.allowed.contains(oracle))
        cell.problems.push_back(fmt::format("{} fired in {} of {} seeds (first seed {}) but was not expected", oracle, count,
                                            cell.seeds_run, cell.first_seed.at(oracle)));
    // An expected hazard may show up only in seeds another shard runs: judged unsharded only.
    if (!result.sharded)
      for (const std::string& oracle : cell.expected)
        if (!cell.fired.contains(oracle))
          cell.problems.push_back(fmt::format("{} was expected but did not fire in {} seeds", oracle, cell.seeds_run));
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace scenarios
