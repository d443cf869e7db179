// Our upgrader against hotsim's default scenario suite and our own scenario. A failure
// prints each violation and the command that replays it, with our library loaded:
//   hotsim replay --policy-lib .../libmy_upgrader.so .../repros/<scenario>-my-careful-<oracle>-seed<N>.repro.toml
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "careful_upgrader.hpp"
#include "scenarios/gtest.hpp"
#include "scenarios/rapidcheck.hpp"

namespace {

scenarios::PolicyCheckOptions options() {
  scenarios::PolicyCheckOptions o;
  o.jobs = 2;
  o.repro_dir = REPRO_DIR;
  o.policy_libs = {MY_POLICY_LIB};
  return o;
}

TEST(CarefulUpgrader, IsRegisteredUnderItsName) {
  EXPECT_EQ(my_upgrader::make_careful_upgrader()->name(), my_upgrader::kPolicyName);
  EXPECT_NE(upgrader::make_policy(my_upgrader::kPolicyName), nullptr);
}

// Every hazard of the default suite, with the scenarios' own seed counts.
TEST(CarefulUpgrader, DefaultSuite) {
  EXPECT_POLICY_CLEAN(my_upgrader::kPolicyName, {HOTSIM_SCENARIOS_DIR "/default"}, options());
}

TEST(CarefulUpgrader, KillsMidUpload) {
  EXPECT_POLICY_CLEAN(my_upgrader::kPolicyName, {MY_SCENARIO}, options());
}

// Our scenario under generated fault plans: a kill or power cut at any of the server's file
// operations, in any crash state, with a second crash during recovery.
RC_GTEST_PROP(CarefulUpgrader, CleanUnderGeneratedFaultPlans, ()) {
  static const scenarios::Scenario sc = scenarios::load_scenario(MY_SCENARIO);
  static const int ops = scenarios::server_file_ops(sc, my_upgrader::kPolicyName);
  const scenarios::RunSettings settings = *scenarios::gen::run_settings(sc, my_upgrader::kPolicyName, ops);
  const scenarios::RunVerdict verdict = scenarios::check_run(sc, settings, options());
  if (!verdict.ok()) RC_FAIL(verdict.describe());
}

}  // namespace
