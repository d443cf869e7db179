// Scenario files: the default suite parses; bad files give file:line and what was expected.
#include <gtest/gtest.h>

#include "cli/commands.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios {
namespace {

const std::string kDir = std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default";

TEST(ScenarioFile, TheDefaultSuiteParses) {
  const auto files = cli::scenario_files({kDir});
  ASSERT_EQ(files.size(), 8u);
  for (const auto& f : files) {
    const Scenario s = load_scenario(f);
    EXPECT_FALSE(s.name.empty());
    EXPECT_EQ(s.policies, (std::vector<std::string>{"seed", "priority", "safe"})) << f;
    EXPECT_TRUE(s.expect.at("safe").empty()) << "safe must come out clean: " << f;
  }
}

std::string base(const std::string& extra) {
  return "[scenario]\nname = \"t\"\n[app]\ndir = \"../apps/shop\"\nold = [\"Shop-Kernel-1.pkg\"]\nnew = [\"Shop-Kernel-2.pkg\"]\n" + extra;
}

TEST(ScenarioFile, BadFilesSayFileLineAndWhatWasExpected) {
  struct Case {
    std::string text;
    int line;
    const char* expected;
  } cases[] = {
      {base("[load]\nsesions = 3\n"), 8, "unknown key 'sesions' in [load]"},
      {base("[load]\nsessions = -1\n"), 8, "expected 0 to 100000"},
      {base("[load]\nthink_ms = [5]\n"), 8, "expected [min, max]"},
      {base("[deploy]\norder = \"random\"\n"), 8, "expected one of dependency, reverse, shuffled"},
      {base("[run]\npolicies = [\"seed\", \"yolo\"]\n"), 8, "unknown policy \"yolo\""},
      {base("[expect.safe]\nfire = [\"torn\"]\n"), 8, "unknown oracle \"torn\""},
      {base("[run]\npolicies = [\"seed\"]\n[expect.safe]\nfire = []\n"), 9, "not in [run] policies"},
      {base("[budget]\nmax_pause_ms = 3\n"), 7, "unknown section [budget]"},
      {base("[faults]\ncrash = \"sometimes\"\n"), 8, "expected one of none, at-install, random"},
      {"[scenario]\nname = \"t\"\n[app]\ndir = \"../apps/shop\"\nold = [\"Nope-1.pkg\"]\nnew = [\"Shop-Kernel-2.pkg\"]\n", 5, "no package file"},
      {"[scenario\n", 1, "TOML"},
      {"[app]\ndir = \"x\"\n", 1, "expected [scenario] with a name"},
  };
  for (const Case& c : cases) {
    try {
      parse_scenario(c.text, kDir + "/bad.toml");
      ADD_FAILURE() << "accepted:\n" << c.text;
    } catch (const ScenarioError& e) {
      EXPECT_EQ(e.line(), c.line) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.expected), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).rfind(kDir + "/bad.toml:", 0), 0u) << e.what();
    }
  }
}

TEST(ScenarioFile, AMissingFileIsAClearError) {
  EXPECT_THROW(load_scenario(kDir + "/does-not-exist.toml"), ScenarioError);
}

}  // namespace
}  // namespace scenarios
