#include "scenarios/shrink.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <stdexcept>

#include "scenarios/swarm.hpp"

namespace scenarios {

namespace {

struct Candidate {
  int images;
  int sessions;
  std::optional<std::string> crash;  // unset: the scenario's (with the swarm features on)
  std::optional<int> crash_at_op;
  std::vector<std::uint64_t> choices;
  std::vector<std::string> swarm;
  // Draw from the seed instead of replaying `choices`; once kept, its run's recording
  // becomes `choices`.
  bool from_seed = false;
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
    // The scenario's own count stays implicit, so a shrink that keeps every image writes the
    // repro as before clusters.
    if (c.images != scenario.images) s.images = c.images;
    s.sessions = c.sessions;
    s.crash = c.crash;
    s.crash_at_op = c.crash_at_op;
    s.swarm = c.swarm;
    s.replay = c.from_seed ? std::nullopt : std::optional(c.choices);
    s.keep_trace = false;
    return s;
  };

  // Start from what the input's run consumed (its recording, or what its seed draws).
  RunSettings first = input.settings;
  first.keep_trace = false;
  ++stats.attempts;
  const RunReport original = run_scenario(scenario, input.settings.policy, first);
  if (!original.fired(input.oracle)) throw std::runtime_error(fmt::format("the repro does not show {} to begin with", input.oracle));
  Candidate best{input.settings.images.value_or(scenario.images), input.settings.sessions.value_or(scenario.sessions),
                 input.settings.crash, input.settings.crash_at_op, original.run.choices, input.settings.swarm};
  trim(best.choices);
  stats.images_before = best.images;
  stats.sessions_before = best.sessions;
  stats.choices_before = best.choices.size();
  stats.swarm_before = static_cast<int>(best.swarm.size());
  auto accept = [&](Candidate c, const std::string& what) {
    if (stats.attempts >= max_attempts) return false;
    trim(c.choices);
    ++stats.attempts;
    RunReport run = run_scenario(scenario, input.settings.policy, settings_of(c));
    if (!run.fired(input.oracle)) return false;
    if (c.from_seed) {  // kept only if its recording is no longer: a shrink never grows the list
      trim(run.run.choices);
      if (run.run.choices.size() > best.choices.size()) return false;
      c.choices = std::move(run.run.choices);
      c.from_seed = false;
    }
    best = std::move(c);
    ++stats.accepted;
    if (log)
      log(fmt::format("  kept: {} ({}sessions {}, {} choices)", what, best.images > 1 ? fmt::format("images {}, ", best.images) : "",
                      best.sessions, best.choices.size()));
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
  // Fewer images or sessions change how many fibers share the choice stream, so the kept
  // choices then steer another schedule; a failure that needs a moment of luck (a crash at a
  // random time, a session failing over) is tried again with the seed's own draws, a run as
  // legitimate as the first.
  auto accept_either = [&](Candidate c, const std::string& what) {
    if (accept(c, what)) return true;
    c.from_seed = true;
    return accept(c, what + ", drawn from the seed");
  };
  // 1. Fewer images: the smallest cluster that still fails, the first images kept, trying from
  //    1 upwards (an oracle of the cluster, converged or version-skew, needs 2; one of a single
  //    image's may not need the others). Before sessions: each image opens every session.
  for (int n = 1; n < best.images && stats.attempts < max_attempts; ++n) {
    Candidate c = best;
    c.images = n;
    if (accept_either(c, fmt::format("{} image{}", n, n == 1 ? "" : "s"))) break;
  }
  // 2. Fewer sessions: the smallest count that still fails, trying from 1 upwards.
  for (int s = 1; s < best.sessions && stats.attempts < max_attempts; s = s < 4 ? s + 1 : s * 2) {
    Candidate c = best;
    c.sessions = s;
    if (accept_either(c, fmt::format("{} sessions", s))) break;
  }
  // 3. No crash, if the failure does not need it.
  if (best.crash.value_or(apply_swarm(scenario, best.swarm).crash) != "none" || best.crash_at_op) {
    Candidate c = best;
    c.crash = "none";
    c.crash_at_op.reset();
    accept(c, "no crash");
  }
  // 4. Choices: delete runs of decreasing length, then lower values.
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
  stats.images_after = best.images;
  stats.sessions_after = best.sessions;
  stats.choices_after = best.choices.size();
  stats.swarm_after = static_cast<int>(best.swarm.size());
  return minimal;
}

}  // namespace scenarios
