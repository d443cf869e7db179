// Observing never changes a schedule: every default-suite run has the same trace hash with
// the recorder and the oracles on and with them off.
#include <gtest/gtest.h>

#include "cli/commands.hpp"
#include "scenarios/engine.hpp"

namespace scenarios {
namespace {

TEST(Observation, OraclesOnAndOffGiveTheSameTraceHashInEveryDefaultRun) {
  int runs = 0;
  for (const auto& file : cli::scenario_files({std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default"})) {
    const Scenario sc = load_scenario(file);
    for (const std::string& policy : sc.policies)
      for (std::uint64_t seed = sc.first_seed; seed < sc.first_seed + 3; ++seed) {
        RunSettings settings;
        settings.seed = seed;
        const RunReport on = run_scenario(sc, policy, settings, Judging::On);
        const RunReport off = run_scenario(sc, policy, settings, Judging::Off);
        EXPECT_EQ(on.run.trace_hash, off.run.trace_hash) << sc.name << " / " << policy << " seed " << seed;
        EXPECT_TRUE(off.violations.empty() || off.fired("app-error"));
        EXPECT_FALSE(on.exercised.empty()) << sc.name << " / " << policy << ": the oracles saw nothing";
        ++runs;
      }
  }
  EXPECT_EQ(runs, 8 * 3 * 3);
}

}  // namespace
}  // namespace scenarios
