// Every fault, crash state and staging hazard of the crash model (docs/crash-model.md)
// counts only because something trips it: a purpose-built broken policy is caught with the
// fault on, `safe` is not, and (where a gentler setting exists) the same broken policy
// passes with the fault off, so it is this fault that catches it.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cctype>
#include <functional>
#include <ostream>
#include <set>

#include "scenarios/crash_points.hpp"
#include "scenarios/engine.hpp"
#include "scenarios/flawed_policies.hpp"

namespace scenarios {
namespace {

using testing_support::Flaw;
using testing_support::flaw_name;

enum class Mode { Seeds, CrashPoints, RecoveryCrash };

struct FaultTrip {
  std::string fault;
  Flaw flaw;
  std::string scenario;  // file in scenarios/default
  Mode mode;
  std::set<std::string> oracles;                // the flaw trips at least one of these
  std::function<void(Scenario&)> fault_on;      // nullptr: the scenario as it is
  std::function<void(Scenario&)> fault_off;     // nullptr: no gentler setting to compare
  std::uint64_t max_states = 8;
  std::uint64_t max_states_off = 8;
};

// What ctest prints for a parameter (instead of its bytes).
void PrintTo(const FaultTrip& t, std::ostream* os) { *os << t.fault << " against " << flaw_name(t.flaw) << " on " << t.scenario; }

std::vector<FaultTrip> trips() {
  const std::set<std::string> restart{"lost-upgrade", "restart-fidelity", "cannot-boot"};
  return {
      {"per-directory-durability", Flaw::SkipsSnapshotDirFsync, "crash-before-save", Mode::CrashPoints, restart, nullptr,
       nullptr},
      // The flaw loses the upgrade only where a random power cut follows a retried fsync
      // before the next save: more seeds than the scenario's own 16 find one.
      {"fsyncgate", Flaw::RetriesFailedFsync, "flaky-disk", Mode::Seeds, restart, [](Scenario& s) { s.seeds = 64; },
       [](Scenario& s) { s.fsync_error_ppm = 0; }},
      {"media-fault", Flaw::KeepsOneSnapshotCopy, "rotten-image", Mode::Seeds, {"cannot-boot"}, nullptr,
       [](Scenario& s) { s.media = "none"; }},
      {"power-cuts-while-retrying", Flaw::CountsTriesInMemory, "power-cuts-while-retrying", Mode::Seeds,
       {"bounded-retry", "liveness"}, nullptr, [](Scenario& s) { s.crash = "none"; }},
      {"crash-during-recovery", Flaw::ResavesImageAtBoot, "crash-before-save", Mode::RecoveryCrash, {"cannot-boot"}, nullptr,
       nullptr},
      {"crash-states", Flaw::UnstagesFilesBeforeManifest, "crash-before-save", Mode::CrashPoints,
       {"clean-completion", "refused-good-batch", "bounded-retry", "liveness", "eventual-upgrade"}, nullptr, nullptr},
      // Killed mid-write with the power kept, nothing un-synced is lost: only the torn write
      // in flight leaves an image that is neither the old nor the new one.
      {"torn-write-in-flight", Flaw::OverwritesSnapshotInPlace, "crash-before-save", Mode::CrashPoints, {"cannot-boot"},
       [](Scenario& s) { s.kill = "process"; }, nullptr},
      {"disk-full", Flaw::UnstagesAfterFailedSave, "disk-full", Mode::Seeds, {"lost-upgrade"}, nullptr,
       [](Scenario& s) { s.disk_full = Millis{0}; }},
  };
}

// What fired per policy over the runs the mode makes.
std::map<std::string, std::set<std::string>> fired(Scenario sc, const std::string& flawed, Mode mode, std::uint64_t max_states,
                                                   std::string& example) {
  sc.policies = {flawed, "safe"};
  std::map<std::string, std::set<std::string>> out;
  auto note = [&](const std::string& policy, const Violation& v, const std::string& where) {
    out[policy].insert(v.oracle);
    if (policy == "safe" || example.empty()) example = fmt::format("{} {}: {} at {}: {}", policy, where, v.oracle, v.where, v.why);
  };
  if (mode == Mode::CrashPoints) {
    for (const CrashPointResult& r : enumerate_points(Sweep::CrashPoints, {sc}, {2, max_states}))
      for (const auto& [oracle, count] : r.fired) {
        out[r.policy].insert(oracle);
        if (r.policy == "safe" && !r.examples.empty()) example = r.examples.front();
      }
    return out;
  }
  for (const std::string& policy : sc.policies)
    for (std::uint64_t seed = 0; seed < static_cast<std::uint64_t>(mode == Mode::Seeds ? sc.seeds : 1); ++seed) {
      if (mode == Mode::Seeds) {
        RunSettings s;
        s.seed = seed;
        for (const Violation& v : run_scenario(sc, policy, s).violations) note(policy, v, fmt::format("seed {}", seed));
        continue;
      }
      // A power cut mid-upgrade, then a second one at each of the first operations of the
      // restarted process (its boot and first polls).
      for (int op = 1; op <= 12; ++op) {
        RunSettings s;
        s.seed = sc.first_seed;
        s.recovery_crash_at_op = op;
        for (const Violation& v : run_scenario(sc, policy, s).violations) note(policy, v, fmt::format("recovery crash {}", op));
      }
    }
  return out;
}

bool trips_any(const std::map<std::string, std::set<std::string>>& result, const std::string& policy,
               const std::set<std::string>& oracles) {
  if (!result.contains(policy)) return false;
  for (const std::string& o : oracles)
    if (result.at(policy).contains(o)) return true;
  return false;
}

class FaultTripTest : public ::testing::TestWithParam<FaultTrip> {
 protected:
  static void SetUpTestSuite() { testing_support::register_flawed_policies(); }
};

TEST_P(FaultTripTest, TheBrokenPolicyIsCaughtByTheFaultAndSafeIsNot) {
  const FaultTrip& t = GetParam();
  Scenario sc = load_scenario(std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/" + t.scenario + ".toml");
  if (t.fault_on) t.fault_on(sc);
  std::string example;
  const auto on = fired(sc, flaw_name(t.flaw), t.mode, t.max_states, example);
  EXPECT_TRUE(trips_any(on, flaw_name(t.flaw), t.oracles)) << flaw_name(t.flaw) << " must be caught by " << t.fault;
  EXPECT_FALSE(on.contains("safe")) << "safe under " << t.fault << ": " << example;
  if (!t.fault_off) return;
  Scenario gentle = sc;
  t.fault_off(gentle);
  std::string gentle_example;
  const auto off = fired(gentle, flaw_name(t.flaw), t.mode, t.max_states_off, gentle_example);
  EXPECT_FALSE(trips_any(off, flaw_name(t.flaw), t.oracles))
      << flaw_name(t.flaw) << " is caught even without " << t.fault << ": " << gentle_example;
}

INSTANTIATE_TEST_SUITE_P(EveryFault, FaultTripTest, ::testing::ValuesIn(trips()), [](const auto& info) {
  std::string name = info.param.fault;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
});

}  // namespace
}  // namespace scenarios
