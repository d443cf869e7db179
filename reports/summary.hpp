#pragma once
// Human-readable results: the scenario × policy × oracle table for terminals and CI logs
// (plain text and Markdown), with pause percentiles and image sizes.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "scenarios/suite.hpp"

namespace reports {

struct Percentiles {
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
};
Percentiles percentiles(const scenarios::LatencyHistogram& pauses);
// Every request's pause, and those of the requests that overlapped the upgrade.
inline Percentiles pause_percentiles(const scenarios::Cell& cell) { return percentiles(cell.pauses); }
inline Percentiles upgrade_pause_percentiles(const scenarios::Cell& cell) { return percentiles(cell.upgrade_pauses); }

// How fast a suite ran. A run is one scenario × policy × seed; a seed is one seed of one
// scenario, however many policies ran it (with 3 policies, runs/s = 3 × seeds/s).
struct Speed {
  std::uint64_t runs = 0, seeds = 0;
  double seconds = 0;
  double runs_per_second() const { return seconds > 0 ? static_cast<double>(runs) / seconds : 0.0; }
  double seeds_per_second() const { return seconds > 0 ? static_cast<double>(seeds) / seconds : 0.0; }
  std::string describe() const;  // "90 runs (30 seeds) in 2.0 s: 45.0 runs/s, 15.0 seeds/s"
};
Speed speed(const scenarios::SuiteResult& result);
// Distinct seeds run per scenario (its policies all run the same seeds).
std::map<std::string, std::uint64_t> seeds_per_scenario(const scenarios::SuiteResult& result);

// The marks the tables print for a scenario × policy × oracle, and their legend, for the
// text table (markdown = false) or the Markdown summary.
std::string mark(const scenarios::Cell& cell, const std::string& oracle, bool sharded);
std::string marks_legend(bool markdown);

// --swarm, per scenario: the seeds, how many distinct feature subsets they ran, and for each
// policy and oracle that fired the features on in the seeds where it did.
struct SwarmLine {
  std::string scenario;
  int seeds = 0;
  std::size_t subsets = 0;
  struct Fired {
    std::string policy, oracle;
    int seeds = 0, of = 0;
    std::string features;  // scenarios::swarm_features_when_fired
    bool fails = false;
  };
  std::vector<Fired> fired;
};
std::vector<SwarmLine> swarm_lines(const scenarios::SuiteResult& result);

std::string text_table(const scenarios::SuiteResult& result);
std::string markdown(const scenarios::SuiteResult& result);

}  // namespace reports
