// safe in a cluster sharing one staging directory, under the disk faults --swarm injects.
#include <gtest/gtest.h>

#include "scenarios/engine.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios {
namespace {

const std::string kDir = std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default";

// Image 0 installs and saves the batch, then its acknowledgement's fsync fails (EIO, twice).
// safe used to count that as a failed try of the batch and install it again at the next poll
// (a second release of the same packages), and staging stayed past its deadline
// (clean-completion; --swarm seed 21). Now the acknowledgement is written again in the same
// poll, and a step after the save that fails is retried alone, never the install.
TEST(SafeInACluster, AFailedAcknowledgementIsWrittenAgainNotTheBatchInstalledAgain) {
  const Scenario sc = load_scenario(kDir + "/several-images-shared-staging.toml");
  RunSettings settings;
  settings.seed = 21;
  settings.swarm = {"manifest-shuffled", "leftover-old-packages", "leftover-stale-trigger", "no-fsync-uploads", "eio-fsync"};
  settings.keep_trace = true;
  const RunReport run = run_scenario(sc, "safe", settings);
  EXPECT_FALSE(run.fired("clean-completion")) << (run.violations.empty() ? "" : run.violations.front().why);
  EXPECT_NE(run.trace.find("acknowledgement not written (attempt 1 of"), std::string::npos)
      << "the injected fault must hit the acknowledgement, or this test shows nothing";
  EXPECT_EQ(run.trace.find("into release 5"), std::string::npos) << "the batch was installed twice";
}

}  // namespace
}  // namespace scenarios
