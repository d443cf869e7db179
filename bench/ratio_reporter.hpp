#pragma once
// Prints, after the usual console table, each figure beside the baseline measured in the
// same run (e.g. a scheduled fiber switch against a raw boost::context switch), and the
// latency ratios of every benchmark that measured its own baseline (counters p50_ratio,
// p99_ratio, max_ratio, max_added_ms, slice_ms: the pause benchmarks).
#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace bench {

// (benchmark name, baseline name): names as Google Benchmark prints them.
using RatioPairs = std::vector<std::pair<std::string, std::string>>;

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  RatioReporter(RatioPairs pairs, bool color)
      : benchmark::ConsoleReporter(color ? OO_ColorTabular : OO_Tabular), pairs_(std::move(pairs)) {}
  void ReportRuns(const std::vector<Run>& runs) override;
  void Finalize() override;

 private:
  RatioPairs pairs_;
  std::map<std::string, double> ns_per_iteration_;
  std::vector<std::pair<std::string, benchmark::UserCounters>> latency_ratios_;  // in run order
};

}  // namespace bench
