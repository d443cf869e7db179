// Progress lines: runs done, the rate and the ETA as pure functions of (done, total, elapsed),
// and when a line is due without a terminal.
#include <gtest/gtest.h>

#include "cli/progress.hpp"

namespace {

TEST(Progress, HumanDuration) {
  EXPECT_EQ(cli::human_duration(0), "0s");
  EXPECT_EQ(cli::human_duration(59.4), "59s");
  EXPECT_EQ(cli::human_duration(95), "1m35s");
  EXPECT_EQ(cli::human_duration(3600 * 2 + 5 * 60 + 30), "2h05m");
  EXPECT_EQ(cli::human_duration(-1), "?");
  EXPECT_EQ(cli::human_duration(1.0 / 0.0), "?");
}

TEST(Progress, LineGivesRunsRateAndEta) {
  EXPECT_EQ(cli::progress_line(1200, 5000, 30), "1200/5000 runs (24%), 40.0 runs/s, ETA 1m35s");
  EXPECT_EQ(cli::progress_line(5000, 5000, 125), "5000/5000 runs (100%), 40.0 runs/s, took 2m05s");
}

TEST(Progress, NothingDoneYetHasNoRate) {
  EXPECT_EQ(cli::progress_line(0, 90, 3), "0/90 runs (0%), ? runs/s, ETA ?");
  EXPECT_EQ(cli::progress_line(0, 90, 0), "0/90 runs (0%), ? runs/s, ETA ?");
  EXPECT_EQ(cli::progress_line(0, 0, 0), "0/0 runs (100%), ? runs/s, took 0s");
}

TEST(Progress, BarOnATerminal) {
  EXPECT_EQ(cli::progress_line(45, 90, 9, true), "[" + std::string(20, '#') + std::string(20, '.') + "] 45/90 runs (50%), 5.0 runs/s, ETA 9s");
  EXPECT_EQ(cli::progress_line(90, 90, 18, true), "[" + std::string(40, '#') + "] 90/90 runs (100%), 5.0 runs/s, took 18s");
}

TEST(Progress, WithoutATerminalALineEveryIntervalAndTheLast) {
  cli::ProgressThrottle throttle(false, 5);
  EXPECT_FALSE(throttle.update(1, 100, 0.5));
  EXPECT_FALSE(throttle.update(10, 100, 4.9));
  ASSERT_TRUE(throttle.update(11, 100, 5.0));
  EXPECT_EQ(*throttle.update(11, 100, 5.0 + 5.0), "11/100 runs (11%), 1.1 runs/s, ETA 1m21s");
  EXPECT_FALSE(throttle.update(50, 100, 14.0));
  EXPECT_TRUE(throttle.update(51, 100, 15.0));
  EXPECT_EQ(*throttle.update(100, 100, 15.5), "100/100 runs (100%), 6.5 runs/s, took 16s");
}

TEST(Progress, OnATerminalEveryUpdateRedrawsTheBar) {
  cli::ProgressThrottle throttle(true, 5);
  for (std::uint64_t done = 1; done <= 4; ++done) {
    const auto line = throttle.update(done, 4, 0.1 * static_cast<double>(done));
    ASSERT_TRUE(line);
    EXPECT_EQ(line->front(), '[');
  }
}

}  // namespace
