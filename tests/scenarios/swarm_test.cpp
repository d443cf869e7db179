// Swarm testing (scenarios/swarm.hpp): each seed's subset of hazards and faults is drawn from
// the seed alone, the same in every process; every feature is drawn; a drawn subset always
// applies; a swarm repro replays exactly; swarm cells are judged as scenarios/README.md says;
// and a broken policy the scenario's own features miss is caught thanks to a feature it
// does not enable, while safe is not.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <map>
#include <ostream>
#include <set>

#include "cli/commands.hpp"
#include "scenarios/flawed_policies.hpp"
#include "scenarios/repro.hpp"
#include "scenarios/shrink.hpp"
#include "scenarios/suite.hpp"
#include "scenarios/swarm.hpp"
#include "upgrader/checksum.hpp"

namespace scenarios {
namespace {

Scenario default_scenario(const std::string& name) {
  return load_scenario(std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/" + name + ".toml");
}

const std::vector<Scenario>& default_suite() {
  static const std::vector<Scenario> suite = [] {
    std::vector<Scenario> out;
    for (const auto& f : cli::scenario_files({std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default"})) out.push_back(load_scenario(f));
    return out;
  }();
  return suite;
}

// ---- the draw ----

RC_GTEST_PROP(SwarmDraw, TheSameSeedDrawsTheSameSubset, (std::uint64_t seed)) {
  RC_ASSERT(drawn_features(seed) == drawn_features(seed));
  const Scenario& sc = default_suite()[*rc::gen::inRange<std::size_t>(0, default_suite().size())];
  RC_ASSERT(draw_swarm(sc, seed) == draw_swarm(sc, seed));
}

// The subsets of seeds 0..999, hashed: pinned, so every process and build draws them alike
// (and a change to the table or the draw shows here, as it changes every swarm repro's meaning).
TEST(SwarmDraw, TheDrawIsPinnedAcrossProcessesAndBuilds) {
  std::string all;
  for (std::uint64_t seed = 0; seed < 1000; ++seed) all += describe_swarm(drawn_features(seed)) + "\n";
  EXPECT_EQ(upgrader::checksum_text(all), "fnv1a64:15c0c70248e7a3bc") << "the swarm draw changed";
}

// Groce-style: each group on with probability 1/2, so over many seeds every feature is drawn,
// nearly every subset is new, and each group is on about half the time.
TEST(SwarmDraw, DifferentSeedsDrawDifferentSubsetsCoveringEveryFeature) {
  constexpr int kSeeds = 400;
  std::map<std::string, int> on, group_on;
  std::set<std::vector<std::string>> subsets;
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    const auto drawn = drawn_features(seed);
    subsets.insert(drawn);
    for (const auto& f : drawn) {
      ++on[f];
      for (const auto& t : swarm_features())
        if (t.name == f) ++group_on[t.group];
    }
    EXPECT_EQ(swarm_list_problem(drawn), "") << "seed " << seed;
  }
  for (const auto& f : swarm_features()) EXPECT_GE(on[f.name], 20) << f.name << " drawn in " << on[f.name] << " of " << kSeeds;
  for (const auto& [group, n] : group_on) {
    EXPECT_GE(n, kSeeds * 35 / 100) << group;
    EXPECT_LE(n, kSeeds * 65 / 100) << group;
  }
  EXPECT_GE(subsets.size(), static_cast<std::size_t>(kSeeds - 5));
  // Each default scenario still runs many distinct subsets once inapplicable features drop out.
  for (const Scenario& sc : default_suite()) {
    std::set<std::vector<std::string>> applied;
    for (std::uint64_t seed = 0; seed < 40; ++seed) applied.insert(draw_swarm(sc, seed));
    EXPECT_GE(applied.size(), 30u) << sc.name;
  }
}

// What a subset does to a scenario never makes a combination the table excludes, and never
// asks for a budget the run cannot meet.
RC_GTEST_PROP(SwarmDraw, ADrawnSubsetAppliesAndKeepsItsExclusions, (std::uint64_t seed)) {
  const Scenario& sc = default_suite()[*rc::gen::inRange<std::size_t>(0, default_suite().size())];
  const auto chosen = draw_swarm(sc, seed);
  const auto drawn = drawn_features(seed);
  for (const auto& f : chosen) RC_ASSERT(std::find(drawn.begin(), drawn.end(), f) != drawn.end());
  RC_ASSERT(applicable_features(sc, chosen) == chosen);
  const Scenario s = apply_swarm(sc, chosen);
  RC_ASSERT(s.sessions == sc.sessions && s.requests == sc.requests && s.liveness == sc.liveness && s.max_pause == sc.max_pause &&
            s.max_tries == sc.max_tries && s.duration == sc.duration && s.new_packages == sc.new_packages);
  if (!s.fsync_uploads) RC_ASSERT(s.crash == "none" || s.kill == "process");
  if (s.media != "none") RC_ASSERT(s.crash != "none" && s.kill == "power");
  const auto upload = s.chunk_interval * (s.chunks - 1) * static_cast<std::int64_t>(s.new_packages.size());
  if (s.chunks != sc.chunks) RC_ASSERT(s.deploy_at + upload + std::max(s.poll_period, s.liveness) <= s.duration);
  if (s.disk_full != sc.disk_full) RC_ASSERT(s.disk_full * 2 <= s.liveness - s.poll_period);
}

TEST(SwarmDraw, ListsThatCannotApplyAreRefusedNamingTheScenario) {
  const Scenario sc = default_scenario("crash-before-save");  // crashes at an install, with the power
  auto error_of = [&](const std::vector<std::string>& features) {
    try {
      apply_swarm(sc, features);
    } catch (const ScenarioError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of({"power-cuts-2"}).find("\"power-cuts-2\" does not apply to scenario crash-before-save: the scenario has its own crashes"),
            std::string::npos);
  EXPECT_NE(error_of({"no-fsync-uploads"}).find("a power cut would lose the upload"), std::string::npos);
  EXPECT_NE(error_of({"upload-name", "upload-shuffled"}).find("are alternatives"), std::string::npos);
  EXPECT_NE(error_of({"gremlins"}).find("unknown swarm feature \"gremlins\""), std::string::npos);
  EXPECT_EQ(error_of({"process-kill", "eio-read"}), "no error");
  EXPECT_NE(error_of({"media-bit-flip", "process-kill"}).find("media rot needs the power off"), std::string::npos);
}

// ---- judging ----

Cell swarm_cell(std::set<std::string> expected, std::set<std::string> fired) {
  Cell c;
  c.scenario = "s";
  c.policy = "p";
  c.swarm = true;
  c.expected = std::move(expected);
  c.targeted = c.expected;
  c.seeds_run = 4;
  for (const auto& o : fired) {
    c.fired[o] = 2;
    c.first_seed[o] = 1;
    c.swarm_fired[o] = {{"power-cuts-2", 2}, {"eio-read", 1}};
  }
  return c;
}

TEST(SwarmJudging, APolicyThatDeclaresNoHazardFailsOnAnythingTheOthersAreReported) {
  SuiteResult r;
  r.cells = {swarm_cell({}, {"liveness"}), swarm_cell({"torn-request"}, {"liveness"}), swarm_cell({"torn-request"}, {}),
             swarm_cell({"torn-request"}, {"app-error"})};
  judge(r);
  ASSERT_EQ(r.cells[0].problems.size(), 1u);
  EXPECT_NE(r.cells[0].problems[0].find("liveness fired in 2 of 4 swarm seeds (first seed 1)"), std::string::npos);
  EXPECT_NE(r.cells[0].problems[0].find("features on in those seeds: power-cuts-2 in 2, eio-read in 1"), std::string::npos)
      << r.cells[0].problems[0];
  EXPECT_TRUE(r.cells[1].ok()) << "reported, not failed: the policy declares hazards of its own";
  EXPECT_TRUE(r.cells[2].ok()) << "an expected hazard missing under swarm is not judged (nor vacuity)";
  EXPECT_FALSE(r.cells[3].ok()) << "app-error fails any cell";
  // The same cells without --swarm: judged by their declarations.
  for (Cell& c : r.cells) c.swarm = false;
  judge(r);
  EXPECT_FALSE(r.cells[1].ok());
  EXPECT_FALSE(r.cells[2].ok());
}

// ---- a flaw only a swarm feature finds ----

// A flaw the scenario's own features never show, and the swarm feature that does: counting
// failed tries in memory only shows after a crash (broken-package has none); keeping one
// image copy shows when the image rots (crash-before-save crashes, but nothing rots). The
// flawed policies are condensed copies of safe, so other features may trip them in other
// ways: each case is judged on the oracles its flaw trips.
struct SwarmCatch {
  testing_support::Flaw flaw;
  std::string scenario;
  std::string feature_prefix;   // the features that catch it
  std::set<std::string> oracles;
};

// What ctest prints for a parameter (instead of its bytes).
void PrintTo(const SwarmCatch& c, std::ostream* os) {
  *os << testing_support::flaw_name(c.flaw) << " on " << c.scenario << " with " << c.feature_prefix << "*";
}

std::vector<SwarmCatch> swarm_catches() {
  return {{testing_support::Flaw::CountsTriesInMemory, "broken-package", "power-cuts-", {"bounded-retry", "liveness"}},
          {testing_support::Flaw::KeepsOneSnapshotCopy, "crash-before-save", "media-", {"cannot-boot"}}};
}

class CaughtBySwarm : public ::testing::TestWithParam<SwarmCatch> {
 protected:
  static void SetUpTestSuite() { testing_support::register_flawed_policies(); }
  // The scenario with the flawed policy and safe, both declaring themselves safe.
  static Scenario scenario(const SwarmCatch& c) {
    Scenario sc = default_scenario(c.scenario);
    sc.policies = {testing_support::flaw_name(c.flaw), "safe"};
    sc.expect.clear();
    sc.allow.clear();
    for (const auto& p : sc.policies) {
      sc.expect[p] = {};
      sc.allow[p] = {};
    }
    sc.seeds = 16;
    return sc;
  }
  static bool catches(const SwarmCatch& c, const std::string& feature) { return feature.rfind(c.feature_prefix, 0) == 0; }
  static bool trips(const SwarmCatch& c, const RunReport& r) {
    return std::any_of(c.oracles.begin(), c.oracles.end(), [&](const std::string& o) { return r.fired(o); });
  }
  // The first seed whose subset has a catching feature and trips the flaw's oracles, while the
  // same subset without that feature (and what needs it) does not.
  static std::optional<RunSettings> caught_by_the_feature(const SwarmCatch& c, const Scenario& sc, std::uint64_t seeds) {
    const std::string flawed = testing_support::flaw_name(c.flaw);
    for (std::uint64_t seed = 0; seed < seeds; ++seed) {
      RunSettings s;
      s.scenario_hash = sc.checksum;
      s.policy = flawed;
      s.seed = seed;
      s.swarm = draw_swarm(sc, seed);
      if (std::none_of(s.swarm.begin(), s.swarm.end(), [&](const auto& f) { return catches(c, f); }) ||
          !trips(c, run_scenario(sc, flawed, s)))
        continue;
      RunSettings without = s;
      without.swarm.clear();
      for (const auto& f : s.swarm)
        if (!catches(c, f)) without.swarm.push_back(f);
      without.swarm = applicable_features(sc, without.swarm);
      if (!trips(c, run_scenario(sc, flawed, without))) return s;
    }
    return std::nullopt;
  }
};

TEST_P(CaughtBySwarm, ABrokenPolicyIsCaughtOnlyThanksToAFeatureTheScenarioDoesNotEnable) {
  const SwarmCatch& c = GetParam();
  const Scenario sc = scenario(c);
  SuiteOptions plain;
  plain.jobs = 2;
  const SuiteResult without = run_suite({sc}, plain);
  for (const auto& o : c.oracles) EXPECT_FALSE(without.cells[0].fired.contains(o)) << o << " caught without --swarm";
  EXPECT_TRUE(without.cells[1].ok()) << "safe";

  SuiteOptions swarm = plain;
  swarm.swarm = true;
  const SuiteResult with = run_suite({sc}, swarm);
  const Cell& bad = with.cells[0];
  const Cell& safe = with.cells[1];
  EXPECT_TRUE(safe.ok()) << "safe under --swarm: " << (safe.problems.empty() ? "" : safe.problems.front());
  EXPECT_FALSE(bad.ok()) << bad.policy << " was not caught under --swarm";
  EXPECT_GE(bad.swarm_subsets.size(), 12u);
  // The report names the catching feature among those on where the flaw's oracle fired.
  int attributed = 0;
  for (const auto& o : c.oracles)
    if (bad.swarm_fired.contains(o))
      for (const auto& [feature, n] : bad.swarm_fired.at(o)) attributed += catches(c, feature) ? n : 0;
  EXPECT_GT(attributed, 0);
  EXPECT_TRUE(caught_by_the_feature(c, sc, static_cast<std::uint64_t>(sc.seeds)))
      << "no seed shows that a " << c.feature_prefix << "* feature is what catches " << bad.policy;
}

// Such a failure's repro records the subset, survives the file and replays to the same trace
// hash; a shrink drops the features the failure does not need and keeps the one that catches it.
TEST_P(CaughtBySwarm, ItsReproRecordsTheSubsetReplaysExactlyAndShrinksToFewerFeatures) {
  const SwarmCatch& c = GetParam();
  const Scenario sc = scenario(c);
  const std::string flawed = testing_support::flaw_name(c.flaw);
  const auto settings = caught_by_the_feature(c, sc, 40);
  ASSERT_TRUE(settings) << flawed << " not caught by " << c.feature_prefix << "* in 40 swarm seeds";
  const RunReport report = run_scenario(sc, flawed, *settings);
  const std::string oracle = *std::find_if(c.oracles.begin(), c.oracles.end(), [&](const auto& o) { return report.fired(o); });

  const auto dir = std::filesystem::temp_directory_path() / fmt::format("hotsim-swarm-test-{}", ::getpid());
  const std::string file = (dir / "flawed.repro.toml").string();
  save_repro(make_repro(sc, report, oracle, *settings), file);
  const Repro loaded = load_repro(file);
  EXPECT_EQ(loaded.settings.swarm, settings->swarm);
  std::ifstream in(file);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("swarm = [\""), std::string::npos) << text;
  const RunReport again = run_scenario(load_recorded_scenario(loaded), flawed, loaded.settings);
  EXPECT_TRUE(judge_replay(loaded, again).reproduced()) << judge_replay(loaded, again).describe(loaded, again);
  RunSettings plain = *settings;
  plain.swarm.clear();
  EXPECT_NE(run_scenario(sc, flawed, plain).run.trace_hash, report.run.trace_hash) << "the subset changes the run";

  ShrinkStats stats;
  const Repro minimal = shrink(loaded, 2 + static_cast<int>(settings->swarm.size()), stats);
  EXPECT_LE(minimal.settings.swarm.size(), settings->swarm.size());
  if (settings->swarm.size() > 1) {
    EXPECT_LT(minimal.settings.swarm.size(), settings->swarm.size());
  }
  EXPECT_TRUE(std::any_of(minimal.settings.swarm.begin(), minimal.settings.swarm.end(), [&](const auto& f) { return catches(c, f); }))
      << describe_swarm(minimal.settings.swarm);
  const RunReport min_again = run_scenario(sc, flawed, minimal.settings);
  EXPECT_TRUE(judge_replay(minimal, min_again).reproduced());
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Flaws, CaughtBySwarm, ::testing::ValuesIn(swarm_catches()), [](const auto& info) {
  std::string name = info.param.scenario;
  for (char& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name;
});

// ---- what --swarm found in safe, fixed ----

// The subsets seeds drew under `hotsim run scenarios/default --swarm --seeds 20` (and 60)
// where safe failed before the fixes (a rotten copy plus an EIO at boot; the try count lost
// to a full disk; a second image copy that failed to save; a crash late in the large build; a
// power cut just before the end of the run).
TEST(SwarmFindings, SafeStaysCleanWhereSwarmFoundItsBugs) {
  const std::vector<std::pair<std::string, std::uint64_t>> found{
      {"broken-package", 8}, {"early-trigger", 17}, {"half-loaded", 8}, {"power-cuts-while-retrying", 9},
      {"power-cuts-while-retrying", 5}, {"large-release", 13}, {"load-order", 56}, {"disk-full", 28},
      {"overlapping-deploys", 1}};  // the second deploy's early trigger is not the first's left behind
  for (const auto& [name, seed] : found) {
    const Scenario sc = default_scenario(name);
    RunSettings s;
    s.seed = seed;
    s.swarm = draw_swarm(sc, seed);
    for (const Violation& v : run_scenario(sc, "safe", s).violations)
      ADD_FAILURE() << name << " seed " << seed << " (" << describe_swarm(s.swarm) << "): " << v.oracle << " at " << v.where << ": "
                    << v.why;
  }
}

// An upload still in progress behind an early trigger is not a failed try: with fewer tries
// than the upload's polls, safe used to quarantine the good batch (refused-good-batch).
TEST(SwarmFindings, ASlowUploadBehindAnEarlyTriggerDoesNotUseUpTheTries) {
  Scenario sc = default_scenario("early-trigger");  // 4 files in 3 chunks 2.5 s apart: 4 polls of upload
  sc.max_tries = 2;
  for (std::uint64_t seed = 0; seed < 4; ++seed) {
    RunSettings s;
    s.seed = seed;
    const RunReport r = run_scenario(sc, "safe", s);
    EXPECT_TRUE(r.upgraded) << "seed " << seed;
    for (const Violation& v : r.violations) ADD_FAILURE() << "seed " << seed << ": " << v.oracle << ": " << v.why;
  }
}

}  // namespace
}  // namespace scenarios
