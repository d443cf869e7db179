// The helper for testing one's own policy (scenarios/policy_check.hpp and its GoogleTest and
// rapidcheck wrappers): verdicts per scenario, a failure's violation, repro and replay
// command, the policy override it runs under, and the generated run settings.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "plugin/renamed_policy.hpp"
#include "scenarios/gtest.hpp"
#include "scenarios/policy_check.hpp"
#include "scenarios/policy_override.hpp"
#include "scenarios/rapidcheck.hpp"
#include "scenarios/repro.hpp"

namespace scenarios {
namespace {

namespace fs = std::filesystem;

const std::string kDefault = std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/";

// The post's loop under a name no scenario declares anything for: held to firing nothing.
// Registered by the tests that use it, not at start-up: other tests list the registry.
void register_check_seed() { plugin_test::register_renamed("check-seed", "seed"); }

class PolicyCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    register_check_seed();
    dir_ = fs::temp_directory_path() / ("hotsim-policy-check-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    options_.repro_dir = dir_.string();
    options_.jobs = 2;
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  PolicyCheckOptions options_;
};

TEST_F(PolicyCheck, SafeIsCleanOnLoadOrder) {
  options_.seeds = 3;
  const auto verdicts = check_policy("safe", {kDefault + "load-order.toml"}, options_);
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_TRUE(verdicts[0].ok()) << verdicts[0].describe();
  EXPECT_EQ(verdicts[0].describe(), "load-order / safe: ok (3 seeds)");
  EXPECT_TRUE(policy_clean("safe", {kDefault + "load-order.toml"}, options_));
}

TEST_F(PolicyCheck, UndeclaredViolationComesWithItsReproAndReplayCommand) {
  options_.policy_libs = {"libmine.so"};
  const auto verdicts = check_policy("check-seed", {kDefault + "load-order.toml"}, options_);
  ASSERT_EQ(verdicts.size(), 1u);
  const PolicyVerdict& v = verdicts[0];
  EXPECT_FALSE(v.ok());
  ASSERT_FALSE(v.findings.empty()) << v.describe();
  for (const Finding& f : v.findings) {
    EXPECT_TRUE(fs::exists(f.repro)) << f.repro;
    EXPECT_EQ(f.replay, "hotsim replay --policy-lib libmine.so " + f.repro);
    EXPECT_EQ(f.violation.rfind(f.oracle + " at ", 0), 0u) << f.violation;
    EXPECT_EQ(load_repro(f.repro).settings.policy, "check-seed");
    EXPECT_NE(v.describe().find("    replay: " + f.replay), std::string::npos) << v.describe();
  }
  const ::testing::AssertionResult gtest = policy_clean("check-seed", {kDefault + "load-order.toml"}, options_);
  EXPECT_FALSE(gtest);
  EXPECT_NE(std::string(gtest.message()).find("0 of 1 scenarios clean for check-seed"), std::string::npos) << gtest.message();

  // The same seed run alone: the same first violation, and its own repro.
  RunSettings s;
  s.policy = "check-seed";
  s.seed = v.findings[0].first_seed;
  const RunVerdict one = check_run(load_scenario(kDefault + "load-order.toml"), s, options_);
  EXPECT_FALSE(one.ok());
  EXPECT_NE(std::find(one.violations.begin(), one.violations.end(), v.findings[0].violation), one.violations.end()) << one.describe();
  EXPECT_EQ(one.replay, "hotsim replay --policy-lib libmine.so " + one.repro);
}

TEST_F(PolicyCheck, InputThatDoesNotReadFailsNamingIt) {
  EXPECT_THROW(check_policy("safe", {kDefault + "no-such.toml"}, options_), ScenarioError);
  const ::testing::AssertionResult r = policy_clean("no-such-policy", {kDefault + "load-order.toml"}, options_);
  EXPECT_FALSE(r);
  EXPECT_NE(std::string(r.message()).find("check_policy:0: unknown policy \"no-such-policy\""), std::string::npos) << r.message();
}

TEST(PolicyOverride, KeepsTheScenarioHazardsAndItsOwnPoliciesExpectations) {
  register_check_seed();
  Scenario sc = load_scenario(kDefault + "load-order.toml");
  const auto seed_expects = sc.expect.at("seed");
  override_policies(sc, {"check-seed", "seed"}, "--policies");
  EXPECT_EQ(sc.policies, (std::vector<std::string>{"check-seed", "seed"}));
  EXPECT_TRUE(sc.expect.at("check-seed").empty());
  EXPECT_TRUE(sc.allow.at("check-seed").empty());
  EXPECT_EQ(sc.expect.at("seed"), seed_expects);
  EXPECT_FALSE(seed_expects.empty());
  EXPECT_THROW(override_policies(sc, {"safe", "safe"}, "--policies"), ScenarioError);
  EXPECT_THROW(override_policies(sc, {}, "--policies"), ScenarioError);
}

// Generated settings stay within the scenario: its policy and checksum, a crash point at most
// one past the last file operation, no more sessions than it has; and safe comes out clean
// under every one of them.
RC_GTEST_PROP(PolicyCheckGen, SafeIsCleanUnderGeneratedRunSettings, ()) {
  static const Scenario sc = load_scenario(kDefault + "crash-before-save.toml");
  static const int ops = server_file_ops(sc, "safe");
  RC_ASSERT(ops > 0);
  const RunSettings s = *gen::run_settings(sc, "safe", ops);
  RC_ASSERT(s.policy == "safe");
  RC_ASSERT(s.scenario_hash == sc.checksum);
  if (s.crash_at_op) RC_ASSERT(*s.crash_at_op >= 1 && *s.crash_at_op <= ops + 1);
  if (s.recovery_crash_at_op) RC_ASSERT(s.crash_at_op.has_value());
  if (s.sessions) RC_ASSERT(*s.sessions >= 1 && *s.sessions <= sc.sessions);
  PolicyCheckOptions options;
  options.repro_dir = (fs::temp_directory_path() / ("hotsim-policy-check-gen-" + std::to_string(getpid()))).string();
  const RunVerdict v = check_run(sc, s, options);
  if (!v.ok()) RC_FAIL(v.describe());
}

}  // namespace
}  // namespace scenarios
