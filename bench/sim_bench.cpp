// Simulator kernel speed: a yield through the scheduler against a bare boost::context
// switch, virtual sleeps per second, fibers created and joined per second.
#include <benchmark/benchmark.h>

#include <boost/context/fiber.hpp>
#include <chrono>
#include <cstdint>
#include <limits>

#include "sim/world.hpp"

namespace {

namespace ctx = boost::context;

// A world that runs the whole benchmark loop: no step limit, or a long run (a larger
// --benchmark_min_time, a faster machine) would stop the world before the loop ends.
sim::WorldConfig unlimited() {
  sim::WorldConfig config;
  config.keep_trace_events = false;
  config.limits.max_steps = std::numeric_limits<std::uint64_t>::max();
  return config;
}

// Baseline: one iteration = two bare context switches (there and back).
void BM_RawContextSwitch(benchmark::State& state) {
  ctx::fiber other([](ctx::fiber&& back) {
    for (;;) back = std::move(back).resume();
    return std::move(back);
  });
  for (auto _ : state) other = std::move(other).resume();
  state.counters["switches/s"] = benchmark::Counter(2.0 * static_cast<double>(state.iterations()),
                                                    benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RawContextSwitch);

// Baseline for fiber creation: a bare context created and run to completion.
void BM_RawContextCreate(benchmark::State& state) {
  for (auto _ : state) {
    ctx::fiber f([](ctx::fiber&& back) { return std::move(back); });
    f = std::move(f).resume();
    benchmark::DoNotOptimize(f);
  }
}
BENCHMARK(BM_RawContextCreate);

// One iteration = two scheduled switches: A yields to B, B yields back to A.
void BM_FiberSwitch(benchmark::State& state, sim::Strategy strategy) {
  sim::WorldConfig config = unlimited();
  config.strategy = strategy;
  sim::World world(config);
  bool done = false;
  world.spawn("A", 0, [&] {
    for (auto _ : state) world.yield();
    done = true;
  });
  world.spawn("B", 0, [&] {
    while (!done) world.yield();
  });
  world.run();
  state.counters["switches/s"] = benchmark::Counter(2.0 * static_cast<double>(state.iterations()),
                                                    benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_FiberSwitch, rr, sim::Strategy::RoundRobin);
BENCHMARK_CAPTURE(BM_FiberSwitch, random, sim::Strategy::RandomWalk);
// PCT is left out: with strict priorities the spinning partner starves (PCT's known livelock).

// A 5 s poll loop: one iteration = one virtual sleep, the clock jump and the wake-up,
// with `range(0)` other fibers asleep in the timer queue.
void BM_VirtualSleep(benchmark::State& state) {
  sim::WorldConfig config = unlimited();
  sim::World world(config);
  bool done = false;
  for (int i = 0; i < state.range(0); ++i)
    world.spawn("idle", 0, [&] {
      while (!done) world.sleep_for(std::chrono::hours(1));
    });
  world.spawn("poller", 1, [&] {
    for (auto _ : state) world.sleep_for(std::chrono::seconds(5));
    done = true;
  });
  world.run();
  state.counters["virtual_sleeps/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_VirtualSleep)->Arg(0)->Arg(100);

// One iteration = a fiber spawned, run and joined by its parent.
void BM_FiberSpawnJoin(benchmark::State& state) {
  sim::WorldConfig config = unlimited();
  config.stack_size = 64 * 1024;
  sim::World world(config);
  world.spawn("parent", 0, [&] {
    for (auto _ : state) world.join(world.spawn("child", 0, [] {}));
  });
  world.run();
  state.counters["fibers/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FiberSpawnJoin);

}  // namespace
