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
      {"BM_Pause_safe/packages:8/methods:1000/sessions:1000", "BM_PointerSwitch"},
      {"BM_Pause_safe/packages:64/methods:10000/sessions:1000", "BM_PointerSwitch"},
      {"BM_Pause_safe/packages:8/methods:1000/sessions:10000", "BM_PointerSwitch"},
      {"BM_Pause_seed/packages:8/methods:1000/sessions:1000", "BM_Pause_safe/packages:8/methods:1000/sessions:1000"},
      {"BM_Pause_priority/packages:8/methods:1000/sessions:1000", "BM_Pause_safe/packages:8/methods:1000/sessions:1000"},
      {"BM_Pause_priority/packages:64/methods:10000/sessions:1000", "BM_Pause_safe/packages:64/methods:10000/sessions:1000"},
  }, isatty(STDOUT_FILENO) != 0);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
