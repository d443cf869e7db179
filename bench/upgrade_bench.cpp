// Pause latency (real time): how long the request path is held while a release is
// installed and published, per policy, as the release grows and as live sessions grow.
// Image growth: saved image bytes against live sessions, with and without housekeeping.
#include <benchmark/benchmark.h>

#include <atomic>
#include <memory>

#include "upgrader/image.hpp"
#include "upgrader/snapshot.hpp"

namespace {

using namespace upgrader;

// A release of `packages` packages holding `methods` methods in all, 10 to a class; version
// 2 changes every method body (and reshapes one class per package).
std::vector<Package> release_packages(int packages, int methods, int version) {
  std::vector<Package> out;
  const int per_package = std::max(1, methods / packages);
  for (int p = 0; p < packages; ++p) {
    Package pkg;
    pkg.name = "P" + std::to_string(p);
    pkg.version = version;
    pkg.source = pkg.name + ".pkg";
    for (int m = 0; m < per_package; ++m) {
      const std::string cls = "C" + std::to_string(p) + "_" + std::to_string(m / 10);
      if (m % 10 == 0) {
        ClassDef c{cls, "Object", {"a", "b"}, {}, {}, 0};
        if (version == 2 && m == 0) c.fields.push_back("added");
        pkg.classes.push_back(c);
      }
      Step add{};
      add.kind = Step::Kind::Add;
      add.name = "a";
      add.value = std::int64_t{version};
      pkg.methods.push_back({cls, "m" + std::to_string(m % 10), {add}, 0});
    }
    out.push_back(std::move(pkg));
  }
  return out;
}

// An image running release 1 with `sessions` sessions, each holding a few objects.
Image running_image(const std::vector<Package>& release, int sessions) {
  Image image;
  for (const auto& p : release) image.install(p, false);
  for (int s = 0; s < sessions; ++s) {
    const auto id = image.new_session(release.front().classes.front().name, Time(0));
    Object& root = image.object(image.session(id)->root);
    root.fields["a"] = ObjectRef{image.new_object(release.back().classes.front().name)};
    root.fields["b"] = std::int64_t{s};
  }
  return image;
}

// Baseline: swapping a shared pointer atomically, the least a publish can cost.
void BM_PointerSwitch(benchmark::State& state) {
  auto a = std::make_shared<const Release>(), b = std::make_shared<const Release>();
  std::shared_ptr<const Release> current = a;
  for (auto _ : state) {
    std::atomic_store(&current, state.iterations() % 2 ? a : b);
    benchmark::DoNotOptimize(current);
  }
}
BENCHMARK(BM_PointerSwitch);

// safe's publish: one pointer switch of a release built aside (the least a request can wait
// for; what requests feel during the whole build is BM_Pause_*, request_latency_bench.cpp).
void BM_PublishSwitch_safe(benchmark::State& state) {
  const int packages = static_cast<int>(state.range(0)), methods = static_cast<int>(state.range(1));
  const auto v1 = release_packages(packages, methods, 1), v2 = release_packages(packages, methods, 2);
  Image image = running_image(v1, static_cast<int>(state.range(2)));
  const auto old_release = image.current();
  auto next = std::make_shared<Release>(*old_release);
  for (const auto& p : v2) next->apply(p, false);
  next->number = old_release->number + 1;
  const std::shared_ptr<const Release> releases[2] = {next, old_release};
  std::size_t i = 0;
  for (auto _ : state) image.publish(releases[i++ % 2]);
}

// Real CPU of the install work that holds requests. seed: requests run between packages, so
// a request waits for one package install (the largest); priority: the loader runs above
// requests, so they wait for the whole batch.
void BM_InstallHold_seed(benchmark::State& state) {
  const int packages = static_cast<int>(state.range(0)), methods = static_cast<int>(state.range(1));
  const auto v1 = release_packages(packages, methods, 1), v2 = release_packages(packages, methods, 2);
  Image image = running_image(v1, static_cast<int>(state.range(2)));
  const auto old_release = image.current();
  for (auto _ : state) {
    image.install(v2.back(), false);
    state.PauseTiming();
    image.publish(old_release);
    state.ResumeTiming();
  }
}

void BM_InstallHold_priority(benchmark::State& state) {
  const int packages = static_cast<int>(state.range(0)), methods = static_cast<int>(state.range(1));
  const auto v1 = release_packages(packages, methods, 1), v2 = release_packages(packages, methods, 2);
  Image image = running_image(v1, static_cast<int>(state.range(2)));
  const auto old_release = image.current();
  for (auto _ : state) {
    for (const auto& p : v2) image.install(p, false);
    state.PauseTiming();
    image.publish(old_release);
    state.ResumeTiming();
  }
}

// Arguments: packages, methods, sessions. Release size grows at 1,000 sessions; sessions
// grow at 8 packages / 1,000 methods.
void pause_args(benchmark::internal::Benchmark* b) {
  for (int packages : {1, 8, 64})
    for (int methods : {10, 1000, 10000})
      if (methods >= packages) b->Args({packages, methods, 1000});
  for (int sessions : {0, 10000}) b->Args({8, 1000, sessions});
  b->ArgNames({"packages", "methods", "sessions"});
}
BENCHMARK(BM_PublishSwitch_safe)->Apply(pause_args);
BENCHMARK(BM_InstallHold_seed)->Apply(pause_args);
BENCHMARK(BM_InstallHold_priority)->Apply(pause_args);

// Saved image bytes with `sessions` live sessions, half of them idle past their timeout.
// Without housekeeping (seed, priority) every session and its garbage is saved; with it
// (safe) the idle ones are expired and garbage collected first. Counters: image_bytes, and
// the baseline fresh_plus_live_bytes (the new release plus the active sessions' own bytes).
void image_growth(benchmark::State& state, bool housekeeping) {
  const int sessions = static_cast<int>(state.range(0));
  const auto release = release_packages(8, 1000, 2);
  Image fresh;
  for (const auto& p : release) fresh.install(p, false);
  const auto fresh_bytes = encode_snapshot(fresh).size();
  Image live = running_image(release, sessions / 2);
  const auto live_bytes = encode_snapshot(live).size();
  Image image = running_image(release, sessions);
  for (const auto& [id, session] : image.sessions())
    if (id % 2 == 0) image.session(id)->last_active = Time(std::chrono::hours(1));  // the active half
  for (int garbage = 0; garbage < sessions; ++garbage) image.new_object(release.front().classes.front().name);
  std::size_t bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    Image copy = image;
    state.ResumeTiming();
    if (housekeeping) copy.expire_sessions(Time(std::chrono::hours(1)), std::chrono::minutes(10));
    bytes = encode_snapshot(copy).size();
  }
  state.counters["image_bytes"] = static_cast<double>(bytes);
  state.counters["fresh_plus_live_bytes"] = static_cast<double>(live_bytes);
  state.counters["fresh_bytes"] = static_cast<double>(fresh_bytes);
  state.counters["growth_vs_baseline"] = static_cast<double>(bytes) / static_cast<double>(live_bytes);
}
void BM_ImageGrowth_seed(benchmark::State& s) { image_growth(s, false); }
void BM_ImageGrowth_safe(benchmark::State& s) { image_growth(s, true); }
BENCHMARK(BM_ImageGrowth_seed)->Arg(0)->Arg(100)->Arg(1000)->Arg(10000)->ArgName("sessions")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ImageGrowth_safe)->Arg(0)->Arg(100)->Arg(1000)->Arg(10000)->ArgName("sessions")->Unit(benchmark::kMillisecond);

}  // namespace
