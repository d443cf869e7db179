// Scenario files: the default suite parses; bad files give file:line and what was expected.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>

#include "cli/commands.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios {
namespace {

const std::string kDir = std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default";

TEST(ScenarioFile, TheDefaultSuiteParses) {
  const auto files = cli::scenario_files({kDir});
  std::size_t tomls = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kDir)) tomls += entry.path().extension() == ".toml";
  ASSERT_EQ(files.size(), tomls) << "every scenario file of the default suite is found";
  ASSERT_GE(files.size(), 7u);
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
      {base("[deploy]\norder = \"random\"\n"), 8, "expected one of dependency, reverse, shuffled, name"},
      {base("[deploy]\nleftovers = [\"old-trigger\"]\n"), 8, "'leftovers': expected any of old-packages, stale-trigger, earlier-build"},
      {base("[deploy]\nmanifest_order = \"listed\"\n"), 8, "'manifest_order': expected one of dependency, reverse, shuffled, name"},
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

// Several deploys: [app] next (later releases) and one [deploy] at_ms per deploy.
TEST(ScenarioFile, NextReleasesAndTheirDeployTimes) {
  const Scenario s = parse_scenario(
      "[scenario]\nname = \"t\"\n[app]\ndir = \"../apps/shop\"\nold = [\"Shop-Kernel-1.pkg\"]\nnew = [\"Shop-Model-2.pkg\"]\n"
      "next = [[\"new/Shop-Kernel-2.pkg\"], \"v3/\"]\n[deploy]\nat_ms = [1000, 5000, 5000]\n",
      kDir + "/multi.toml");
  ASSERT_EQ(s.deploys(), 3);
  EXPECT_EQ(s.deploy_time(1), Millis(1000));
  EXPECT_EQ(s.deploy_time(2), Millis(5000));
  EXPECT_EQ(s.deploy_time(3), Millis(5000));  // at the same moment: overlapping
  const std::string app = std::filesystem::path(kDir + "/../apps/shop").lexically_normal().string();
  EXPECT_EQ(s.release_files(2), std::vector<std::string>{app + "/new/Shop-Kernel-2.pkg"});
  EXPECT_EQ(s.release_files(3), (std::vector<std::string>{app + "/v3/Shop-Kernel-3.pkg", app + "/v3/Shop-Model-3.pkg",
                                                           app + "/v3/Shop-Web-3.pkg"}))
      << "a directory: every *.pkg in it, by name";
  EXPECT_EQ(s.package_files().size(), 1u + 1u + 1u + 3u);
  // One deploy: a scalar, or a list of one.
  EXPECT_EQ(parse_scenario(base("[deploy]\nat_ms = 4000\n"), kDir + "/one.toml").deploys(), 1);
  const Scenario listed = parse_scenario(base("[deploy]\nat_ms = [4000]\n"), kDir + "/one.toml");
  EXPECT_EQ(listed.deploys(), 1);
  EXPECT_EQ(listed.deploy_at, Millis(4000));
}

TEST(ScenarioFile, BadNextReleasesAndDeployTimesSayFileLineAndWhatWasExpected) {
  const std::string next = "next = [[\"v3/Shop-Kernel-3.pkg\"]]\n";
  struct Case {
    std::string text;
    int line;
    const char* expected;
  } cases[] = {
      {base(next + "[deploy]\nat_ms = 3000\n"), 9, "'at_ms': 1 deploy time for 2 releases to deploy (new and each of next)"},
      {base(next), 7, "'at_ms': 1 deploy time for 2 releases"},
      {base("[deploy]\nat_ms = [1000, 2000]\n"), 8, "'at_ms': 2 deploy times for 1 release"},
      {base(next + "[deploy]\nat_ms = [\n  5000,\n  1000,\n]\n"), 11, "expected deploy times in order, got 1000 after 5000"},
      {base(next + "[deploy]\nat_ms = [1000, \"soon\"]\n"), 9, "'at_ms': expected times from 0 to 86400000 ms"},
      {base(next + "[deploy]\nat_ms = [1000, -1]\n"), 9, "'at_ms': expected times from 0 to 86400000 ms"},
      {base("[deploy]\nat_ms = []\n"), 8, "'at_ms': expected a time, or one per deploy"},
      {base("next = \"v3/\"\n"), 7, "'next': expected an array of releases"},
      {base("next = []\n"), 7, "'next': expected an array of releases"},
      {base("next = [5]\n"), 7, "'next': expected an array of releases"},
      {base("next = [\"v3\"]\n"), 7, "'next': expected a directory name ending in '/', got \"v3\""},
      {base("next = [\"old/nothing/\"]\n"), 7, "'next': no directory"},
      {base("next = [[]]\n"), 7, "'next': a release needs at least one package file"},
      {base("next = [[1]]\n"), 7, "'next': expected non-empty package file paths"},
      {base("next = [[\"v3/Shop-Nope-3.pkg\"]]\n"), 7, "'next': no package file"},
      {base("next = [[\"new/Shop-Kernel-2.pkg\"]]\n"), 7, "Shop-Kernel-2.pkg is staged by an earlier deploy too"},
      {base("next = [\n  [\"v3/Shop-Kernel-3.pkg\"],\n  [\"v3/Shop-Kernel-3.pkg\"],\n]\n"), 9, "staged by an earlier deploy too"},
      {base("nxt = [\"v3/\"]\n"), 7, "unknown key 'nxt' in [app]; expected one of: dir, old, new, next"},
      // The run must outlast the last upload and a poll after it.
      {base(next + "[deploy]\nat_ms = [1000, 58000]\n[run]\nduration_ms = 60000\n"), 11,
       "before the first poll after the upload (58000 ms"},
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

// Any number of later releases and any list of deploy times: accepted exactly when there is
// one time per deploy, in order, and then each deploy starts at its own time.
RC_GTEST_PROP(ScenarioFile, DeployTimesAreOnePerDeployInOrder, ()) {
  static const std::vector<std::string> v3{"v3/Shop-Kernel-3.pkg", "v3/Shop-Model-3.pkg", "v3/Shop-Web-3.pkg"};
  const auto releases = *rc::gen::inRange<std::size_t>(0, v3.size() + 1);
  const auto times = *rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 30001));
  const bool scalar = releases == 0 && times.size() == 1 && *rc::gen::arbitrary<bool>();
  std::vector<std::string> next;
  for (std::size_t r = 0; r < releases; ++r) next.push_back(fmt::format("[\"{}\"]", v3[r]));
  const std::string text =
      base((next.empty() ? "" : fmt::format("next = [{}]\n", fmt::join(next, ", "))) + "[deploy]\n" +
           (scalar ? fmt::format("at_ms = {}\n", times.front()) : fmt::format("at_ms = [{}]\n", fmt::join(times, ", "))));
  const bool good = times.size() == releases + 1 && std::is_sorted(times.begin(), times.end());
  try {
    const Scenario s = parse_scenario(text, kDir + "/prop.toml");
    RC_ASSERT(good);
    RC_ASSERT(s.deploys() == static_cast<int>(releases) + 1);
    for (int d = 1; d <= s.deploys(); ++d) RC_ASSERT(s.deploy_time(d) == Millis(times[static_cast<std::size_t>(d - 1)]));
  } catch (const ScenarioError& e) {
    RC_ASSERT(!good);
    RC_ASSERT(e.line() == (next.empty() ? 8 : 9));  // the at_ms line
  }
}

// Issue 14: [cluster] images, staging and balance; bad values name the file and line.
TEST(ScenarioFile, BadClusterSettingsSayFileLineAndWhatWasExpected) {
  struct Case {
    std::string text;
    const char* expected;
  } cases[] = {
      {base("[cluster]\nimages = 0\n"), "'images': expected 1 to 8, got 0"},
      {base("[cluster]\nimages = 9\n"), "'images': expected 1 to 8, got 9"},
      {base("[cluster]\nstaging = \"nfs\"\n"), "'staging': expected one of shared, per-image, got \"nfs\""},
      {base("[cluster]\nbalance = \"random\"\n"), "'balance': expected one of sticky, round-robin"},
      {base("[cluster]\nnodes = 3\n"), "unknown key 'nodes' in [cluster]"},
      {base("[cluster]\nupgrade = \"canary\"\n"), "'upgrade': expected one of all-at-once, rolling, got \"canary\""},
      {base("[cluster]\nupgrade = \"rolling\"\nstaging = \"per-image\"\n"), "\"rolling\" needs at least 2 images, got images = 1"},
      {base("[cluster]\nupgrade = \"rolling\"\nimages = 3\n"), "\"rolling\" needs staging = \"per-image\""},
      {base("[cluster]\ndrain_timeout_ms = 500\nimages = 3\n"), "'drain_timeout_ms': only a rolling upgrade drains"},
      {base("[cluster]\ndrain_timeout_ms = -1\n"), "'drain_timeout_ms'"},
      {base("[cluster]\nrouting = \"by-version\"\n"), "'routing': expected one of release-blind, release-aware"},
      {base("[faults]\nstrike = \"some-images\"\n"), "'strike': expected one of first-image, every-image"},
      {base("[faults]\nstrike = \"every-image\"\n[cluster]\nimages = 3\n"), "\"every-image\" in a cluster needs kill = \"process\""},
  };
  for (const Case& c : cases) {
    try {
      parse_scenario(c.text, kDir + "/bad.toml");
      ADD_FAILURE() << "accepted:\n" << c.text;
    } catch (const ScenarioError& e) {
      EXPECT_EQ(e.line(), 8) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.expected), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).rfind(kDir + "/bad.toml:", 0), 0u) << e.what();
    }
  }
}

// A rolling upgrade: several images, each on its own staging directory; the drain's bound.
TEST(ScenarioFile, RollingUpgradeTakesItsDrainTimeout) {
  const Scenario plain = parse_scenario(base("[cluster]\nimages = 2\n"), kDir + "/plain.toml");
  EXPECT_FALSE(plain.rolling());
  EXPECT_EQ(plain.cluster_upgrade, "all-at-once");
  const Scenario s = parse_scenario(
      base("[cluster]\nimages = 3\nstaging = \"per-image\"\nupgrade = \"rolling\"\ndrain_timeout_ms = 2500\n"), kDir + "/roll.toml");
  EXPECT_TRUE(s.rolling());
  EXPECT_EQ(s.drain_timeout, Millis(2500));
}

RC_GTEST_PROP(ScenarioFile, ClusterImagesAreOneToEight, ()) {
  const int images = *rc::gen::inRange(-3, 12);
  const bool per_image = *rc::gen::arbitrary<bool>();
  const std::string text = base(fmt::format("[cluster]\nimages = {}\nstaging = \"{}\"\n", images, per_image ? "per-image" : "shared"));
  try {
    const Scenario s = parse_scenario(text, kDir + "/prop.toml");
    RC_ASSERT(images >= 1 && images <= 8);
    RC_ASSERT(s.images == images);
    RC_ASSERT(s.cluster_staging == (per_image ? "per-image" : "shared"));
    RC_ASSERT(s.balance == "sticky");  // the default
  } catch (const ScenarioError& e) {
    RC_ASSERT(images < 1 || images > 8);
    RC_ASSERT(e.line() == 8);
  }
}

TEST(ScenarioFile, AMissingFileIsAClearError) {
  EXPECT_THROW(load_scenario(kDir + "/does-not-exist.toml"), ScenarioError);
}

}  // namespace
}  // namespace scenarios
