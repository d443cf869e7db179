// Input validation: the default suite is runnable as it stands, broken-package's deliberately
// broken new package included; what is refused says which file and why.
#include <gtest/gtest.h>

#include "cli/commands.hpp"
#include "scenarios/validate.hpp"

namespace scenarios {
namespace {

const std::string kDefault = std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default";

TEST(Validate, EveryDefaultScenarioIsRunnableBrokenPackageIncluded) {
  for (const auto& f : cli::scenario_files({kDefault})) {
    const Scenario sc = load_scenario(f);
    EXPECT_EQ(input_problems(sc), std::vector<std::string>{}) << f;
  }
  EXPECT_NO_THROW(validate({load_scenario(kDefault + "/broken-package.toml")}));
}

TEST(Validate, ARunOfAnUnknownPolicyIsRefusedNamingWhereItWasAskedFor) {
  const Scenario sc = load_scenario(kDefault + "/load-order.toml");
  const auto problems = input_problems(sc, "yolo", "some.repro.toml");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].rfind("some.repro.toml:", 0), 0u) << problems[0];
  EXPECT_NE(problems[0].find("unknown policy \"yolo\"; expected one of priority, safe, seed"), std::string::npos) << problems[0];
  EXPECT_THROW(validate(sc, "yolo", "some.repro.toml"), InputError);
}

TEST(Validate, RequestsTheOldReleaseDoesNotServeAreAScenarioError) {
  Scenario sc = load_scenario(kDefault + "/load-order.toml");
  sc.requests = {"view", "teleport"};
  const auto problems = input_problems(sc);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("does not understand #teleport"), std::string::npos) << problems[0];
  sc.session_class = "NoSuchSession";
  EXPECT_NE(input_problems(sc).at(0).find("defines no class 'NoSuchSession'"), std::string::npos);
}

}  // namespace
}  // namespace scenarios
