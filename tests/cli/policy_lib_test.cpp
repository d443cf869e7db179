// `hotsim run --policy-lib LIB` (docs/policy-api.md): a shared library's policies run and are
// judged like the shipped ones, their repros replay with the library, and a library that
// cannot be loaded or registers nothing is an input error (exit 2) naming the file.
// `--policies` runs other policies than the scenario's own.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "helpers/run_command.hpp"

namespace {

namespace fs = std::filesystem;
using testing_support::CommandResult;
using testing_support::run_command_status;

const std::string kLoadOrder = std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/load-order.toml";

class PolicyLib : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hotsim-policy-lib-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
                                        "-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // hotsim in the test's directory (its repros go there), stdout and stderr together.
  CommandResult hotsim(const std::string& args) const {
    return run_command_status("cd '" + dir_.string() + "' && '" HOTSIM_BINARY "' " + args + " 2>&1");
  }

  fs::path dir_;
};

TEST_F(PolicyLib, StaticInitializerPoliciesRunAndAreJudged) {
  const CommandResult r =
      hotsim("run --policy-lib " STATIC_INIT_PLUGIN " --policies plugin-seed,plugin-safe --seeds 2 --jobs 2 " + kLoadOrder);
  // plugin-seed is the post's loop: on load-order it breaks requests, undeclared for a policy
  // the scenario does not name. plugin-safe comes out clean, its hazards exercised.
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find(STATIC_INIT_PLUGIN ": registered plugin-safe, plugin-seed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("UNEXPECTED load-order / plugin-seed: "), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("UNEXPECTED load-order / plugin-safe"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("vacuous"), std::string::npos) << r.output;

  // The printed replay command loads the library; it reproduces, and without it the policy is unknown.
  std::smatch m;
  const std::regex replay("hotsim replay --policy-lib " STATIC_INIT_PLUGIN " (\\S+\\.repro\\.toml)");
  ASSERT_TRUE(std::regex_search(r.output, m, replay)) << r.output;
  const std::string repro = m[1];
  const CommandResult again = hotsim("replay --policy-lib " STATIC_INIT_PLUGIN " " + repro);
  EXPECT_EQ(again.status, 0) << again.output;
  EXPECT_NE(again.output.find("REPRODUCED"), std::string::npos) << again.output;
  const CommandResult without = hotsim("replay " + repro);
  EXPECT_EQ(without.status, 2) << without.output;
  EXPECT_NE(without.output.find("plugin-seed"), std::string::npos) << without.output;
}

TEST_F(PolicyLib, EntryPointRegistersPolicies) {
  // Each flag takes one value: the scenario file after it is an input.
  const CommandResult r = hotsim("run --seeds 2 --policies plugin-entry-safe " + kLoadOrder + " --policy-lib " ENTRY_POINT_PLUGIN);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find(ENTRY_POINT_PLUGIN ": registered plugin-entry-safe"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("plugin-entry-safe"), r.output.rfind(ENTRY_POINT_PLUGIN)) << "the table names the policy: " << r.output;
  EXPECT_NE(r.output.find("suite: every outcome as expected"), std::string::npos) << r.output;
}

TEST_F(PolicyLib, FileThatIsNoLibraryIsAnInputError) {
  const CommandResult r = hotsim("run --policy-lib " + kLoadOrder + " --seeds 1 " + kLoadOrder);
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("error: " + kLoadOrder + ": cannot load it as a shared library"), std::string::npos) << r.output;
  const CommandResult missing = hotsim("run --policy-lib no-such-lib.so --seeds 1 " + kLoadOrder);
  EXPECT_EQ(missing.status, 2) << missing.output;
  EXPECT_NE(missing.output.find("error: no-such-lib.so: cannot load it as a shared library"), std::string::npos) << missing.output;
}

TEST_F(PolicyLib, LibraryThatRegistersNothingIsAnInputError) {
  const CommandResult r = hotsim("run --policy-lib " NO_POLICY_LIBRARY " --seeds 1 " + kLoadOrder);
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("error: " NO_POLICY_LIBRARY ": it registered no new policy; expected upgrader::register_policy"),
            std::string::npos)
      << r.output;
}

TEST_F(PolicyLib, UnknownPolicyInPoliciesIsAnInputError) {
  const CommandResult r = hotsim("run --policies safe,nope --seeds 1 " + kLoadOrder);
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("error: --policies:0: unknown policy \"nope\""), std::string::npos) << r.output;
  const CommandResult twice = hotsim("run --policies safe,safe --seeds 1 " + kLoadOrder);
  EXPECT_EQ(twice.status, 2) << twice.output;
  EXPECT_NE(twice.output.find("policy \"safe\" given twice"), std::string::npos) << twice.output;
}

}  // namespace
