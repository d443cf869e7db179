#include "reports/summary.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "scenarios/scenario.hpp"

namespace reports {

Percentiles percentiles(const scenarios::LatencyHistogram& pauses) {
  auto ms = [](sim::Duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
  return {ms(pauses.percentile(0.50)), ms(pauses.percentile(0.99)), ms(pauses.max())};
}

Speed speed(const scenarios::SuiteResult& result) {
  Speed sp;
  sp.runs = result.runs;
  sp.seconds = result.seconds;
  for (const auto& [scenario, seeds] : seeds_per_scenario(result)) sp.seeds += seeds;
  return sp;
}

std::string Speed::describe() const {
  return fmt::format("{} runs ({} seeds) in {:.1f} s: {:.1f} runs/s, {:.1f} seeds/s", runs, seeds, seconds, runs_per_second(),
                     seeds_per_second());
}

std::map<std::string, std::uint64_t> seeds_per_scenario(const scenarios::SuiteResult& result) {
  std::map<std::string, std::uint64_t> seeds;
  for (const auto& c : result.cells) {
    auto& n = seeds[c.scenario];
    n = std::max(n, static_cast<std::uint64_t>(c.seeds_run));
  }
  return seeds;
}

namespace {

// Every mark a table can print for one oracle of one cell; the count of seeds where it fired
// follows a counted mark. mark() and marks_legend() both read this one list.
enum class Mark { Expected, Allowed, Unexpected, Reported, Missing, NotInShard, Quiet };
struct MarkInfo {
  Mark mark;
  const char* symbol;
  bool counted;
  const char* meaning;
};
constexpr MarkInfo kMarks[] = {
    {Mark::Expected, "x", true, "expected, fired in N seeds"},
    {Mark::Allowed, "~", true, "allowed, fired in N seeds"},
    {Mark::Unexpected, "!", true, "fired in N seeds, not expected"},
    {Mark::Reported, "s", true, "--swarm: fired in N seeds, reported (the policy declares hazards of its own)"},
    {Mark::Missing, "?", false, "expected, never fired"},
    {Mark::NotInShard, "-", false, "expected, not fired in this shard (judged on the whole sweep)"},
    {Mark::Quiet, ".", false, "quiet"},
};

Mark classify(const scenarios::Cell& cell, const std::string& oracle, bool sharded) {
  const bool expected = cell.expected.contains(oracle);
  if (cell.fired.contains(oracle))
    return expected                           ? Mark::Expected
           : cell.allowed.contains(oracle)    ? Mark::Allowed
           : cell.fails_on(oracle)            ? Mark::Unexpected
                                              : Mark::Reported;
  if (expected && !cell.swarm) return sharded ? Mark::NotInShard : Mark::Missing;  // swarm: not judged
  return Mark::Quiet;
}

}  // namespace

std::string mark(const scenarios::Cell& cell, const std::string& oracle, bool sharded) {
  const Mark kind = classify(cell, oracle, sharded);
  const MarkInfo& m = *std::find_if(std::begin(kMarks), std::end(kMarks), [&](const MarkInfo& i) { return i.mark == kind; });
  return m.counted ? fmt::format("{}{}", m.symbol, cell.fired.at(oracle)) : m.symbol;
}

std::string marks_legend(bool markdown) {
  std::string out = markdown ? "Marks:" : "marks:";
  for (const auto& m : kMarks) {
    const std::string symbol = fmt::format("{}{}", m.symbol, m.counted ? "N" : "");
    out += fmt::format("{} {} {}", &m == kMarks ? "" : ";", markdown ? "`" + symbol + "`" : symbol, m.meaning);
  }
  return out + (markdown ? "." : "");
}

namespace {

std::string abbreviation(const std::string& oracle) {
  for (const auto& o : scenarios::oracle_table())
    if (o.name == oracle) return o.abbreviation;
  return oracle;
}

}  // namespace

std::vector<SwarmLine> swarm_lines(const scenarios::SuiteResult& result) {
  std::vector<SwarmLine> out;
  for (const auto& c : result.cells) {
    if (!c.swarm) continue;
    if (out.empty() || out.back().scenario != c.scenario) out.push_back({c.scenario, c.seeds_run, c.swarm_subsets.size(), {}});
    for (const auto& [oracle, n] : c.fired)
      out.back().fired.push_back({c.policy, oracle, n, c.seeds_run, scenarios::swarm_features_when_fired(c, oracle), c.fails_on(oracle)});
  }
  return out;
}

namespace {

std::string swarm_text(const scenarios::SuiteResult& result, bool markdown) {
  const auto lines = swarm_lines(result);
  if (lines.empty()) return "";
  std::string out = markdown ? "\n\n### Swarm\n\nEach seed ran with its own subset of hazards and faults (`--swarm`); a policy that "
                               "declares no hazard fails on anything, the others' findings are reported.\n"
                             : "swarm: each seed ran with its own subset of hazards and faults\n";
  for (const auto& l : lines) {
    out += markdown ? fmt::format("\n- **{}**: {} distinct subsets in {} seeds\n", l.scenario, l.subsets, l.seeds)
                    : fmt::format("  {}: {} distinct subsets in {} seeds\n", l.scenario, l.subsets, l.seeds);
    for (const auto& f : l.fired)
      out += fmt::format("{}{} / {} fired in {} of {} seeds{}; features on in those seeds: {}\n", markdown ? "  - " : "    ",
                         f.policy, f.oracle, f.seeds, f.of,
                         f.fails ? (markdown ? " (**FAIL**)" : " (FAIL)") : "", f.features);
  }
  return out;
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
  out += swarm_text(result, false);
  out += marks_legend(false) + "\n";
  out += fmt::format("{}{}\n", speed(result).describe(),
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
  out += swarm_text(result, true);
  out += fmt::format("\n\n{}. {}\n", speed(result).describe(), marks_legend(true));
  return out;
}

}  // namespace reports
