// hotsim_bench: Google Benchmark with a reporter that adds ratios to in-run baselines.
// JSON: --benchmark_out=FILE --benchmark_out_format=json (scripts/bench.sh does this).
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include "bench/ratio_reporter.hpp"

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  bench::RatioPairs pairs{
      {"BM_FiberSwitch/rr", "BM_RawContextSwitch"},
      {"BM_FiberSwitch/random", "BM_RawContextSwitch"},
      {"BM_FiberSpawnJoin", "BM_RawContextCreate"},
      {"BM_PublishSwitch_safe/packages:8/methods:1000/sessions:1000", "BM_PointerSwitch"},
      {"BM_PublishSwitch_safe/packages:64/methods:10000/sessions:1000", "BM_PointerSwitch"},
      {"BM_PublishSwitch_safe/packages:8/methods:1000/sessions:10000", "BM_PointerSwitch"},
      {"BM_InstallHold_seed/packages:8/methods:1000/sessions:1000", "BM_PublishSwitch_safe/packages:8/methods:1000/sessions:1000"},
      {"BM_InstallHold_priority/packages:8/methods:1000/sessions:1000", "BM_PublishSwitch_safe/packages:8/methods:1000/sessions:1000"},
      {"BM_InstallHold_priority/packages:64/methods:10000/sessions:1000", "BM_PublishSwitch_safe/packages:64/methods:10000/sessions:1000"},
  };
  // What a request feels (simulated time): p99 latency in the upgrade window over p99 of the
  // same runs with no upgrade, per policy and size.
  for (const char* policy : {"safe", "seed", "priority"})
    for (const char* args : {"packages:2/methods:10/idle:0", "packages:8/methods:1000/idle:0", "packages:64/methods:10000/idle:0",
                             "packages:8/methods:1000/idle:10000"})
      pairs.emplace_back(fmt::format("BM_Pause_{}/{}/iterations:1/manual_time", policy, args),
                         fmt::format("BM_Pause_none/{}/iterations:1/manual_time", args));
  bench::RatioReporter reporter(std::move(pairs), isatty(STDOUT_FILENO) != 0);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
