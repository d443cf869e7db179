// `hotsim live`: the default scenarios on a real staging directory in real time, the server
// forked and killed with SIGKILL, judged by the same oracles as the simulator; the fidelity
// test holds the live verdicts to the simulator's (seed fails where the simulator says it
// fails, safe is clean), and a live run leaves no process and no directory behind.
//
// A live run measures real time, so it needs the CPU when it asks for it: on a machine so
// loaded that the kernel kept the server process waiting for a CPU (its schedstat), after
// retries, the verdict is inconclusive and the fidelity tests skip, saying so. ctest runs them
// alone (RUN_SERIAL); they fail on any wrong verdict of a run that had the machine.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>

#include "helpers/run_command.hpp"
#include "scenarios/live/live_suite.hpp"
#include "scenarios/live/run_dir.hpp"
#include "scenarios/validate.hpp"

namespace {

namespace fs = std::filesystem;
using scenarios::live::LiveSuiteOptions;
using scenarios::live::LiveSuiteResult;

const std::string kDefault = std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/";

// A fresh, empty base directory for the runs' directories.
struct Base {
  fs::path path;
  Base() {
    std::string pattern = (fs::temp_directory_path() / "hotsim-live-test-XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~Base() { fs::remove_all(path); }
};

LiveSuiteResult run_live(const std::string& file, const Base& base, double scale) {
  scenarios::Scenario sc = scenarios::load_scenario(kDefault + file);
  sc.policies = {"seed", "safe"};
  scenarios::validate({sc});
  LiveSuiteOptions options;
  options.run.time_scale = scale;
  options.run.base_dir = base.path.string();
  options.starved_retries = 1;  // a starved machine stays starved: one more try, then skip
  return scenarios::live::run_live_suite({sc}, options);
}

const scenarios::live::LiveCell& cell(const LiveSuiteResult& r, const std::string& policy) {
  for (const auto& c : r.cells)
    if (c.live.policy == policy) return c;
  throw std::runtime_error("no cell for " + policy);
}

// Nothing of the run is left: every child reaped, every run directory removed.
void expect_nothing_left(const Base& base) {
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1) << "a child process of the live run was not reaped";
  EXPECT_EQ(errno, ECHILD);
  EXPECT_TRUE(fs::is_empty(base.path)) << "a run directory was left in " << base.path;
}

void expect_fidelity(const LiveSuiteResult& r) {
  const auto& seed = cell(r, "seed");
  const auto& safe = cell(r, "safe");
  // seed: every hazard the scenario declares for it fired live, and in the simulator.
  for (const std::string& oracle : seed.live.expected) {
    EXPECT_TRUE(seed.live.fired.contains(oracle)) << oracle << " did not fire live for seed";
    EXPECT_TRUE(seed.sim.fired.contains(oracle)) << oracle << " did not fire in the simulator for seed";
  }
  EXPECT_FALSE(seed.live.expected.empty());
  // safe: clean live and in the simulator, and not vacuously (its hazards were exercised).
  EXPECT_TRUE(safe.live.fired.empty()) << testing::PrintToString(safe.violations);
  EXPECT_TRUE(safe.sim.fired.empty());
  for (const std::string& hazard : safe.live.targeted) EXPECT_TRUE(safe.live.exercised.contains(hazard)) << hazard;
  for (const auto& c : r.cells) {
    EXPECT_TRUE(c.live.ok()) << c.live.policy << ": " << testing::PrintToString(c.live.problems);
    EXPECT_TRUE(c.agrees()) << c.live.policy;
    // Requests really ran during the upgrade, and their real latencies were measured.
    EXPECT_GT(c.upgrade_latency.count(), 0u) << c.live.policy;
    EXPECT_GT(c.upgrade_latency.max().count(), 0) << c.live.policy;
  }
  EXPECT_TRUE(r.ok());
}

TEST(LiveFidelity, LoadOrderSeedFailsSafeIsClean) {
  Base base;
  const LiveSuiteResult r = run_live("load-order.toml", base, 0.1);
  expect_nothing_left(base);
  if (r.inconclusive()) GTEST_SKIP() << "the machine starved the live runs of CPU";
  expect_fidelity(r);
  expect_nothing_left(base);
}

TEST(LiveFidelity, CrashBeforeSaveSeedLosesTheUpgradeSafeDoesNot) {
  Base base;
  const LiveSuiteResult r = run_live("crash-before-save.toml", base, 0.1);
  expect_nothing_left(base);
  if (r.inconclusive()) GTEST_SKIP() << "the machine starved the live runs of CPU";
  expect_fidelity(r);
  // A real SIGKILL after the second install, and a restart from the snapshot on disk.
  EXPECT_EQ(cell(r, "seed").crashes, 1);
  EXPECT_EQ(cell(r, "safe").crashes, 1);
  EXPECT_TRUE(cell(r, "seed").live.exercised.contains("restart-fidelity"));
  // A power cut is run as a process kill, and the run says so.
  ASSERT_FALSE(cell(r, "seed").skipped.empty());
  EXPECT_NE(cell(r, "seed").skipped.front().find("process kill"), std::string::npos);
}

TEST(LiveFidelity, SkipsWhatARealDiskCannotDoAndNamesIt) {
  const auto rotten = scenarios::load_scenario(kDefault + "rotten-image.toml");
  const auto skipped = scenarios::live::skipped_faults(rotten);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_NE(skipped.front().find("media fault"), std::string::npos);
  EXPECT_TRUE(scenarios::live::skipped_faults(scenarios::load_scenario(kDefault + "load-order.toml")).empty());
}

TEST(LiveFidelity, RunsOneImageOfAClusterAndSaysSo) {
  const auto cluster = scenarios::load_scenario(kDefault + "several-images-shared-staging.toml");
  const auto skipped = scenarios::live::skipped_faults(cluster);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_NE(skipped.front().find("cluster of 3 images: live runs image 0 alone"), std::string::npos) << skipped.front();
}

TEST(LiveCommand, BadInputIsRefusedWithExitTwo) {
  const std::string hotsim = HOTSIM_BINARY;
  const std::string scenario = kDefault + "load-order.toml";
  Base base;
  const std::string file = (base.path / "a-file").string();
  { std::ofstream(file) << "x"; }
  struct Case {
    std::string args, says;
  };
  for (const Case& c : {Case{"--dir /nonexistent/hotsim " + scenario, "does not exist"},
                        Case{"--dir " + file + " " + scenario, "not a directory"},
                        Case{"--dir /proc " + scenario, "cannot create a run directory"},
                        Case{"--time-scale 0 " + scenario, "time-scale"},
                        Case{"--time-scale nan " + scenario, "finite"},
                        Case{"--policies nosuch " + scenario, "nosuch"},
                        Case{file, "a-file"},
                        Case{"/nonexistent/scenario.toml", "scenario.toml"}}) {
    const auto r = testing_support::run_command_status(hotsim + " live " + c.args + " 2>&1");
    EXPECT_EQ(r.status, 2) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.says), std::string::npos) << c.args << "\n" << r.output;
    EXPECT_EQ(r.output.find("ran "), std::string::npos) << "nothing may run on bad input: " << r.output;
  }
  fs::remove(file);
  EXPECT_TRUE(fs::is_empty(base.path));
}

TEST(LiveCommand, PrintsVerdictsLatenciesAndWhatDiffers) {
  const std::string hotsim = HOTSIM_BINARY;
  Base base;
  const auto r = testing_support::run_command_status(hotsim + " live --time-scale 0.1 --policies seed,safe --dir " +
                                                     base.path.string() + " " + kDefault + "load-order.toml 2>&1");
  EXPECT_TRUE(fs::is_empty(base.path));
  if (r.status == 1 && r.output.find("INCONCLUSIVE") != std::string::npos) GTEST_SKIP() << r.output;
  EXPECT_EQ(r.status, 0) << r.output;
  for (const char* says : {"load-order", "dnu-by-upgrade", "agrees with the simulator", "during the upgrade", "p99",
                           "cannot be replayed bit for bit"})
    EXPECT_NE(r.output.find(says), std::string::npos) << says << "\n" << r.output;
}

}  // namespace
