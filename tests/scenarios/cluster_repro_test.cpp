// Repros of a cluster (issue 14): a failure of several images is saved, replays in a fresh run
// and in another process with the same trace hash and the same violations, and shrinks to fewer
// images and sessions that still fire; the shrunk repro replays too. An images override outside
// the scenario's cluster is refused with the repro's file:line. Trace hashes are read from the
// runs, never written down here.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "helpers/run_command.hpp"
#include "helpers/temp_dir.hpp"
#include "scenarios/repro.hpp"
#include "scenarios/shrink.hpp"

namespace scenarios {
namespace {

namespace fs = std::filesystem;

const std::string kScenario = std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/several-images-shared-staging.toml";

const Scenario& cluster_scenario() {
  static const Scenario sc = load_scenario(kScenario);
  return sc;
}

// version-skew needs a release-blind balancer (the cluster scenario's is release-aware).
const Scenario& scenario_for(const std::string& oracle) {
  static const Scenario blind = load_scenario(std::string(HOTSIM_SOURCE_DIR) + "/scenarios/deployment/release-blind-failover.toml");
  return oracle == "version-skew" ? blind : cluster_scenario();
}

// Each violation on one line, in order: what a replay must show again.
std::vector<std::string> violations_of(const RunReport& r) {
  std::vector<std::string> out;
  for (const Violation& v : r.violations) out.push_back(fmt::format("{} at {} [{}]: {}", v.oracle, v.where, v.at.count(), v.why));
  return out;
}

// The repro of the first seed (of the scenario's 16) in which `policy` fires `oracle`.
std::optional<Repro> first_repro(const std::string& policy, const std::string& oracle) {
  for (std::uint64_t seed = 0; seed < 16; ++seed) {
    RunSettings s;
    s.seed = seed;
    s.policy = policy;
    const RunReport r = run_scenario(scenario_for(oracle), policy, s);
    if (r.fired(oracle)) return make_repro(scenario_for(oracle), r, oracle, s);
  }
  return std::nullopt;
}

struct Ran {
  int status = -1;
  std::string out;  // stdout and stderr
};

Ran hotsim(const std::string& args) {
  const auto r = testing_support::run_command_status(fmt::format("'{}' {} 2>&1", HOTSIM_BINARY, args));
  return {r.status, r.output};
}

TEST(ClusterRepro, ReplaysWithTheSameHashAndViolationsInAFreshRunAndAnotherProcess) {
  for (const char* oracle : {"converged", "version-skew"}) {
    const auto repro = first_repro("seed", oracle);
    ASSERT_TRUE(repro) << "no seed of 16 fired " << oracle;
    const RunReport original = run_scenario(scenario_for(oracle), "seed", [&] {
      RunSettings s = repro->settings;
      s.replay.reset();  // drawn from the seed, as the sweep ran it
      return s;
    }());
    EXPECT_EQ(original.images, 3);
    const testing_support::TempDir tmp("hotsim-cluster-repro");
    const std::string file = (tmp.path / repro_file_name(*repro, scenario_for(oracle).name)).string();
    save_repro(*repro, file);
    const Repro loaded = load_repro(file);
    EXPECT_EQ(loaded.settings, repro->settings);
    const RunReport again = run_scenario(load_recorded_scenario(loaded), loaded.settings.policy, loaded.settings);
    EXPECT_EQ(again.run.trace_hash, repro->trace_hash) << oracle;
    EXPECT_EQ(again.run.trace_hash, original.run.trace_hash) << oracle;
    EXPECT_EQ(violations_of(again), violations_of(original)) << oracle;
    EXPECT_FALSE(again.run.replay_diverged);
    const Ran replayed = hotsim(fmt::format("replay '{}'", file));
    EXPECT_EQ(replayed.status, 0) << replayed.out;
    EXPECT_NE(replayed.out.find(fmt::format("REPRODUCED: trace hash {:016x}; {} fired again", repro->trace_hash, oracle)),
              std::string::npos)
        << replayed.out;
    for (const Violation& v : again.violations) {  // the same violations, as the command prints them
      EXPECT_NE(replayed.out.find(fmt::format("{} at {} [", v.oracle, v.where)), std::string::npos) << v.oracle << " " << v.where;
      EXPECT_NE(replayed.out.find(v.why), std::string::npos) << v.why;
    }
  }
}

// Both cluster oracles need two images; the shrink keeps two, drops the third and all but one
// session (each image opens every session), and what it writes replays exactly.
TEST(ClusterRepro, ShrinksToFewerImagesAndSessionsAndTheShrunkReproReplays) {
  for (const char* oracle : {"converged", "version-skew"}) {
    const auto input = first_repro("seed", oracle);
    ASSERT_TRUE(input) << oracle;
    ShrinkStats stats;
    const Repro minimal = shrink(*input, 30, stats);
    EXPECT_EQ(stats.images_before, 3);
    EXPECT_EQ(stats.images_after, 2) << oracle;
    EXPECT_EQ(minimal.settings.images, 2) << oracle;
    EXPECT_EQ(stats.sessions_before, 12);
    EXPECT_LT(stats.sessions_after, stats.sessions_before) << oracle;
    EXPECT_LE(stats.choices_after, stats.choices_before);
    const RunReport again = run_scenario(load_recorded_scenario(minimal), minimal.settings.policy, minimal.settings);
    EXPECT_EQ(again.images, 2);
    EXPECT_TRUE(again.fired(oracle)) << oracle;
    EXPECT_TRUE(judge_replay(minimal, again).reproduced()) << judge_replay(minimal, again).describe(minimal, again);
    const testing_support::TempDir tmp("hotsim-cluster-shrunk");
    const std::string file = (tmp.path / "min.repro.toml").string();
    save_repro(minimal, file);
    const Ran replayed = hotsim(fmt::format("replay '{}'", file));
    EXPECT_EQ(replayed.status, 0) << replayed.out;
    EXPECT_NE(replayed.out.find(fmt::format("REPRODUCED: trace hash {:016x}", minimal.trace_hash)), std::string::npos) << replayed.out;
  }
}

TEST(ClusterRepro, TheShrinkCommandSaysHowManyImagesAndSessionsAreLeft) {
  const auto input = first_repro("seed", "converged");
  ASSERT_TRUE(input);
  const testing_support::TempDir tmp("hotsim-cluster-shrink-cli");
  const std::string file = (tmp.path / "in.repro.toml").string(), out = (tmp.path / "out.repro.toml").string();
  save_repro(*input, file);
  const Ran shrunk = hotsim(fmt::format("shrink '{}' --max-attempts 20 --output '{}'", file, out));
  ASSERT_EQ(shrunk.status, 0) << shrunk.out;
  EXPECT_NE(shrunk.out.find("minimal repro: images 3 -> 2, sessions 12 -> 1"), std::string::npos) << shrunk.out;
  EXPECT_NE(shrunk.out.find("REPRODUCED"), std::string::npos) << shrunk.out;
  EXPECT_EQ(load_repro(out).settings.images, 2);
  std::ifstream in(out);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  EXPECT_NE(text.find("\nimages = 2"), std::string::npos) << text;
}

// Bad overrides are input errors (exit 2) naming the repro file and the setting's line.
TEST(ClusterRepro, AnImagesOverrideOutsideTheClusterIsRefusedWithFileAndLine) {
  const auto input = first_repro("seed", "converged");
  ASSERT_TRUE(input);
  const testing_support::TempDir tmp("hotsim-cluster-bad");
  const std::string good = (tmp.path / "good.repro.toml").string();
  save_repro(*input, good);
  std::ifstream in(good);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const std::size_t at = text.find("\nstrategy = ");
  ASSERT_NE(at, std::string::npos);
  const int line = static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at) + 1, '\n')) + 2;
  struct Case {
    const char* images;
    std::string message;
  };
  for (const Case& c : {Case{"0", "'images': expected an integer from 1 to 8"}, Case{"99", "'images': expected an integer from 1 to 8"},
                        Case{"4", "'images': 4 images, but scenario several-images-shared-staging runs 3; expected 1 to 3"}}) {
    std::string bad = text;
    const std::size_t end = bad.find('\n', at + 1);
    bad.insert(end + 1, fmt::format("images = {}\n", c.images));
    const std::string file = (tmp.path / fmt::format("images-{}.repro.toml", c.images)).string();
    std::ofstream(file, std::ios::binary) << bad;
    for (const char* command : {"replay", "shrink", "explain"}) {
      const Ran r = hotsim(fmt::format("{} '{}'", command, file));
      EXPECT_EQ(r.status, 2) << command << " " << c.images << "\n" << r.out;
      EXPECT_NE(r.out.find(fmt::format("{}:{}: {}", file, line, c.message)), std::string::npos) << command << "\n" << r.out;
    }
  }
  // The engine refuses it too, for a caller that skips the checks.
  RunSettings s = input->settings;
  s.images = 4;
  EXPECT_THROW(run_scenario(cluster_scenario(), "seed", s), ScenarioError);
}

// Any images and sessions override of the cluster, any seed and policy: the run has that many
// images (no request served elsewhere), and its repro survives the file and replays to the
// same trace hash and violations.
RC_GTEST_PROP(ClusterRepro, AnyImagesAndSessionsOverrideReplaysExactly, ()) {
  RunSettings s;
  s.seed = *rc::gen::inRange<std::uint64_t>(0, 1000);
  s.policy = *rc::gen::element<std::string>("seed", "priority", "safe");
  s.images = *rc::gen::inRange(1, cluster_scenario().images + 1);
  s.sessions = *rc::gen::inRange(0, 5);
  const RunReport r = run_scenario(cluster_scenario(), s.policy, s);
  RC_ASSERT(r.images == *s.images);
  for (const auto& served : r.served) RC_ASSERT(served.image < *s.images);
  const std::string oracle = r.violations.empty() ? "" : r.violations.front().oracle;
  const Repro repro = parse_repro(render_repro(make_repro(cluster_scenario(), r, oracle, s)), "p.repro.toml");
  RC_ASSERT(repro.settings.images == s.images);
  const RunReport again = run_scenario(cluster_scenario(), repro.settings.policy, repro.settings);
  RC_ASSERT(again.run.trace_hash == r.run.trace_hash);
  RC_ASSERT(violations_of(again) == violations_of(r));
  RC_ASSERT(!again.run.replay_diverged);
}

}  // namespace
}  // namespace scenarios
