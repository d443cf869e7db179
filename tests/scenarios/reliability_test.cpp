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

TEST(CrashPoints, SafeSurvivesEveryCrashStateAndSeedLosesTheUpgradeAtSome) {
  const Scenario sc = load_scenario(std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/crash-before-save.toml");
  const auto results = enumerate_crash_points({sc}, 2);
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) {
    EXPECT_GT(r.points, 10) << r.policy << ": the upgrade's file operations are enumerated";
    ASSERT_EQ(r.states.size(), static_cast<std::size_t>(r.points)) << "states counted at every point";
    int runs = 0, most = 0;
    for (int s : r.states) runs += s, most = std::max(most, s);
    EXPECT_EQ(r.runs, runs) << "every state is a run";
    EXPECT_GT(most, 3) << r.policy << ": some point has more states than the extremes";
    if (r.policy == "safe") {
      EXPECT_TRUE(r.fired.empty()) << "safe: " << (r.examples.empty() ? "" : r.examples.front());
    } else {
      ASSERT_TRUE(r.fired.contains("lost-upgrade")) << r.policy << ": the lost-upgrade point is found";
      EXPECT_FALSE(r.where.at("lost-upgrade").empty());
    }
  }
}

// Counting and crashing use the same seed, so crash point N strikes the Nth operation the
// counting run made, and one point lies past the last operation of the upgrade.
TEST(CrashPoints, PointNIsTheNthOperationOfTheCountingRun) {
  const Scenario sc = load_scenario(std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/crash-before-save.toml");
  RunSettings count;
  count.seed = sc.first_seed;
  count.crash = "none";
  count.keep_trace = true;
  const RunReport counted = run_scenario(sc, "safe", count);
  ASSERT_GT(counted.server_op_log.size(), 5u);
  for (int n : {1, 3, counted.ops_until_settled, counted.ops_until_settled + 1}) {
    RunSettings s = count;
    s.crash.reset();
    s.crash_at_op = n;
    s.crash_outcome = sim::SimFs::CrashOutcome::KeepNothing;
    const RunReport crashed = run_scenario(sc, "safe", s);
    ASSERT_TRUE(crashed.crashed) << "point " << n;
    ASSERT_EQ(crashed.server_op_log.size(), static_cast<std::size_t>(n));
    EXPECT_EQ(crashed.server_op_log.back(), counted.server_op_log.at(static_cast<std::size_t>(n - 1))) << "point " << n;
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
  std::size_t cells = 0;
  for (const auto& entry : fs::directory_iterator(std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default"))
    if (entry.path().extension() == ".toml") cells += load_scenario(entry.path().string()).policies.size();
  ASSERT_GE(cells, 7u * 3u);
  ASSERT_EQ(first.size(), cells * 2u) << "one hash per scenario, policy and seed";
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
  const auto results = enumerate_points(Sweep::UpdatePoints, {sc}, {2});
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
