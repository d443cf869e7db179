// "Is 5s not too often?" (cdrick, in the post's comments): what the code loader's polling
// costs while nothing is staged. One iteration = one idle virtual hour of a booted server
// (the shop's old release, no sessions, an empty staging directory) with its loader polling
// every `poll_ms`, against the same hour with no loader at all (the baseline, in the same
// run: the ratios are printed at the end). Counters: polls and server file operations per
// idle hour, the price each poll pays in system calls on a real server.
#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>
#include <optional>

#include "scenarios/engine/server_processes.hpp"
#include "scenarios/oracles/evidence.hpp"
#include "scenarios/scenario.hpp"

namespace {

const std::string kShop = std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/load-order.toml";

// Counts the server's file operations (each a system call on a real server).
class OpCounter : public scenarios::FsObserver {
 public:
  void before_op(std::string_view, const std::string&, const std::string&) override { ++ops; }
  void after_op(std::string_view, const std::string&, const std::string&) override {}
  std::int64_t ops = 0;
};

struct IdleHour {
  OpCounter counter;  // outlives the world, whose fibers unwind last
  std::unique_ptr<sim::World> world;
  std::unique_ptr<scenarios::ServerProcesses> processes;
};

// A world one virtual hour long: the server booted with the old release and, when `poll`
// is given, its loader started; one outside fiber asleep for the hour so both worlds run
// to the same deadline.
std::unique_ptr<IdleHour> idle_hour(const std::vector<upgrader::Package>& old_release, const std::string& policy,
                                    std::optional<std::chrono::milliseconds> poll) {
  auto h = std::make_unique<IdleHour>();
  sim::WorldConfig config;
  config.keep_trace_events = false;
  config.limits.deadline = std::chrono::hours(1);
  h->world = std::make_unique<sim::World>(config);
  upgrader::ServerConfig server;
  if (poll) server.poll_period = *poll;
  h->processes = std::make_unique<scenarios::ServerProcesses>(*h->world, server, [policy] { return upgrader::make_policy(policy); });
  h->world->fs().mkdir(server.staging_dir);
  h->world->fs().fsync_dir(".");
  scenarios::ServerProcess& p = h->processes->start();
  p.server->boot();
  scenarios::install_in_dependency_order(p.server->image(), old_release);
  p.runtime->sim_fs().set_observer(&h->counter);
  if (poll) p.server->start_watcher();
  h->world->spawn("operator", 100, [w = h->world.get()] { w->sleep_for(std::chrono::hours(2)); });
  return h;
}

void run_idle_hours(benchmark::State& state, const std::string& policy, std::optional<std::chrono::milliseconds> poll) {
  const scenarios::Scenario sc = scenarios::load_scenario(kShop);
  const auto old_release = scenarios::read_releases(sc.app_dir, sc.old_packages, {}).old_packages;
  std::unique_ptr<IdleHour> hour;
  std::int64_t polls = 0, ops = 0;
  for (auto _ : state) {
    state.PauseTiming();
    hour.reset();  // the last hour torn down, untimed (one world per thread at a time)
    hour = idle_hour(old_release, policy, poll);
    state.ResumeTiming();
    hour->world->run();
    state.PauseTiming();
    polls += hour->processes->first().runtime->polls();
    ops += hour->counter.ops;
    state.ResumeTiming();
  }
  const auto n = static_cast<double>(state.iterations());
  state.counters["polls/hour"] = static_cast<double>(polls) / n;
  state.counters["fs_ops/hour"] = static_cast<double>(ops) / n;
}

void BM_IdleHourNoLoader(benchmark::State& state) { run_idle_hours(state, "seed", std::nullopt); }
BENCHMARK(BM_IdleHourNoLoader)->Unit(benchmark::kMicrosecond);

void BM_IdleHourPolling(benchmark::State& state, const std::string& policy) {
  run_idle_hours(state, policy, std::chrono::milliseconds(state.range(0)));
}
BENCHMARK_CAPTURE(BM_IdleHourPolling, seed, std::string("seed"))
    ->ArgName("poll_ms")->Arg(1000)->Arg(5000)->Arg(60000)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_IdleHourPolling, safe, std::string("safe"))
    ->ArgName("poll_ms")->Arg(1000)->Arg(5000)->Arg(60000)->Unit(benchmark::kMicrosecond);

}  // namespace
