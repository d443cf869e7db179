// parallel_for: an exception in a worker comes back to the caller, with the task that threw.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "scenarios/parallel.hpp"

namespace scenarios {
namespace {

TEST(ParallelFor, AWorkersExceptionIsRethrownOnTheCallerWithTheLowestFailedIndex) {
  // Task 37 throws only after task 150 has thrown, so a higher index fails first and the
  // lower one must still win. Task 37 is handed out before 150 and its worker waits; the
  // other workers reach 150 (bounded wait, so a bug fails the test instead of hanging it).
  std::atomic<bool> high_failed{false};
  try {
    parallel_for(
        200, 4,
        [&](std::size_t i) {
          if (i == 150) {
            high_failed = true;
            throw std::invalid_argument("bad task 150");
          }
          if (i == 37) {
            for (int waited = 0; !high_failed && waited < 10'000; ++waited)
              std::this_thread::sleep_for(std::chrono::milliseconds(1));
            throw std::invalid_argument("bad task 37");
          }
        },
        {}, [](std::size_t i) { return "run #" + std::to_string(i); });
    FAIL() << "no exception came back";
  } catch (const TaskFailed& e) {
    EXPECT_TRUE(high_failed.load());
    EXPECT_EQ(e.index(), 37u);
    EXPECT_STREQ(e.what(), "run #37: bad task 37");
    EXPECT_THROW(std::rethrow_exception(e.cause()), std::invalid_argument);
  }
}

TEST(ParallelFor, NoTaskIsHandedOutAfterAFailure) {
  // One worker makes the hand-out order exact: tasks 0..37 run, nothing after the failure.
  std::atomic<int> ran{0};
  EXPECT_THROW(parallel_for(200, 1,
                            [&](std::size_t i) {
                              ++ran;
                              if (i == 37) throw std::invalid_argument("bad task 37");
                            }),
               TaskFailed);
  EXPECT_EQ(ran.load(), 38);
}

TEST(ParallelFor, WithoutFailuresEveryTaskRunsAndProgressEndsAtTheTotal) {
  std::vector<int> seen(100, 0);
  std::uint64_t last_done = 0, last_total = 0;
  parallel_for(
      seen.size(), 3, [&](std::size_t i) { ++seen[i]; },
      [&](std::uint64_t done, std::uint64_t total) { last_done = done, last_total = total; });
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), 100);
  EXPECT_EQ(last_done, 100u);
  EXPECT_EQ(last_total, 100u);
}

TEST(ParallelFor, ANonStandardExceptionIsCarriedToo) {
  EXPECT_THROW(parallel_for(5, 2, [](std::size_t i) { if (i == 2) throw 42; }), TaskFailed);
}

}  // namespace
}  // namespace scenarios
