#pragma once
// Progress of a sweep on stderr. This is reporting, not simulation: it reads the wall clock
// (the caller's steady_clock), never anything a run decides.
#include <cstdint>
#include <optional>
#include <string>

namespace cli {

// A duration for people: "45s", "3m07s", "2h05m" ("?" if negative or not finite).
std::string human_duration(double seconds);

// One line of progress, pure: "1200/5000 runs (24%), 40.0 runs/s, ETA 1m35s" — or, when all
// are done, "5000/5000 runs (100%), 40.0 runs/s, took 2m05s". Before any run has finished the
// rate and ETA are "?". With `bar`, the line starts with a 40-column bar.
std::string progress_line(std::uint64_t done, std::uint64_t total, double elapsed_seconds, bool bar = false);

// When to print: on a terminal every update (the bar is redrawn in place), otherwise the
// first update after each `interval_seconds` of wall clock, and always the last one.
class ProgressThrottle {
 public:
  explicit ProgressThrottle(bool terminal, double interval_seconds = 5) : terminal_(terminal), interval_(interval_seconds) {}
  // The line to print for this update, if one is due.
  std::optional<std::string> update(std::uint64_t done, std::uint64_t total, double elapsed_seconds);

 private:
  bool terminal_;
  double interval_;
  double last_printed_ = 0;
};

}  // namespace cli
