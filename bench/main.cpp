// hotsim_bench: Google Benchmark with a reporter that adds ratios to in-run baselines.
// JSON: --benchmark_out=FILE --benchmark_out_format=json (scripts/bench.sh does this).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include "bench/ratio_reporter.hpp"

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  bench::RatioReporter reporter({
      {"BM_FiberSwitch/rr", "BM_RawContextSwitch"},
      {"BM_FiberSwitch/random", "BM_RawContextSwitch"},
      {"BM_FiberSpawnJoin", "BM_RawContextCreate"},
  }, isatty(STDOUT_FILENO) != 0);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
