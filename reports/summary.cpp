#include "reports/summary.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "scenarios/scenario.hpp"

namespace reports {

Percentiles percentiles(const scenarios::LatencyHistogram& pauses) {
  auto ms = [](sim::Duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
  return {ms(pauses.percentile(0.50)), ms(pauses.percentile(0.99)), ms(pauses.max())};
}

namespace {

// One mark per oracle: "x" fired as expected, "~" fired and allowed, "!" fired unexpectedly,
// "?" expected but missing, "." quiet as expected. The count of seeds where it fired follows a fired mark.
std::string mark(const scenarios::Cell& cell, const std::string& oracle, bool sharded) {
  const bool expected = cell.expected.contains(oracle);
  auto it = cell.fired.find(oracle);
  if (it != cell.fired.end())
    return fmt::format("{}{}", expected ? "x" : cell.allowed.contains(oracle) ? "~" : "!", it->second);
  if (expected) return sharded ? "-" : "?";
  return ".";
}

std::string abbreviation(const std::string& oracle) {
  for (const auto& o : scenarios::oracle_table())
    if (o.name == oracle) return o.abbreviation;
  return oracle;
}

}  // namespace

std::string text_table(const scenarios::SuiteResult& result) {
  std::string out = fmt::format("{:<20} {:<9} {:>5}", "scenario", "policy", "seeds");
  for (const auto& o : scenarios::oracle_names()) out += fmt::format(" {:>6}", abbreviation(o));
  out += fmt::format(" {:>9} {:>9} {:>9} {:>9} {:>10}  verdict\n", "p50 ms", "p99 ms", "max ms", "upg p99", "image B");
  for (const auto& c : result.cells) {
    out += fmt::format("{:<20} {:<9} {:>5}", c.scenario, c.policy, c.seeds_run);
    for (const auto& o : scenarios::oracle_names()) out += fmt::format(" {:>6}", mark(c, o, result.sharded));
    const Percentiles p = pause_percentiles(c), u = upgrade_pause_percentiles(c);
    out += fmt::format(" {:>9.1f} {:>9.1f} {:>9.1f} {:>9.1f} {:>10}  {}\n", p.p50_ms, p.p99_ms, p.max_ms, u.p99_ms, c.largest_image,
                       c.ok() ? "ok" : "FAIL");
    for (const auto& problem : c.problems) out += fmt::format("    FAIL: {}\n", problem);
  }
  out += "marks: xN expected, fired in N seeds; ~N allowed, fired; !N fired, not expected; ? expected, never fired; . quiet\n";
  out += fmt::format("{} runs in {:.1f} s ({:.1f} seeds/s){}\n", result.runs, result.seconds,
                     result.seconds > 0 ? static_cast<double>(result.runs) / result.seconds : 0.0,
                     result.sharded ? "; sharded: expected hazards are judged on the whole sweep only" : "");
  return out;
}

std::string markdown(const scenarios::SuiteResult& result) {
  std::string out = "| scenario | policy | seeds |";
  for (const auto& o : scenarios::oracle_names()) out += fmt::format(" {} |", o);
  out += " pause p50 / p99 / max (ms) | verdict |\n|---|---|---|";
  for (std::size_t i = 0; i < scenarios::oracle_names().size(); ++i) out += "---|";
  out += "---|---|\n";
  for (const auto& c : result.cells) {
    out += fmt::format("| {} | {} | {} |", c.scenario, c.policy, c.seeds_run);
    for (const auto& o : scenarios::oracle_names()) out += fmt::format(" {} |", mark(c, o, result.sharded));
    const Percentiles p = pause_percentiles(c);
    out += fmt::format(" {:.1f} / {:.1f} / {:.1f} | {} |\n", p.p50_ms, p.p99_ms, p.max_ms, c.ok() ? "ok" : "**FAIL**");
  }
  for (const auto& c : result.cells)
    for (const auto& problem : c.problems) out += fmt::format("\n- **{} / {}**: {}", c.scenario, c.policy, problem);
  out += fmt::format("\n\n{} runs in {:.1f} s. Marks: `xN` expected and fired in N seeds, `~N` allowed and fired, `!N` unexpected, `?` expected but never fired, `.` quiet.\n",
                     result.runs, result.seconds);
  return out;
}

}  // namespace reports
