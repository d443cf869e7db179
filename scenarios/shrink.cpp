#include "scenarios/shrink.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <stdexcept>

#include "scenarios/swarm.hpp"

namespace scenarios {

namespace {

struct Candidate {
  int sessions;
  std::optional<std::string> crash;  // unset: the scenario's (with the swarm features on)
  std::optional<int> crash_at_op;
  std::vector<std::uint64_t> choices;
  std::vector<std::string> swarm;
};

// A replayed list that runs out answers 0, so trailing zeros say nothing: drop them.
void trim(std::vector<std::uint64_t>& v) {
  while (!v.empty() && v.back() == 0) v.pop_back();
}

}  // namespace

Repro shrink(const Repro& input, int max_attempts, ShrinkStats& stats, const std::function<void(const std::string&)>& log) {
  const Scenario scenario = load_recorded_scenario(input);
  auto settings_of = [&](const Candidate& c) {
    RunSettings s = input.settings;
    s.sessions = c.sessions;
    s.crash = c.crash;
    s.crash_at_op = c.crash_at_op;
    s.swarm = c.swarm;
    s.replay = c.choices;
    s.keep_trace = false;
    return s;
  };
  auto runs = [&](const Candidate& c) {
    ++stats.attempts;
    return run_scenario(scenario, input.settings.policy, settings_of(c)).fired(input.oracle);
  };

  // Start from what the input's run consumed (its recording, or what its seed draws).
  RunSettings first = input.settings;
  first.keep_trace = false;
  ++stats.attempts;
  const RunReport original = run_scenario(scenario, input.settings.policy, first);
  if (!original.fired(input.oracle)) throw std::runtime_error(fmt::format("the repro does not show {} to begin with", input.oracle));
  Candidate best{input.settings.sessions.value_or(scenario.sessions), input.settings.crash, input.settings.crash_at_op,
                 original.run.choices, input.settings.swarm};
  trim(best.choices);
  stats.sessions_before = best.sessions;
  stats.choices_before = best.choices.size();
  stats.swarm_before = static_cast<int>(best.swarm.size());
  auto accept = [&](Candidate c, const std::string& what) {
    if (stats.attempts >= max_attempts) return false;
    trim(c.choices);
    if (!runs(c)) return false;
    best = std::move(c);
    ++stats.accepted;
    if (log) log(fmt::format("  kept: {} (sessions {}, {} choices)", what, best.sessions, best.choices.size()));
    return true;
  };

  // 0. Fewer swarm features, one dropped at a time (with any that no longer apply without it:
  //    a media fault without its power cut).
  for (std::size_t i = best.swarm.size(); i-- > 0 && stats.attempts < max_attempts;) {
    if (i >= best.swarm.size()) continue;
    Candidate c = best;
    const std::string dropped = c.swarm[i];
    c.swarm.erase(c.swarm.begin() + static_cast<std::ptrdiff_t>(i));
    c.swarm = applicable_features(scenario, c.swarm);
    accept(c, fmt::format("swarm without {}", dropped));
  }
  // 1. Fewer sessions: the smallest count that still fails, trying from 1 upwards.
  for (int s = 1; s < best.sessions && stats.attempts < max_attempts; s = s < 4 ? s + 1 : s * 2) {
    Candidate c = best;
    c.sessions = s;
    if (accept(c, fmt::format("{} sessions", s))) break;
  }
  // 2. No crash, if the failure does not need it.
  if (best.crash.value_or(apply_swarm(scenario, best.swarm).crash) != "none" || best.crash_at_op) {
    Candidate c = best;
    c.crash = "none";
    c.crash_at_op.reset();
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

  // The minimal case as a recording: the choices its run consumed (the kept list, then the
  // zeros it was answered past its end), so replaying it consumes exactly that list.
  const RunSettings settings = settings_of(best);
  const RunReport final_run = run_scenario(scenario, input.settings.policy, settings);
  Repro minimal = make_repro(scenario, final_run, input.oracle, settings);
  stats.sessions_after = best.sessions;
  stats.choices_after = best.choices.size();
  stats.swarm_after = static_cast<int>(best.swarm.size());
  return minimal;
}

}  // namespace scenarios
