#include "scenarios/shrink.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace scenarios {

namespace {

struct Candidate {
  int sessions;
  std::string crash;
  std::vector<std::uint64_t> choices;
};

}  // namespace

Repro shrink(const Repro& input, int max_attempts, ShrinkStats& stats, const std::function<void(const std::string&)>& log) {
  const Scenario scenario = load_scenario(input.scenario_path);
  auto runs = [&](const Candidate& c) -> std::optional<RunReport> {
    ++stats.attempts;
    Repro r = input;
    r.sessions = c.sessions;
    r.crash = c.crash;
    r.choices = c.choices;
    RunReport report = run_scenario(scenario, input.policy, r.settings(false));
    if (!report.fired(input.oracle)) return std::nullopt;
    return report;
  };

  Candidate best{input.sessions.value_or(scenario.sessions), input.crash.value_or(scenario.crash), input.choices};
  stats.sessions_before = best.sessions;
  stats.choices_before = best.choices.size();
  // A replayed list that runs out answers 0, so trailing zeros say nothing: drop them.
  auto trim = [](std::vector<std::uint64_t>& v) {
    while (!v.empty() && v.back() == 0) v.pop_back();
  };
  trim(best.choices);
  if (!runs(best)) throw std::runtime_error(fmt::format("the repro does not show {} to begin with", input.oracle));
  auto accept = [&](Candidate c, const std::string& what) {
    if (stats.attempts >= max_attempts) return false;
    trim(c.choices);
    if (!runs(c)) return false;
    best = std::move(c);
    ++stats.accepted;
    if (log) log(fmt::format("  kept: {} (sessions {}, {} choices)", what, best.sessions, best.choices.size()));
    return true;
  };

  // 1. Fewer sessions: the smallest count that still fails, trying from 1 upwards.
  for (int s = 1; s < best.sessions && stats.attempts < max_attempts; s = s < 4 ? s + 1 : s * 2) {
    Candidate c = best;
    c.sessions = s;
    if (accept(c, fmt::format("{} sessions", s))) break;
  }
  // 2. No crash, if the failure does not need it.
  if (best.crash != "none") {
    Candidate c = best;
    c.crash = "none";
    accept(c, "no crash");
  }
  // 3. Choices: delete runs of decreasing length, then lower values.
  for (std::size_t chunk = best.choices.size() / 2; chunk >= 1 && stats.attempts < max_attempts; chunk /= 2) {
    for (std::size_t at = 0; at + chunk <= best.choices.size() && stats.attempts < max_attempts;) {
      Candidate c = best;
      c.choices.erase(c.choices.begin() + static_cast<std::ptrdiff_t>(at), c.choices.begin() + static_cast<std::ptrdiff_t>(at + chunk));
      if (!accept(c, fmt::format("deleted {} choices at {}", chunk, at))) at += chunk;
    }
  }
  for (std::size_t i = 0; i < best.choices.size() && stats.attempts < max_attempts; ++i) {
    if (best.choices[i] == 0) continue;
    Candidate c = best;
    c.choices[i] = 0;
    if (!accept(c, fmt::format("choice {} set to 0", i)) && best.choices[i] > 1) {
      c.choices[i] = best.choices[i] / 2;
      accept(c, fmt::format("choice {} halved", i));
    }
  }

  // The minimal case: its list as fed (never longer than the input's) and its own trace hash.
  Repro out = input;
  out.sessions = best.sessions;
  out.crash = best.crash;
  out.choices = best.choices;
  const RunReport final_run = run_scenario(scenario, input.policy, out.settings(false));
  Repro minimal = make_repro(scenario, final_run, input.oracle, out.settings(false));
  minimal.choices = best.choices;
  stats.sessions_after = best.sessions;
  stats.choices_after = minimal.choices.size();
  return minimal;
}

}  // namespace scenarios
