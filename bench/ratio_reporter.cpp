#include "bench/ratio_reporter.hpp"

#include <fmt/ostream.h>

namespace bench {

void RatioReporter::ReportRuns(const std::vector<Run>& runs) {
  for (const Run& run : runs) {
    if (run.run_type != Run::RT_Iteration || run.iterations == 0) continue;
    ns_per_iteration_[run.benchmark_name()] =
        run.real_accumulated_time * 1e9 / static_cast<double>(run.iterations);
    if (run.counters.contains("p99_ratio")) latency_ratios_.emplace_back(run.benchmark_name(), run.counters);
  }
  ConsoleReporter::ReportRuns(runs);
}

void RatioReporter::Finalize() {
  ConsoleReporter::Finalize();
  bool header = false;
  for (const auto& [name, baseline] : pairs_) {
    auto a = ns_per_iteration_.find(name), b = ns_per_iteration_.find(baseline);
    if (a == ns_per_iteration_.end() || b == ns_per_iteration_.end() || b->second <= 0) continue;
    if (!header) {
      fmt::print(GetOutputStream(), "\nRatios to baselines measured in this run:\n");
      header = true;
    }
    fmt::print(GetOutputStream(), "  {:<44} {:>9.1f} ns  = {:>6.2f} x {} ({:.1f} ns)\n", name, a->second,
               a->second / b->second, baseline, b->second);
  }
  if (latency_ratios_.empty()) return;
  fmt::print(GetOutputStream(),
             "\nRequest latency in the upgrade window over the same window with no upgrade (same seeds, same load):\n");
  for (const auto& [name, c] : latency_ratios_)
    fmt::print(GetOutputStream(), "  {:<62} p50 {:>8.2f} x  p99 {:>8.2f} x  max {:>8.2f} x  max added {:>9.3f} ms (slice {} ms)\n",
               name, c.at("p50_ratio").value, c.at("p99_ratio").value, c.at("max_ratio").value,
               c.at("max_added_ms").value, c.at("slice_ms").value);
}

}  // namespace bench
