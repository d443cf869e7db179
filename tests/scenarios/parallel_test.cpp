// parallel_for: an exception in a worker comes back to the caller, with the task that threw.
#include <gtest/gtest.h>

#include <atomic>

#include "scenarios/parallel.hpp"

namespace scenarios {
namespace {

TEST(ParallelFor, AWorkersExceptionIsRethrownOnTheCallerWithTheLowestFailedIndex) {
  std::atomic<int> ran{0};
  try {
    parallel_for(
        200, 4,
        [&](std::size_t i) {
          ++ran;
          if (i == 37 || i == 38 || i == 150) throw std::invalid_argument("bad task " + std::to_string(i));
        },
        {}, [](std::size_t i) { return "run #" + std::to_string(i); });
    FAIL() << "no exception came back";
  } catch (const TaskFailed& e) {
    EXPECT_EQ(e.index(), 37u);
    EXPECT_STREQ(e.what(), "run #37: bad task 37");
    EXPECT_THROW(std::rethrow_exception(e.cause()), std::invalid_argument);
  }
  EXPECT_LT(ran.load(), 200) << "no new tasks are handed out after a failure";
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
