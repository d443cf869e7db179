// hotsim_bench: Google Benchmark with a reporter that adds ratios to in-run baselines (and
// prints the pause benchmarks' latency ratios, whose baselines run inside them).
// JSON: --benchmark_out=FILE --benchmark_out_format=json (scripts/bench.sh does this).
#include <benchmark/benchmark.h>
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
      // "Is 5s not too often?": an idle hour with the loader polling, against one without it.
      {"BM_IdleHourPolling/seed/poll_ms:1000", "BM_IdleHourNoLoader"},
      {"BM_IdleHourPolling/seed/poll_ms:5000", "BM_IdleHourNoLoader"},
      {"BM_IdleHourPolling/seed/poll_ms:60000", "BM_IdleHourNoLoader"},
      {"BM_IdleHourPolling/safe/poll_ms:1000", "BM_IdleHourNoLoader"},
      {"BM_IdleHourPolling/safe/poll_ms:5000", "BM_IdleHourNoLoader"},
      {"BM_IdleHourPolling/safe/poll_ms:60000", "BM_IdleHourNoLoader"},
  };
  bench::RatioReporter reporter(std::move(pairs), isatty(STDOUT_FILENO) != 0);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
