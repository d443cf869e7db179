// Simulator speed on real work: interpreted sends per second under the simulator, seeds per
// second of each default-suite scenario, and the simulated-to-real time ratio of a
// 200-session scenario.
#include <benchmark/benchmark.h>

#include <chrono>
#include <filesystem>

#include <sys/resource.h>

#include "scenarios/engine.hpp"
#include "scenarios/suite.hpp"
#include "scenarios/sim_runtime.hpp"
#include "upgrader/server.hpp"

namespace {

const std::string kDefault = std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/";

// One iteration = one request of `buy` (8 sends) by one of 10 sessions, all under the simulator.
void BM_SimulatedSends(benchmark::State& state) {
  const scenarios::Scenario sc = scenarios::load_scenario(kDefault + "load-order.toml");
  sim::WorldConfig config;
  config.keep_trace_events = false;
  sim::World world(config);
  scenarios::SimRuntime rt(world);
  upgrader::ServerConfig server_config;
  upgrader::Server server(rt, server_config, upgrader::make_policy("safe"));
  for (const auto& p : scenarios::read_releases(sc.app_dir, sc.old_packages, {}).old_packages) server.image().install(p, true);
  std::vector<std::uint64_t> sessions;
  for (int i = 0; i < 10; ++i) sessions.push_back(server.new_session("ShopSession"));
  std::int64_t requests = 0;
  world.spawn("driver", 30, [&] {
    for (auto _ : state) server.request(sessions[static_cast<std::size_t>(requests++ % 10)], "buy");
  });
  world.run();
  state.counters["sends/s"] = benchmark::Counter(static_cast<double>(requests * 8), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SimulatedSends);

// One iteration = one seed of a default-suite scenario under `safe`.
void BM_DefaultSuiteSeed(benchmark::State& state, const std::string& file) {
  const scenarios::Scenario sc = scenarios::load_scenario(kDefault + file);
  std::uint64_t seed = 0;
  for (auto _ : state) {
    scenarios::RunSettings settings;
    settings.seed = seed++;
    benchmark::DoNotOptimize(scenarios::run_scenario(sc, "safe", settings));
  }
  state.counters["seeds/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_DefaultSuiteSeed, load_order, std::string("load-order.toml"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DefaultSuiteSeed, half_loaded, std::string("half-loaded.toml"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DefaultSuiteSeed, loader_priority, std::string("loader-priority.toml"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DefaultSuiteSeed, crash_before_save, std::string("crash-before-save.toml"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DefaultSuiteSeed, save_under_load, std::string("save-under-load.toml"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DefaultSuiteSeed, broken_package, std::string("broken-package.toml"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DefaultSuiteSeed, early_trigger, std::string("early-trigger.toml"))->Unit(benchmark::kMillisecond);

// 200 sessions with human think times (1-10 s) over 10 virtual minutes, under `safe`.
// Counter sim_to_real: virtual seconds simulated per real second (goal: >= 10,000).
void BM_SimToReal_200Sessions(benchmark::State& state) {
  scenarios::Scenario sc = scenarios::load_scenario(kDefault + "load-order.toml");
  sc.sessions = 200;
  sc.think_min = scenarios::Millis(1000);
  sc.think_max = scenarios::Millis(10000);
  sc.duration = std::chrono::minutes(10);
  double virtual_seconds = 0, real_seconds = 0;
  std::uint64_t seed = 0;
  for (auto _ : state) {
    scenarios::RunSettings settings;
    settings.seed = seed++;
    const auto start = std::chrono::steady_clock::now();
    const scenarios::RunReport r = scenarios::run_scenario(sc, "safe", settings);
    real_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    virtual_seconds += std::chrono::duration<double>(r.run.end_time).count();
  }
  state.counters["sim_to_real"] = virtual_seconds / real_seconds;
}
BENCHMARK(BM_SimToReal_200Sessions)->Unit(benchmark::kMillisecond)->Iterations(3);

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

// A seed sweep's memory: peak RSS of the process after N seeds of one scenario (2 sessions
// of load-order under `safe`, 2 worker threads). Runs are folded into their cell as they end,
// so the peak should not grow with N (goal: flat, under 256 MB for 100,000 seeds). Run
// 1,000 before 10,000: ru_maxrss is a high-water mark, so growth shows as a larger figure.
void BM_SweepPeakRss(benchmark::State& state) {
  scenarios::Scenario sc = scenarios::load_scenario(kDefault + "load-order.toml");
  sc.sessions = 2;
  sc.policies = {"safe"};
  scenarios::SuiteOptions options;
  options.seeds = static_cast<int>(state.range(0));
  options.jobs = 2;
  const double before = peak_rss_mb();
  for (auto _ : state) benchmark::DoNotOptimize(scenarios::run_suite({sc}, options));
  state.counters["peak_rss_mb"] = peak_rss_mb();
  state.counters["peak_growth_mb"] = peak_rss_mb() - before;
  state.counters["seeds"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_SweepPeakRss)->Arg(1000)->Arg(10000)->Iterations(1)->Unit(benchmark::kSecond);

// Concurrent sessions in one run: N sessions open in the production image, each a client
// fiber making a request every 30-60 virtual seconds for 2 virtual minutes, under `safe`.
// Prints bytes per session (peak RSS growth over N) and the run's wall time; the goal is
// 1,000,000 sessions within 16 GiB. Sizes run in ascending order: ru_maxrss is a high-water
// mark, so each figure is the growth over the largest run before it.
void BM_ConcurrentSessions(benchmark::State& state) {
  scenarios::Scenario sc = scenarios::load_scenario(kDefault + "load-order.toml");
  sc.sessions = static_cast<int>(state.range(0));
  sc.think_min = scenarios::Millis(30'000);
  sc.think_max = scenarios::Millis(60'000);
  sc.duration = std::chrono::minutes(2);
  sc.session_timeout = std::chrono::hours(1);
  const double before_mb = peak_rss_mb();
  double wall_seconds = 0;
  for (auto _ : state) {
    scenarios::RunSettings settings;
    const auto start = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(scenarios::run_scenario(sc, "safe", settings));
    wall_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  const double growth_bytes = (peak_rss_mb() - before_mb) * 1024.0 * 1024.0;
  state.counters["sessions"] = static_cast<double>(state.range(0));
  state.counters["bytes_per_session"] = growth_bytes / static_cast<double>(state.range(0));
  state.counters["wall_s"] = wall_seconds / static_cast<double>(state.iterations());
}
BENCHMARK(BM_ConcurrentSessions)->Arg(1'000)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
