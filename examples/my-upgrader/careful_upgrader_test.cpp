// Our upgrader against hotsim's default scenario suite and our own scenario. A failure
// prints each violation and the command that replays it, with our library loaded:
//   hotsim replay --policy-lib .../libmy_upgrader.so .../repros/<scenario>-my-careful-<oracle>-seed<N>.repro.toml
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "careful_upgrader.hpp"
#include "scenarios/gtest.hpp"
#include "scenarios/policy_check.hpp"
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

// The default suite's hazards of issue 14 that this upgrader was not written for: we run one
// image, no cron job, and never type a fix into production. hotsim reports each (see below).
const std::set<std::string> kNotOurDeployment = {"cron-save.toml", "local-change.toml",
                                                 "several-images-shared-staging.toml"};

// Every other hazard of the default suite, with the scenarios' own seed counts.
TEST(CarefulUpgrader, DefaultSuite) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(HOTSIM_SCENARIOS_DIR "/default"))
    if (entry.path().extension() == ".toml" && !kNotOurDeployment.contains(entry.path().filename().string()))
      files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty());
  EXPECT_POLICY_CLEAN(my_upgrader::kPolicyName, files, options());
}

// What moving to several images, a 2am cron save or hot fixes would take: hotsim names the
// oracle each of those scenarios trips with this upgrader, before it ever reaches production.
TEST(CarefulUpgrader, HazardsOfOtherDeploymentsAreReported) {
  for (const std::string& file : kNotOurDeployment) {
    const auto verdicts = scenarios::check_policy(my_upgrader::kPolicyName, {HOTSIM_SCENARIOS_DIR "/default/" + file}, options());
    ASSERT_EQ(verdicts.size(), 1u) << file;
    EXPECT_FALSE(verdicts.front().ok()) << file << ": expected hotsim to report this upgrader";
  }
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
