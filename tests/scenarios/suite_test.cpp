// The default suite with its CI seed budget; replays of what it found; shrinking.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>

#include "cli/commands.hpp"
#include "helpers/temp_dir.hpp"
#include "scenarios/repro.hpp"
#include "scenarios/shrink.hpp"
#include "scenarios/suite.hpp"

namespace scenarios {
namespace {

std::vector<Scenario> default_suite() {
  std::vector<Scenario> out;
  for (const auto& f : cli::scenario_files({std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default"})) out.push_back(load_scenario(f));
  return out;
}

#if defined(__SANITIZE_ADDRESS__)
// Under ASan the suite runs ~20x slower: a short sweep checks memory safety and that nothing
// unexpected fires; hazard discovery is judged in the default build's full sweep.
constexpr bool kFullSweep = false;
#else
constexpr bool kFullSweep = true;
#endif

const SuiteResult& suite_result() {
  static const SuiteResult result = [] {
    SuiteOptions o;
    o.jobs = 2;
    if (!kFullSweep) {
      o.seeds = 3;
      o.judge_missing = false;
    }
    return run_suite(default_suite(), o);
  }();
  return result;
}

TEST(DefaultSuite, EveryOutcomeIsAsDeclared) {
  const SuiteResult& r = suite_result();
  for (const Cell& c : r.cells) {
    EXPECT_TRUE(c.ok()) << c.scenario << " / " << c.policy << ": " << (c.problems.empty() ? "" : c.problems.front());
    if (c.policy == "safe") {
      EXPECT_TRUE(c.fired.empty()) << c.scenario << ": safe must come out clean";
    }
  }
  std::size_t cells = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default"))
    if (entry.path().extension() == ".toml") cells += load_scenario(entry.path().string()).policies.size();
  EXPECT_EQ(r.cells.size(), cells) << "a cell per scenario and policy of the default suite";
}

TEST(DefaultSuite, EveryHazardFoundReplaysToTheSameTraceHash) {
  const auto suite = default_suite();
  int replayed = 0;
  for (const Cell& c : suite_result().cells) {
    const Scenario& sc = *std::find_if(suite.begin(), suite.end(), [&](const Scenario& s) { return s.name == c.scenario; });
    for (const auto& [oracle, report] : c.example) {
      const Repro repro = make_repro(sc, report, oracle, c.example_settings.at(oracle));
      const RunReport again = run_scenario(sc, repro.settings.policy, repro.settings);
      EXPECT_EQ(again.run.trace_hash, repro.trace_hash) << c.scenario << " / " << c.policy << " / " << oracle;
      EXPECT_TRUE(again.fired(oracle));
      EXPECT_FALSE(again.run.replay_diverged);
      ++replayed;
    }
  }
  EXPECT_GE(replayed, kFullSweep ? 10 : 1);
}

TEST(DefaultSuite, SameSeedSameTraceHashForEveryScenarioAndPolicy) {
  for (const Scenario& sc : default_suite())
    for (const auto& policy : sc.policies) {
      RunSettings s;
      s.seed = 3;
      EXPECT_EQ(run_scenario(sc, policy, s).run.trace_hash, run_scenario(sc, policy, s).run.trace_hash) << sc.name << " " << policy;
    }
}

TEST(Repro, SaveLoadRoundTripAndReplayFromAnotherDirectory) {
  const auto suite = default_suite();
  const Scenario& sc = *std::find_if(suite.begin(), suite.end(), [](const Scenario& s) { return s.name == "crash-before-save"; });
  std::optional<RunReport> report;
  RunSettings settings;
  for (settings.seed = 0; settings.seed < 30 && !report; ++settings.seed)
    if (RunReport r = run_scenario(sc, "seed", settings); r.fired("lost-upgrade")) report = std::move(r);
  ASSERT_TRUE(report) << "no seed of 30 lost the upgrade";
  settings.seed = report->seed;
  settings.policy = "seed";
  const Repro repro = make_repro(sc, *report, "lost-upgrade", settings);
  const testing_support::TempDir tmp("hotsim-repro-test");
  const std::string dir = tmp.path.string();
  const std::string path = dir + "/" + repro_file_name(repro, sc.name);
  save_repro(repro, path);
  const Repro loaded = load_repro(path);
  EXPECT_EQ(loaded.settings, repro.settings);
  EXPECT_EQ(loaded.trace_hash, repro.trace_hash);
  EXPECT_EQ(std::filesystem::canonical(loaded.scenario_path), std::filesystem::canonical(sc.path));
  auto canonical = [](const std::map<std::string, std::string>& files) {
    std::map<std::filesystem::path, std::string> out;
    for (const auto& [file, checksum] : files) out[std::filesystem::canonical(file)] = checksum;
    return out;
  };
  EXPECT_EQ(canonical(loaded.packages), canonical(repro.packages));
  EXPECT_EQ(loaded.packages.size(), sc.old_packages.size() + sc.new_packages.size());
  EXPECT_EQ(cli::replay_command(path), 0);
  std::filesystem::remove_all(dir);
}

TEST(Shrink, OutputStillFailsAndIsNoLargerThanItsInput) {
  const auto suite = default_suite();
  int shrunk = 0;
  for (const Cell& c : suite_result().cells) {
    if (c.policy != "seed" || shrunk >= 3) continue;
    const Scenario& sc = *std::find_if(suite.begin(), suite.end(), [&](const Scenario& s) { return s.name == c.scenario; });
    for (const auto& [oracle, report] : c.example) {
      const Repro input = make_repro(sc, report, oracle, c.example_settings.at(oracle));
      ShrinkStats stats;
      const Repro minimal = shrink(input, 80, stats);
      EXPECT_LE(stats.choices_after, stats.choices_before);
      EXPECT_LE(minimal.settings.sessions.value_or(sc.sessions), sc.sessions);
      const RunReport again = run_scenario(sc, minimal.settings.policy, minimal.settings);
      EXPECT_TRUE(again.fired(oracle)) << c.scenario << " / " << oracle;
      EXPECT_EQ(again.run.trace_hash, minimal.trace_hash);
      // The minimal repro is its own run's recording: replayed, its choices neither run out
      // nor are folded, so replay and explain both call it reproduced.
      EXPECT_FALSE(again.run.replay_diverged) << c.scenario << " / " << oracle;
      EXPECT_TRUE(judge_replay(minimal, again).reproduced());
      ++shrunk;
      break;
    }
  }
  EXPECT_GE(shrunk, kFullSweep ? 3 : 1);
}

TEST(Suite, ShardsSplitTheSeedsWithoutOverlap) {
  auto suite = default_suite();
  suite.resize(1);
  std::set<std::uint64_t> seen;
  int total = 0;
  for (int k = 1; k <= 3; ++k) {
    SuiteOptions o;
    o.shard = {k, 3};
    const SuiteResult r = run_suite(suite, o);
    EXPECT_TRUE(r.sharded);
    for (const Cell& c : r.cells) total += c.seeds_run;
  }
  EXPECT_EQ(total, suite[0].seeds * static_cast<int>(suite[0].policies.size()));
}

}  // namespace
}  // namespace scenarios
