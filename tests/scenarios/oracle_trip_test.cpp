// Every oracle counts only because something trips it: for each one, a broken policy
// (a shipped one where the post's procedure is the bug, else a purpose-built flawed one)
// makes it fire on a default-suite scenario, and `safe` on the same runs does not.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cctype>
#include <set>

#include "scenarios/crash_points.hpp"
#include "scenarios/engine.hpp"
#include "scenarios/flawed_policies.hpp"

namespace scenarios {
namespace {

using testing_support::Flaw;
using testing_support::flaw_name;

enum class Mode { Seeds, CrashPoints };

struct Trip {
  std::string policy;
  std::string scenario;  // file in scenarios/default
  Mode mode;
  std::string oracle;
};

std::vector<Trip> trips() {
  return {
      {"seed", "half-loaded", Mode::Seeds, "torn-request"},
      {"seed", "load-order", Mode::Seeds, "dnu-by-upgrade"},
      {"seed", "broken-package", Mode::Seeds, "liveness"},
      {"seed", "save-under-load", Mode::Seeds, "image-growth"},
      {"seed", "crash-before-save", Mode::Seeds, "lost-upgrade"},
      {flaw_name(Flaw::ExpiresLiveSessions), "half-loaded", Mode::Seeds, "lost-session"},
      {flaw_name(Flaw::HoldsRequestsForItsBuild), "half-loaded", Mode::Seeds, "pause-budget"},
      // safe before issue 13: a build at request priority yielding only between packages.
      {flaw_name(Flaw::BuildsAtRequestPriority), "large-release", Mode::Seeds, "pause-budget"},
      {flaw_name(Flaw::InstallsAllButLast), "half-loaded", Mode::Seeds, "eventual-upgrade"},
      {flaw_name(Flaw::RefusesGoodBatch), "half-loaded", Mode::Seeds, "refused-good-batch"},
      {flaw_name(Flaw::QuarantinesOneTryEarly), "broken-package", Mode::Seeds, "bounded-retry"},
      {flaw_name(Flaw::QuarantinesOneTryLate), "broken-package", Mode::Seeds, "bounded-retry"},
      {flaw_name(Flaw::LeavesTrigger), "half-loaded", Mode::Seeds, "clean-completion"},
      {flaw_name(Flaw::SavesTwice), "half-loaded", Mode::Seeds, "clean-completion"},
      {flaw_name(Flaw::InstallsTornMethod), "half-loaded", Mode::Seeds, "torn-package"},
      {flaw_name(Flaw::UnstagesBeforeSave), "crash-before-save", Mode::CrashPoints, "lost-upgrade"},
      {flaw_name(Flaw::UnlinksSnapshotFirst), "crash-before-save", Mode::CrashPoints, "restart-fidelity"},
      {flaw_name(Flaw::TruncatesSnapshotInPlace), "crash-before-save", Mode::CrashPoints, "cannot-boot"},
  };
}

// What fired in each policy's runs: (policy -> oracles), plus one example line per oracle.
std::map<std::string, std::set<std::string>> fired(const Trip& t, std::string& example) {
  Scenario sc = load_scenario(std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/" + t.scenario + ".toml");
  sc.policies = {t.policy, "safe"};
  std::map<std::string, std::set<std::string>> out;
  if (t.mode == Mode::CrashPoints) {
    for (const CrashPointResult& r : enumerate_crash_points({sc}, 2)) {
      for (const auto& [oracle, count] : r.fired) out[r.policy].insert(oracle);
      if (r.policy == "safe" && !r.examples.empty()) example = r.examples.front();
    }
    return out;
  }
  for (const std::string& policy : sc.policies)
    for (std::uint64_t seed = 0; seed < 3; ++seed) {
      RunSettings settings;
      settings.seed = seed;
      const RunReport r = run_scenario(sc, policy, settings);
      for (const Violation& v : r.violations) {
        out[policy].insert(v.oracle);
        if (policy == "safe" || v.oracle == t.oracle) example = fmt::format("{} seed {}: {} at {}: {}", policy, seed, v.oracle, v.where, v.why);
      }
    }
  return out;
}

class OracleTrip : public ::testing::TestWithParam<Trip> {
 protected:
  static void SetUpTestSuite() { testing_support::register_flawed_policies(); }
};

TEST_P(OracleTrip, TheBrokenPolicyTripsItAndSafeDoesNot) {
  const Trip& t = GetParam();
  std::string example;
  const auto result = fired(t, example);
  EXPECT_TRUE(result.contains(t.policy) && result.at(t.policy).contains(t.oracle))
      << t.policy << " on " << t.scenario << " must trip " << t.oracle;
  EXPECT_FALSE(result.contains("safe")) << "safe on " << t.scenario << ": " << example;
}

INSTANTIATE_TEST_SUITE_P(EveryOracle, OracleTrip, ::testing::ValuesIn(trips()), [](const auto& info) {
  std::string name = info.param.oracle + "_by_" + info.param.policy;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
});

TEST(OracleTrip, EveryOracleHasABrokenPolicyThatTripsIt) {
  std::set<std::string> covered;
  for (const Trip& t : trips()) covered.insert(t.oracle);
  for (const std::string& oracle : oracle_names()) EXPECT_TRUE(covered.contains(oracle)) << oracle << " has no trip test";
}

}  // namespace
}  // namespace scenarios
