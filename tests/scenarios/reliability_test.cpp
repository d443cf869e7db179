// Reliability: every crash point of an upgrade, and determinism across processes and builds.
#include <gtest/gtest.h>

#include "helpers/run_command.hpp"

#include <array>
#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>

#include "scenarios/crash_points.hpp"

namespace scenarios {
namespace {

namespace fs = std::filesystem;

TEST(CrashPoints, SafeSurvivesEveryCrashPointAndSeedLosesTheUpgradeAtSome) {
  const Scenario sc = load_scenario(std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/crash-before-save.toml");
  const auto results = enumerate_crash_points({sc}, 2);
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) {
    EXPECT_GT(r.points, 10) << r.policy << ": the upgrade's file operations are enumerated";
    EXPECT_EQ(r.runs, 3 * r.points) << "three crash outcomes per point";
    if (r.policy == "safe") {
      EXPECT_TRUE(r.fired.empty()) << "safe: " << (r.examples.empty() ? "" : r.examples.front());
    } else {
      ASSERT_TRUE(r.fired.contains("lost-upgrade")) << r.policy << ": the lost-upgrade point is found";
      EXPECT_FALSE(r.where.at("lost-upgrade").empty());
    }
  }
}


std::set<std::string> hashes(const std::string& binary) {
  std::istringstream out(testing_support::run_command(binary + " run " + HOTSIM_SOURCE_DIR + "/scenarios/default --seeds 2 --jobs 2 --print-hashes 2>/dev/null"));
  std::set<std::string> lines;
  for (std::string line; std::getline(out, line);)
    if (line.rfind("HASH ", 0) == 0) lines.insert(line);
  return lines;
}

// Same seed, same trace hash: in two processes of this build, and in the other build
// (default vs asan) when it has been built (CI builds default first, then asan).
TEST(Determinism, EveryDefaultScenarioHasTheSameTraceHashAcrossProcessesAndBuilds) {
  const std::string here = HOTSIM_BINARY;
  const std::set<std::string> first = hashes(here);
  ASSERT_EQ(first.size(), 8u * 3u * 2u) << "one hash per scenario, policy and seed";
  EXPECT_EQ(hashes(here), first) << "a second process of the same build diverged";
  const fs::path build = fs::path(here).parent_path().parent_path();
  const std::string other_build = build.filename() == "asan" ? "default" : "asan";
  const fs::path other = build.parent_path() / other_build / "cli" / "hotsim";
  if (!fs::exists(other)) {
    std::printf("the %s build is not there: compared two processes of this build only\n", other_build.c_str());
    return;
  }
  EXPECT_EQ(hashes(other.string()), first) << "the " << other_build << " build diverged from this one";
  std::printf("compared with the %s build: %zu hashes identical\n", other_build.c_str(), first.size());
}

}  // namespace
}  // namespace scenarios

namespace scenarios {
namespace {

TEST(UpdatePoints, EveryUpdatePointIsCoveredSafeIsCleanAndSeedBreaksAtSome) {
  const Scenario sc = load_scenario(std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/load-order.toml");
  const auto results = enumerate_points(Sweep::UpdatePoints, {sc}, 2);
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) {
    EXPECT_GE(r.points, 2) << "the load reaches several yield points";
    EXPECT_EQ(r.covered, r.points) << r.policy << ": the upgrade started at every point";
    if (r.policy == "safe") {
      EXPECT_TRUE(r.fired.empty()) << (r.examples.empty() ? "" : r.examples.front());
    }
    if (r.policy == "seed") {
      EXPECT_TRUE(r.fired.contains("torn-request") || r.fired.contains("dnu-by-upgrade"));
    }
  }
}

}  // namespace
}  // namespace scenarios
