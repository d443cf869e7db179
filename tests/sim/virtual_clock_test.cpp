// Virtual time: never waits on the wall clock; jumps to the earliest timer.
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "sim/world.hpp"

namespace sim {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

TEST(VirtualClock, PollLoopOverTwentyFourHours) {
  WorldConfig c;
  World world(c);
  int polls = 0;
  world.spawn("code loader", 31, [&] {
    while (world.now() < Time(hours(24))) {
      world.sleep_for(Duration(seconds(5)));
      ++polls;
    }
  });
  RunResult r = world.run();
  ASSERT_EQ(r.outcome, Outcome::Completed);
  EXPECT_EQ(polls, 24 * 3600 / 5);
  EXPECT_EQ(r.end_time, Time(hours(24)));
}

TEST(VirtualClock, TimersFireInDeadlineOrder) {
  World world(WorldConfig{});
  std::vector<std::pair<int, std::int64_t>> fired;
  for (int d : {7, 3, 9, 1, 5}) {
    world.spawn("t" + std::to_string(d), 0, [&, d] {
      world.sleep_for(Duration(seconds(d)));
      fired.emplace_back(d, std::chrono::duration_cast<seconds>(world.now()).count());
    });
  }
  ASSERT_EQ(world.run().outcome, Outcome::Completed);
  EXPECT_EQ(fired, (std::vector<std::pair<int, std::int64_t>>{{1, 1}, {3, 3}, {5, 5}, {7, 7}, {9, 9}}));
}

TEST(VirtualClock, SleepInThePastIsAYieldPoint) {
  World world(WorldConfig{});
  std::vector<int> log;
  world.spawn("a", 0, [&] { log.push_back(1); world.sleep_until(Time(0)); log.push_back(3); });
  world.spawn("b", 0, [&] { log.push_back(2); });
  ASSERT_EQ(world.run().outcome, Outcome::Completed);
  EXPECT_EQ(log.size(), 3u);
  EXPECT_EQ(world.now(), Time(0));
}

std::vector<int> wake_order(std::uint64_t seed) {
  WorldConfig c;
  c.seed = seed;
  World world(c);
  std::vector<int> order;
  for (int i = 0; i < 5; ++i)
    world.spawn("s" + std::to_string(i), 0, [&, i] {
      world.sleep_for(Duration(seconds(5)));
      order.push_back(i);
    });
  world.run();
  return order;
}

TEST(VirtualClock, EqualDeadlinesAreOrderedByTheChoiceStream) {
  std::set<std::vector<int>> orders;
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    auto order = wake_order(seed);
    ASSERT_EQ(order, wake_order(seed)) << "same seed, same order";
    orders.insert(order);
  }
  EXPECT_GT(orders.size(), 10u) << "the choice stream, not spawn order, breaks ties";
}

TEST(VirtualClock, TimeStandsStillWhileFibersAreReady) {
  World world(WorldConfig{});
  Time seen{-1};
  world.spawn("sleeper", 0, [&] { world.sleep_for(Duration(seconds(1))); });
  world.spawn("busy", 0, [&] {
    for (int i = 0; i < 1000; ++i) world.yield();
    seen = world.now();
  });
  world.run();
  EXPECT_EQ(seen, Time(0));
}

}  // namespace
}  // namespace sim

namespace sim {
namespace {

TEST(VirtualClock, CpuTimeHoldsTheCpuWhileTimePasses) {
  World world(WorldConfig{});
  std::vector<std::string> log;
  world.spawn("request", 1, [&] {
    world.sleep_for(Duration(std::chrono::milliseconds(1)));
    log.push_back("request at " + std::to_string(world.now().count() / 1'000'000) + "ms");
  });
  world.spawn("loader", 2, [&] {
    world.sleep_for(Duration(std::chrono::microseconds(500)));  // the request is asleep by then
    world.consume_cpu(Duration(std::chrono::milliseconds(50)));  // the request's timer is due meanwhile
    log.push_back("loader done");
    world.yield();
    log.push_back("loader after yield");
  });
  ASSERT_EQ(world.run().outcome, Outcome::Completed);
  EXPECT_EQ(log, (std::vector<std::string>{"loader done", "loader after yield", "request at 50ms"}));
}

// Smalltalk's scheduler: a process of higher priority that becomes runnable preempts the
// running one at once, which finishes its work afterwards. Equal priorities never preempt.
TEST(VirtualClock, AHigherPriorityFiberPreemptsCpuTimeWhenItWakes) {
  World world(WorldConfig{});
  std::vector<std::string> log;
  const auto ms = [&] { return std::to_string(world.now().count() / 1'000'000) + "ms"; };
  world.spawn("request", 2, [&] {
    world.sleep_for(Duration(std::chrono::milliseconds(10)));
    log.push_back("request at " + ms());
    world.consume_cpu(Duration(std::chrono::milliseconds(5)));
    log.push_back("request done at " + ms());
  });
  world.spawn("peer", 1, [&] {
    world.sleep_for(Duration(std::chrono::milliseconds(20)));
    log.push_back("peer at " + ms());
  });
  world.spawn("loader", 1, [&] {
    std::vector<Scheduler::CpuSpan> held;
    world.consume_cpu(Duration(std::chrono::milliseconds(50)), &held);
    log.push_back("loader done at " + ms());
    ASSERT_EQ(held.size(), 2u);
    EXPECT_EQ(held[0].end - held[0].start + (held[1].end - held[1].start), Duration(std::chrono::milliseconds(50)));
  });
  ASSERT_EQ(world.run().outcome, Outcome::Completed);
  EXPECT_EQ(log, (std::vector<std::string>{"request at 10ms", "request done at 15ms", "loader done at 55ms", "peer at 55ms"}));
}

}  // namespace
}  // namespace sim
