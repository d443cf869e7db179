#pragma once
// GoogleTest over scenarios/policy_check.hpp: a policy of your own against scenario files,
//   EXPECT_POLICY_CLEAN("mine", {HOTSIM_SCENARIOS_DIR "/default"}, options);
// fails with each scenario's problems, its violations and their replay commands. Header
// only: link GTest yourself.
#include <gtest/gtest.h>

#include <exception>
#include <string>
#include <vector>

#include "scenarios/policy_check.hpp"

namespace scenarios {

// Success when every scenario comes out clean; otherwise what failed and how to replay it.
// An input that does not read is a failure too, with the file, line and what was expected.
inline ::testing::AssertionResult policy_clean(const std::string& policy, const std::vector<std::string>& inputs,
                                               const PolicyCheckOptions& options = {}) {
  std::vector<PolicyVerdict> verdicts;
  try {
    verdicts = check_policy(policy, inputs, options);
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "hotsim could not run the scenarios: " << e.what();
  }
  std::string failed;
  int clean = 0;
  for (const auto& v : verdicts)
    if (v.ok()) ++clean;
    else failed += v.describe() + "\n";
  if (failed.empty()) return ::testing::AssertionSuccess() << clean << " scenarios clean for " << policy;
  return ::testing::AssertionFailure() << failed << clean << " of " << verdicts.size() << " scenarios clean for " << policy;
}

// One run of a property (scenarios/rapidcheck.hpp generates the settings).
inline ::testing::AssertionResult run_clean(const Scenario& scenario, const RunSettings& settings,
                                            const PolicyCheckOptions& options = {}) {
  const RunVerdict verdict = check_run(scenario, settings, options);
  if (verdict.ok()) return ::testing::AssertionSuccess() << verdict.describe();
  return ::testing::AssertionFailure() << verdict.describe();
}

}  // namespace scenarios

#define EXPECT_POLICY_CLEAN(policy, inputs, options) EXPECT_TRUE(::scenarios::policy_clean(policy, inputs, options))
#define ASSERT_POLICY_CLEAN(policy, inputs, options) ASSERT_TRUE(::scenarios::policy_clean(policy, inputs, options))
