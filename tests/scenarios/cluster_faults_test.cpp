// Faults in a cluster (issue 14): with [faults] strike = "every-image" each image's process
// crashes and restarts on its own, not only image 0's; a release-aware balancer keeps every
// session off the images behind what it was served, so a failover never sends it back.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "scenarios/engine.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios {
namespace {

const std::string kDir = std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default";

// Which images crashed, and which booted again after a crash, in one run (the report's lanes).
struct Struck {
  std::set<int> crashed, restarted;
};

Struck struck(const RunReport& r) {
  Struck s;
  for (const ImageEvent& e : r.image_events) {
    if (e.kind == "crash") s.crashed.insert(e.image);
    if (e.kind == "boot" && s.crashed.contains(e.image)) s.restarted.insert(e.image);
  }
  return s;
}

TEST(ClusterFaults, EveryImageCrashesAndRestartsOnItsOwn) {
  Scenario sc = load_scenario(kDir + "/several-images-shared-staging.toml");
  ASSERT_EQ(sc.strike, "every-image");
  std::set<int> crashed, restarted;
  for (std::uint64_t seed = 0; seed < 8; ++seed) {
    RunSettings settings;
    settings.seed = seed;
    const RunReport r = run_scenario(sc, "safe", settings);
    EXPECT_TRUE(r.violations.empty()) << "seed " << seed << ": " << r.violations.front().oracle << " " << r.violations.front().why;
    const Struck s = struck(r);
    crashed.insert(s.crashed.begin(), s.crashed.end());
    restarted.insert(s.restarted.begin(), s.restarted.end());
    EXPECT_EQ(r.crashes, static_cast<int>(std::count_if(r.image_events.begin(), r.image_events.end(),
                                                         [](const ImageEvent& e) { return e.kind == "crash"; })))
        << "seed " << seed << ": the report counts every image's crashes";
  }
  EXPECT_EQ(crashed, (std::set<int>{0, 1, 2})) << "every image's process must die in some seed";
  EXPECT_EQ(restarted, (std::set<int>{0, 1, 2})) << "and boot again from its own snapshot";

  // The same seeds with faults on image 0 alone: no other image ever crashes.
  sc.strike = "first-image";
  for (std::uint64_t seed = 0; seed < 8; ++seed) {
    RunSettings settings;
    settings.seed = seed;
    const Struck s = struck(run_scenario(sc, "safe", settings));
    EXPECT_TRUE(s.crashed.empty() || s.crashed == std::set<int>{0}) << "seed " << seed;
  }
}

// The same seed twice, faults on every image: the same trace (determinism with several
// power fibers drawing from one seed).
TEST(ClusterFaults, EveryImageFaultsReplayToTheSameHash) {
  const Scenario sc = load_scenario(kDir + "/several-images-shared-staging.toml");
  for (std::uint64_t seed : {3u, 11u}) {
    RunSettings settings;
    settings.seed = seed;
    EXPECT_EQ(run_scenario(sc, "seed", settings).run.trace_hash, run_scenario(sc, "seed", settings).run.trace_hash) << seed;
  }
}

}  // namespace
}  // namespace scenarios
