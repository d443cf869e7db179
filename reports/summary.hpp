#pragma once
// Human-readable results: the scenario × policy × oracle table for terminals and CI logs
// (plain text and Markdown), with pause percentiles and image sizes.
#include <string>

#include "scenarios/suite.hpp"

namespace reports {

struct Percentiles {
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
};
Percentiles percentiles(const scenarios::LatencyHistogram& pauses);
// Every request's pause, and those of the requests that overlapped the upgrade.
inline Percentiles pause_percentiles(const scenarios::Cell& cell) { return percentiles(cell.pauses); }
inline Percentiles upgrade_pause_percentiles(const scenarios::Cell& cell) { return percentiles(cell.upgrade_pauses); }

std::string text_table(const scenarios::SuiteResult& result);
std::string markdown(const scenarios::SuiteResult& result);

}  // namespace reports
