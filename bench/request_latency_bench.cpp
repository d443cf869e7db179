// What a request feels while a release is built and published (issue 13): request latency
// in the simulator (virtual time) during the upgrade window, against the same scenario, seeds
// and load with no upgrade at all — measured in the same run. Per policy, across release
// sizes (generated apps: packages x methods) and live sessions (25 active, plus idle ones
// that sit in the image).
//
// Each benchmark reports, as its (manual) time, the p99 latency of the requests that
// arrived in the upgrade window (the deploy until the new release is in place); counters give
// p50/p99/max ratios to the same window of the same seeds with no upgrade (run inside the
// benchmark) and the largest latency added over the baseline's max, against one method's
// compile slice (the bound `safe` aims for). The reporter prints the ratios after the table.
#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <unistd.h>

#include "scenarios/engine.hpp"
#include "scenarios/generate_app.hpp"
#include "scenarios/scenario.hpp"

namespace {

namespace fs = std::filesystem;
using scenarios::Millis;

constexpr int kSeeds = 2;
constexpr Millis kCompile{1};  // per method: a 10,000-method release takes 10 s of CPU
constexpr Millis kDeploy{2000};

// A generated app of this size written under the temp directory (once per size).
const std::pair<std::string, std::pair<std::vector<std::string>, std::vector<std::string>>>& app_for(int packages, int methods) {
  static std::mutex mutex;
  static std::map<std::pair<int, int>, std::pair<std::string, std::pair<std::vector<std::string>, std::vector<std::string>>>> apps;
  std::lock_guard lock(mutex);
  auto it = apps.find({packages, methods});
  if (it != apps.end()) return it->second;
  scenarios::GenOptions o;
  o.packages = packages;
  o.methods = methods;
  o.depth = std::min(packages, 10);
  scenarios::GeneratedApp app;
  for (o.seed = 1;; ++o.seed) {  // a seed whose names happen to sort in dependency order is skipped
    try {
      app = scenarios::generate_app(o);
      break;
    } catch (const std::invalid_argument&) {
    }
  }
  const fs::path dir = fs::temp_directory_path() / fmt::format("hotsim-bench-app-{}-{}-{}", packages, methods, ::getpid());
  std::vector<std::string> names[2];
  int k = 0;
  for (const auto& [sub, release] : {std::pair{"old", &app.old_release}, std::pair{"new", &app.new_release}}) {
    fs::create_directories(dir / sub);
    for (const auto& [name, bytes] : scenarios::render_release(*release)) {
      std::ofstream(dir / sub / name, std::ios::binary) << bytes;
      names[k].push_back(std::string(sub) + "/" + name);  // relative to the app directory
    }
    ++k;
  }
  return apps[{packages, methods}] = {dir.string(), {names[0], names[1]}};
}

scenarios::Scenario scenario(int packages, int methods, int idle_sessions, bool upgrade) {
  const auto& [dir, files] = app_for(packages, methods);
  scenarios::Scenario sc;
  sc.name = "request-latency";
  sc.path = dir + "/bench.toml";
  sc.app_dir = dir;
  sc.old_packages = files.first;
  sc.new_packages = files.second;
  sc.sessions = 25;
  sc.idle_sessions = idle_sessions;
  sc.requests = {"browse", "order"};
  sc.session_class = "GenSession";
  sc.think_min = Millis(20);
  sc.think_max = Millis(300);
  sc.compile_per_method = kCompile;
  sc.poll_period = Millis(5000);
  // The window: from the deploy until the longest build could be over.
  sc.duration = kDeploy + sc.poll_period + kCompile * (methods + packages) + Millis(3000);
  sc.deploy_at = upgrade ? kDeploy : sc.duration + Millis(1000);  // never, without an upgrade
  sc.liveness = sc.duration;
  return sc;
}

// The latencies of the requests that arrived while the upgrade was under way, with and
// without it: per seed, the window runs from the deploy until the first request that found
// the new release in place, and the baseline (the same seed with no upgrade) is read over the
// same window. Requests after the upgrade run the new release's code, which costs what it
// costs; that is not what the upgrade adds, so they are left out of both.
struct WindowLatencies {
  std::vector<double> with, without;  // ms, sorted
};

void add_window(const scenarios::RunReport& r, std::chrono::nanoseconds end, std::vector<double>& out) {
  for (const auto& s : r.served)
    if (s.arrival >= kDeploy && s.arrival < end) out.push_back(std::chrono::duration<double, std::milli>(s.latency).count());
}

WindowLatencies window_latencies(int packages, int methods, int idle, const std::string& policy) {
  WindowLatencies out;
  for (int seed = 0; seed < kSeeds; ++seed) {
    scenarios::RunSettings st;
    st.seed = static_cast<std::uint64_t>(seed);
    const scenarios::RunReport without = scenarios::run_scenario(scenario(packages, methods, idle, false), "safe", st);
    const scenarios::RunReport with = scenarios::run_scenario(scenario(packages, methods, idle, true), policy, st);
    std::chrono::nanoseconds end = scenario(packages, methods, idle, true).duration;
    for (const auto& s : with.served)
      if (s.on_last_release) end = std::min(end, std::chrono::nanoseconds(s.arrival));
    add_window(with, end, out.with);
    add_window(without, end, out.without);
  }
  std::sort(out.with.begin(), out.with.end());
  std::sort(out.without.begin(), out.without.end());
  return out;
}

double quantile(const std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
}

void request_latency(benchmark::State& state, const std::string& policy) {
  const int packages = static_cast<int>(state.range(0)), methods = static_cast<int>(state.range(1)),
            idle = static_cast<int>(state.range(2));
  std::vector<double> with, without;
  for (auto _ : state) {
    auto window = window_latencies(packages, methods, idle, policy);
    with = std::move(window.with);
    without = std::move(window.without);
    state.SetIterationTime(quantile(with, 0.99) / 1000.0);
  }
  const auto ratio = [&](double q) { return quantile(without, q) > 0 ? quantile(with, q) / quantile(without, q) : 0.0; };
  state.counters["requests"] = static_cast<double>(with.size());
  state.counters["p50_ratio"] = ratio(0.5);
  state.counters["p99_ratio"] = ratio(0.99);
  state.counters["max_ratio"] = with.empty() || without.empty() ? 0.0 : with.back() / without.back();
  state.counters["max_added_ms"] = with.empty() || without.empty() ? 0.0 : std::max(0.0, with.back() - without.back());
  state.counters["slice_ms"] = static_cast<double>(kCompile.count());
}

void BM_Pause_safe(benchmark::State& s) { request_latency(s, "safe"); }
void BM_Pause_seed(benchmark::State& s) { request_latency(s, "seed"); }
void BM_Pause_priority(benchmark::State& s) { request_latency(s, "priority"); }

// Arguments: packages, methods, idle sessions. Release size grows with no idle sessions;
// idle sessions grow at 8 packages / 1,000 methods.
void latency_args(benchmark::internal::Benchmark* b) {
  for (int packages : {2, 8, 64})
    for (int methods : {10, 1000, 10000})
      if (methods >= 5 * packages) b->Args({packages, methods, 0});
  b->Args({8, 1000, 10000});
  b->ArgNames({"packages", "methods", "idle"})->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
}
BENCHMARK(BM_Pause_safe)->Apply(latency_args);
BENCHMARK(BM_Pause_seed)->Apply(latency_args);
BENCHMARK(BM_Pause_priority)->Apply(latency_args);

}  // namespace
