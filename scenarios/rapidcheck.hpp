#pragma once
// rapidcheck generators of what decides one run over a scenario, for your own properties:
//
//   const Scenario sc = load_scenario("crash-mid-upgrade.toml");
//   const int ops = server_file_ops(sc, "mine");
//   rc::check([&] {
//     const RunSettings s = *scenarios::gen::run_settings(sc, "mine", ops);
//     const RunVerdict v = scenarios::check_run(sc, s);
//     if (!v.ok()) RC_FAIL(v.describe());
//   });
//
// Every value shrinks toward the scenario's own run: no fault override, the scenario's
// strategy and load, seed 0. Header only: link rapidcheck yourself.
#include <rapidcheck.h>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "scenarios/run_settings.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios {

// How rapidcheck prints a counterexample: the fields that differ from a default run.
inline void showValue(const RunSettings& s, std::ostream& os) {
  const char* strategies[] = {"random", "pct", "rr"};
  const char* outcomes[] = {"drawn", "keep-nothing", "keep-everything", "enumerated", "sampled", "process-kill"};
  os << "policy " << s.policy << ", seed " << s.seed << ", strategy " << strategies[static_cast<int>(s.strategy)];
  if (s.sessions) os << ", sessions " << *s.sessions;
  if (s.crash) os << ", crash " << *s.crash;
  if (s.crash_at_op)
    os << ", crash at op " << *s.crash_at_op << " (" << outcomes[static_cast<int>(s.crash_outcome)] << ", state " << s.crash_state << ")";
  if (s.recovery_crash_at_op) os << ", recovery crash at op " << *s.recovery_crash_at_op;
}

}  // namespace scenarios

namespace scenarios::gen {

// A fault plan: the scenario's own faults, none at all, or a crash at one of the server's
// file operations (1..file_ops+1; see server_file_ops) in a chosen crash state (the model's
// draw, nothing or everything unsynced kept, a sampled state, or a process kill that keeps
// the page cache), optionally followed by a second crash during recovery. Only the fault
// fields of the result are set.
inline rc::Gen<RunSettings> faults(int file_ops) {
  using Outcome = sim::SimFs::CrashOutcome;
  const int last = file_ops < 0 ? 1 : file_ops + 1;  // one past the last: the upgrade settled first
  return rc::gen::oneOf(
      rc::gen::just(RunSettings{}),
      rc::gen::exec([] {
        RunSettings s;
        s.crash = "none";
        return s;
      }),
      rc::gen::exec([last] {
        RunSettings s;
        s.crash_at_op = *rc::gen::inRange(1, last + 1);
        s.crash_outcome = *rc::gen::element(Outcome::Drawn, Outcome::KeepNothing, Outcome::KeepEverything, Outcome::ProcessKill,
                                            Outcome::Sampled);
        if (s.crash_outcome == Outcome::Sampled) s.crash_state = *rc::gen::arbitrary<std::uint64_t>();
        if (*rc::gen::arbitrary<bool>()) s.recovery_crash_at_op = *rc::gen::inRange(1, 20);
        return s;
      }));
}

// Everything RunSettings varies for `policy` on `scenario`: the seed, the scheduling strategy,
// the number of client sessions (1 up to the scenario's), and faults(file_ops).
inline rc::Gen<RunSettings> run_settings(const Scenario& scenario, const std::string& policy, int file_ops) {
  const int sessions = scenario.sessions;
  const sim::Strategy own = scenario.strategy;
  const std::string hash = scenario.checksum;
  return rc::gen::exec([=] {
    RunSettings s = *faults(file_ops);
    s.scenario_hash = hash;
    s.policy = policy;
    s.seed = *rc::gen::arbitrary<std::uint64_t>();
    s.strategy = *rc::gen::element(own, sim::Strategy::RandomWalk, sim::Strategy::Pct, sim::Strategy::RoundRobin);
    if (sessions > 1 && *rc::gen::arbitrary<bool>()) s.sessions = *rc::gen::inRange(1, sessions + 1);
    return s;
  });
}

}  // namespace scenarios::gen
