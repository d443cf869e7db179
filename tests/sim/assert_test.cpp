// HOTSIM_ASSERT: always on; a failure says what, where, and in which world (seed, step).
#include <gtest/gtest.h>

#include "sim/world.hpp"
#include "support/assert.hpp"

namespace {

TEST(HotsimAssertDeathTest, AFailureAbortsByDefaultWithTheConditionAndTheMessage) {
  EXPECT_DEATH(HOTSIM_ASSERT(1 + 1 == 3, "arithmetic is off by {}", 1),
               "internal error: assertion failed: 1 \\+ 1 == 3 at .*assert_test.cpp:[0-9]+: arithmetic is off by 1");
}

TEST(HotsimAssertDeathTest, InsideAWorldTheMessageNamesItsSeedAndStepAndTheChosenExitCode) {
  EXPECT_EXIT(
      {
        support::exit_on_assert_failure(3);
        sim::WorldConfig config;
        config.seed = 4242;
        sim::World world(config);
        world.spawn("asserting", 10, [&] {
          world.yield();
          HOTSIM_ASSERT(world.now().count() < 0, "time is {}", world.now().count());
        });
        world.run();
      },
      ::testing::ExitedWithCode(3), "assertion failed: .*time is 0; in world seed 4242 \\(random\\), step [1-9]");
}

TEST(HotsimAssert, APassingAssertionDoesNotEvaluateItsMessage) {
  int formatted = 0;
  auto count = [&] { return ++formatted; };
  HOTSIM_ASSERT(true, "{}", count());
  EXPECT_EQ(formatted, 0);
}

}  // namespace
