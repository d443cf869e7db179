// Every oracle counts only because something trips it: for each one, a broken policy
// (a shipped one where the post's procedure is the bug, else a purpose-built flawed one)
// makes it fire on a default-suite scenario, and `safe` on the same runs does not.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cctype>
#include <filesystem>
#include <ostream>
#include <set>

#include "scenarios/crash_points.hpp"
#include "scenarios/engine/deployer.hpp"
#include "upgrader/checksum.hpp"
#include "upgrader/manifest.hpp"
#include "scenarios/engine.hpp"
#include "scenarios/flawed_policies.hpp"

namespace scenarios {
namespace {

using testing_support::Flaw;
using testing_support::flaw_name;

enum class Mode { Seeds, CrashPoints };

struct Trip {
  std::string policy;
  std::string scenario;  // file in scenarios/default
  Mode mode;
  std::string oracle;
};

// What ctest prints for a parameter (instead of its bytes).
void PrintTo(const Trip& t, std::ostream* os) { *os << t.oracle << " by " << t.policy << " on " << t.scenario; }

std::vector<Trip> trips() {
  return {
      {"seed", "half-loaded", Mode::Seeds, "torn-request"},
      {"seed", "load-order", Mode::Seeds, "dnu-by-upgrade"},
      {"seed", "broken-package", Mode::Seeds, "liveness"},
      {"seed", "save-under-load", Mode::Seeds, "image-growth"},
      {"seed", "crash-before-save", Mode::Seeds, "lost-upgrade"},
      {flaw_name(Flaw::ExpiresLiveSessions), "half-loaded", Mode::Seeds, "lost-session"},
      {flaw_name(Flaw::HoldsRequestsForItsBuild), "half-loaded", Mode::Seeds, "pause-budget"},
      // safe before issue 13: a build at request priority yielding only between packages.
      {flaw_name(Flaw::BuildsAtRequestPriority), "large-release", Mode::Seeds, "pause-budget"},
      {flaw_name(Flaw::InstallsAllButLast), "half-loaded", Mode::Seeds, "eventual-upgrade"},
      {flaw_name(Flaw::RefusesGoodBatch), "half-loaded", Mode::Seeds, "refused-good-batch"},
      {flaw_name(Flaw::QuarantinesOneTryEarly), "broken-package", Mode::Seeds, "bounded-retry"},
      {flaw_name(Flaw::QuarantinesOneTryLate), "broken-package", Mode::Seeds, "bounded-retry"},
      {flaw_name(Flaw::LeavesTrigger), "half-loaded", Mode::Seeds, "clean-completion"},
      {flaw_name(Flaw::SavesTwice), "half-loaded", Mode::Seeds, "clean-completion"},
      {flaw_name(Flaw::InstallsTornMethod), "half-loaded", Mode::Seeds, "torn-package"},
      // Hazard (b): the order a batch is listed or named in is not its dependency order.
      {flaw_name(Flaw::InstallsInManifestOrder), "manifest-order", Mode::Seeds, "refused-good-batch"},
      {flaw_name(Flaw::InstallsInNameOrder), "manifest-order", Mode::Seeds, "refused-good-batch"},
      // Hazard (a): staging held more than this deploy uploaded.
      {flaw_name(Flaw::LoadsWholeDirectory), "leftovers", Mode::Seeds, "eventual-upgrade"},
      // Hazards (e) and (a) of issue 12: several deploys per run, and deploys that overlap.
      {flaw_name(Flaw::ReinstallsFirstBatch), "three-releases", Mode::Seeds, "eventual-upgrade"},
      {flaw_name(Flaw::ReinstallsFirstBatch), "three-releases", Mode::Seeds, "liveness"},
      {"seed", "overlapping-deploys", Mode::Seeds, "eventual-upgrade"},  // both deploys' files, in directory order
      {flaw_name(Flaw::LoadsWholeDirectory), "overlapping-deploys", Mode::Seeds, "refused-good-batch"},
      // Issue 14: a hot fix typed into the production image, overwritten without a word.
      {"seed", "local-change", Mode::Seeds, "lost-local-change"},
      {flaw_name(Flaw::OverwritesLocalChangesSilently), "local-change", Mode::Seeds, "lost-local-change"},
      // Issue 14: several images share one staging directory.
      {"seed", "several-images-shared-staging", Mode::Seeds, "converged"},
      {flaw_name(Flaw::IgnoresOtherImages), "several-images-shared-staging", Mode::Seeds, "converged"},
      // version-skew: a release-blind balancer, not a policy (ReleaseBlindBalancer below).
      // A rolling upgrade: an image that looks upgraded to the operator's script before it
      // installs goes back in service and installs under load.
      {flaw_name(Flaw::SavesBeforeInstalling), "rolling-upgrade", Mode::Seeds, "drained-upgrade"},
      {flaw_name(Flaw::UnstagesBeforeSave), "crash-before-save", Mode::CrashPoints, "lost-upgrade"},
      {flaw_name(Flaw::UnlinksSnapshotFirst), "crash-before-save", Mode::CrashPoints, "restart-fidelity"},
      {flaw_name(Flaw::TruncatesSnapshotInPlace), "crash-before-save", Mode::CrashPoints, "cannot-boot"},
  };
}

// What fired in each policy's runs: (policy -> oracles), plus one example line per oracle.
std::map<std::string, std::set<std::string>> fired(const Trip& t, std::string& example) {
  Scenario sc = load_scenario(std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/" + t.scenario + ".toml");
  sc.policies = {t.policy, "safe"};
  std::map<std::string, std::set<std::string>> out;
  if (t.mode == Mode::CrashPoints) {
    for (const CrashPointResult& r : enumerate_crash_points({sc}, 2)) {
      for (const auto& [oracle, count] : r.fired) out[r.policy].insert(oracle);
      if (r.policy == "safe" && !r.examples.empty()) example = r.examples.front();
    }
    return out;
  }
  for (const std::string& policy : sc.policies)
    for (std::uint64_t seed = 0; seed < 3; ++seed) {
      RunSettings settings;
      settings.seed = seed;
      const RunReport r = run_scenario(sc, policy, settings);
      for (const Violation& v : r.violations) {
        out[policy].insert(v.oracle);
        if (policy == "safe" || v.oracle == t.oracle) example = fmt::format("{} seed {}: {} at {}: {}", policy, seed, v.oracle, v.where, v.why);
      }
    }
  return out;
}

class OracleTrip : public ::testing::TestWithParam<Trip> {
 protected:
  static void SetUpTestSuite() { testing_support::register_flawed_policies(); }
};

TEST_P(OracleTrip, TheBrokenPolicyTripsItAndSafeDoesNot) {
  const Trip& t = GetParam();
  std::string example;
  const auto result = fired(t, example);
  EXPECT_TRUE(result.contains(t.policy) && result.at(t.policy).contains(t.oracle))
      << t.policy << " on " << t.scenario << " must trip " << t.oracle;
  EXPECT_FALSE(result.contains("safe")) << "safe on " << t.scenario << ": " << example;
}

INSTANTIATE_TEST_SUITE_P(EveryOracle, OracleTrip, ::testing::ValuesIn(trips()), [](const auto& info) {
  std::string name = info.param.oracle + "_by_" + info.param.policy;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
});

TEST(OracleTrip, EveryOracleHasABrokenPolicyThatTripsIt) {
  std::set<std::string> covered;
  for (const Trip& t : trips()) covered.insert(t.oracle);
  covered.insert("version-skew");  // by the balancer: OracleTrip.VersionSkewByAReleaseBlindBalancer
  for (const std::string& oracle : oracle_names()) EXPECT_TRUE(covered.contains(oracle)) << oracle << " has no trip test";
}

// The manifest's "dependency" order is the harness's own, derived from the packages (the
// blog app's `new` list is by name, against its dependencies): a loader that trusts the
// manifest's order is refused only when the scenario lists the batch out of that order.
TEST(OracleTrip, TheManifestOrderDecidesWhetherTrustingItFails) {
  testing_support::register_flawed_policies();
  Scenario sc = load_scenario(std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/manifest-order.toml");
  auto refused = [&](const std::string& order) {
    sc.manifest_order = order;
    for (std::uint64_t seed = 0; seed < 3; ++seed) {
      RunSettings settings;
      settings.seed = seed;
      if (run_scenario(sc, flaw_name(Flaw::InstallsInManifestOrder), settings).fired("refused-good-batch")) return true;
    }
    return false;
  };
  EXPECT_FALSE(refused("dependency"));
  EXPECT_TRUE(refused("reverse"));
  EXPECT_TRUE(refused("name"));
}

// Leftovers are what the README says: the old release's files; under this deploy's names
// an earlier build (same package and version, sealed and valid, other bytes) of every file
// but the last in dependency order; and a manifest naming that build, so never whole.
TEST(Leftovers, StagingHoldsAnInterruptedEarlierDeployOfAnotherBuild) {
  const Scenario sc = load_scenario(std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/leftovers.toml");
  const Releases releases = read_releases(sc.app_dir, sc.old_packages, sc.new_packages);
  sim::World world(sim::WorldConfig{});
  ServerProcesses processes(world, upgrader::ServerConfig{}, [] { return upgrader::make_policy("safe"); });
  Recorder recorder(world, releases, processes.config(), false);
  Deployer deployer(world, sc, releases, processes, recorder, upgrader::Policy::Trigger::Manifest);
  const std::string staging = processes.config().staging_dir;
  world.fs().mkdir(staging);
  world.fs().fsync_dir(".");  // as the engine does: the staging directory itself is durable
  deployer.stage_leftovers();
  for (const std::string& f : sc.old_packages) {
    const std::string name = std::filesystem::path(f).filename().string();
    EXPECT_TRUE(world.fs().peek_durable(staging + "/" + name)) << name;
  }
  const auto manifest = world.fs().peek_durable(staging + "/" + processes.config().trigger);
  ASSERT_TRUE(manifest);
  const auto entries = upgrader::parse_manifest(*manifest, "load");
  ASSERT_EQ(entries.size(), releases.new_packages.size());
  int staged = 0;
  for (const auto& e : entries) {
    const std::size_t k = static_cast<std::size_t>(
        std::find(releases.new_files.begin(), releases.new_files.end(), e.file) - releases.new_files.begin());
    ASSERT_LT(k, releases.new_files.size()) << e.file;
    EXPECT_NE(e.checksum, releases.new_packages[k].checksum) << e.file << ": the manifest names another build";
    const auto bytes = world.fs().peek_durable(staging + "/" + e.file);
    if (!bytes) continue;
    ++staged;
    const upgrader::Package earlier = upgrader::parse_package(*bytes, e.file);  // sealed and valid
    EXPECT_EQ(earlier.name, releases.new_packages[k].name);
    EXPECT_EQ(earlier.version, releases.new_packages[k].version);
    EXPECT_NE(*bytes, releases.new_bytes[k]);
    EXPECT_EQ(upgrader::checksum_text(*bytes), e.checksum);
  }
  EXPECT_EQ(staged, static_cast<int>(entries.size()) - 1) << "the interrupted deploy never uploaded its last file";
  EXPECT_FALSE(world.fs().peek_durable(staging + "/" + entries.back().file)) << "the last in dependency order is missing";
}

// version-skew is the balancer's to prevent, not a policy's: the images of a cluster that
// upgrades all at once poll at different times, so for a while they run different releases
// whatever the policy does, and a failover then may send a session back a release. With a
// release-blind balancer even safe trips it; with a release-aware one (the scenario's own)
// no seed does, and seed still leaves images behind (converged).
TEST(OracleTrip, VersionSkewByAReleaseBlindBalancer) {
  testing_support::register_flawed_policies();
  Scenario sc = load_scenario(std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/several-images-shared-staging.toml");
  ASSERT_EQ(sc.routing, "release-aware");
  auto skews = [&sc](const std::string& policy) {
    int fired = 0;
    for (std::uint64_t seed = 0; seed < 8; ++seed) {
      RunSettings settings;
      settings.seed = seed;
      fired += run_scenario(sc, policy, settings).fired("version-skew");
    }
    return fired;
  };
  EXPECT_EQ(skews("safe"), 0);
  EXPECT_EQ(skews("seed"), 0);
  sc.routing = "release-blind";
  EXPECT_GT(skews("safe"), 0) << "a release-blind failover must send some session back a release";
  EXPECT_GT(skews(flaw_name(Flaw::IgnoresOtherImages)), 0);
}

}  // namespace
}  // namespace scenarios
