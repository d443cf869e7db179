// The scheduler: priorities, yield points, failures, deadlocks, limits, joins.
#include <gtest/gtest.h>

#include <boost/fiber/fiber.hpp>
#include <boost/fiber/operations.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sim/world.hpp"

namespace sim {
namespace {

WorldConfig config(std::uint64_t seed, Strategy strategy = Strategy::RandomWalk) {
  WorldConfig c;
  c.seed = seed;
  c.strategy = strategy;
  return c;
}

TEST(Scheduler, RunsEveryFiberToCompletion) {
  World world(config(1));
  int done = 0;
  for (int i = 0; i < 50; ++i)
    world.spawn("f" + std::to_string(i), 0, [&] {
      for (int k = 0; k < 10; ++k) world.yield();
      ++done;
    });
  RunResult r = world.run();
  EXPECT_EQ(r.outcome, Outcome::Completed) << r.summary();
  EXPECT_EQ(done, 50);
}

// A world whose setup throws after spawning (a scenario's engine failing before the run)
// is destroyed without running: its fibers must never run their bodies, not then and not
// later on the thread (Boost's default scheduler would run them with everything they use
// gone), and the thread must be able to run the next world.
TEST(Scheduler, AWorldDestroyedWithoutRunningNeverRunsItsFibers) {
  bool ran = false;
  {
    World world(config(1));
    for (int i = 0; i < 3; ++i)
      world.spawn("never", 0, [&] {
        ran = true;
        world.yield();
      });
  }
  boost::this_fiber::yield();  // what would hand a leftover fiber to Boost's scheduler
  EXPECT_FALSE(ran);
  World next(config(2));
  int done = 0;
  next.spawn("next", 0, [&] { ++done; });
  EXPECT_EQ(next.run().outcome, Outcome::Completed);
  EXPECT_EQ(done, 1);
  EXPECT_FALSE(ran);
}

TEST(Scheduler, HigherPriorityRunsAtNextYieldPointAndKeepsTheCpuUntilItBlocks) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    World world(config(seed));
    std::vector<std::string> log;
    std::optional<FiberRef> high;
    high = world.spawn("high", 10, [&] {
      world.park("wait for work");
      log.push_back("high-start");
      for (int i = 0; i < 3; ++i) {
        world.yield();
        log.push_back("high-" + std::to_string(i));
      }
      world.sleep_for(Duration(1000));  // blocks: low priority may run again
      log.push_back("high-end");
    });
    world.spawn("low", 1, [&] {
      log.push_back("low-a");
      world.unpark(*high);
      log.push_back("low-b");  // no yield point since unpark: still running
      world.yield();           // yield point: high takes over
      log.push_back("low-c");
    });
    RunResult r = world.run();
    ASSERT_EQ(r.outcome, Outcome::Completed) << r.summary();
    const std::vector<std::string> expected{"low-a", "low-b", "high-start", "high-0", "high-1",
                                            "high-2", "low-c", "high-end"};
    EXPECT_EQ(log, expected) << "seed " << seed;
  }
}

TEST(Scheduler, SetPriorityRebucketsAReadyFiber) {
  World world(config(5));
  std::vector<std::string> log;
  const FiberRef a = world.spawn("a", 1, [&] { log.push_back("a"); });
  world.spawn("b", 2, [&] { log.push_back("b"); });
  world.scheduler().set_priority(a, 3);
  ASSERT_EQ(world.run().outcome, Outcome::Completed);
  EXPECT_EQ(log, (std::vector<std::string>{"a", "b"}));
}

TEST(Scheduler, AnExceptionFailsTheRunWithTheFibersNameAndMessage) {
  World world(config(2));
  bool other_unwound = false;
  world.spawn("sleeper", 0, [&] {
    struct Guard {
      bool& flag;
      ~Guard() { flag = true; }
    } guard{other_unwound};
    world.sleep_for(Duration(std::chrono::hours(1)));
  });
  world.spawn("request-7", 0, [&] {
    world.yield();
    throw std::runtime_error("doesNotUnderstand: #total");
  });
  RunResult r = world.run();
  EXPECT_EQ(r.outcome, Outcome::Failed);
  EXPECT_EQ(r.failed_fiber, "request-7");
  EXPECT_EQ(r.message, "doesNotUnderstand: #total");
  EXPECT_NE(r.summary().find("request-7"), std::string::npos);
  EXPECT_TRUE(other_unwound) << "a fiber still alive at the end is unwound";
}

TEST(Scheduler, DeadlockIsReportedWithTheBlockedFibers) {
  World world(config(3));
  world.spawn("loader", 0, [&] { world.park("lock A"); });
  world.spawn("saver", 0, [&] { world.park("lock B"); });
  RunResult r = world.run();
  EXPECT_EQ(r.outcome, Outcome::Deadlock);
  EXPECT_EQ(r.blocked, (std::vector<std::string>{"loader (lock A)", "saver (lock B)"}));
}

TEST(Scheduler, VirtualDeadlineStopsTheRun) {
  WorldConfig c = config(4);
  c.limits.deadline = Time(std::chrono::seconds(60));
  World world(c);
  world.spawn("poller", 0, [&] {
    for (;;) world.sleep_for(Duration(std::chrono::seconds(5)));
  });
  RunResult r = world.run();
  EXPECT_EQ(r.outcome, Outcome::Deadline);
  EXPECT_EQ(r.end_time, Time(std::chrono::seconds(60)));
}

TEST(Scheduler, StepLimitStopsASpinningFiber) {
  WorldConfig c = config(5);
  c.limits.max_steps = 1000;
  World world(c);
  world.spawn("spinner", 0, [&] {
    for (;;) world.yield();
  });
  RunResult r = world.run();
  EXPECT_EQ(r.outcome, Outcome::StepLimit);
  EXPECT_EQ(r.steps, 1000u);
}

TEST(Scheduler, JoinWaitsForTheChild) {
  World world(config(6));
  std::vector<int> log;
  world.spawn("parent", 0, [&] {
    const FiberRef child = world.spawn("child", 0, [&] {
      world.sleep_for(Duration(500));
      log.push_back(1);
    });
    world.join(child);
    log.push_back(2);
  });
  ASSERT_EQ(world.run().outcome, Outcome::Completed);
  EXPECT_EQ(log, (std::vector<int>{1, 2}));
}

TEST(Scheduler, AWorldThatSpawnsAndJoinsInTurnReusesAHandfulOfRecords) {
  World world(config(9));
  int ran = 0;
  world.spawn("parent", 0, [&] {
    for (int i = 0; i < 2000; ++i) world.join(world.spawn("child", 0, [&] { ++ran; }));
  });
  ASSERT_EQ(world.run().outcome, Outcome::Completed);
  EXPECT_EQ(ran, 2000);
  EXPECT_LE(world.scheduler().records(), 4u);
}

// A finished fiber's record holds the next spawned fiber: what was kept of the finished one
// (a reference, a waiter, a joiner) must not reach the new one.
TEST(Scheduler, AReferenceToAFinishedFiberDoesNotReachTheFiberThatReusesItsRecord) {
  World world(config(10));
  bool second_ran_to_end = false;
  world.spawn("parent", 0, [&] {
    const FiberRef first = world.spawn("first", 0, [] {});
    world.join(first);
    EXPECT_TRUE(first.finished());
    std::optional<FiberRef> second;
    second = world.spawn("second", 0, [&] {
      world.park("wait for the parent");
      second_ran_to_end = true;
    });
    ASSERT_EQ(second->record, first.record) << "the finished record was not reused";
    EXPECT_EQ(first.get(), nullptr);
    EXPECT_TRUE(first.finished());
    EXPECT_FALSE(second->finished());
    while (second->get()->state != FiberState::Parked) world.yield();
    world.join(first);    // returns at once: `first` finished, whoever holds its record now
    world.kill(first);    // no effect on `second`
    world.unpark(first);  // nor does this wake it
    for (int i = 0; i < 5; ++i) world.yield();
    EXPECT_FALSE(second_ran_to_end);
    world.unpark(*second);
    world.join(*second);
  });
  const RunResult r = world.run();
  ASSERT_EQ(r.outcome, Outcome::Completed) << r.summary();
  EXPECT_TRUE(second_ran_to_end);
}

TEST(Scheduler, YieldOutsideAFiberIsAnError) {
  World world(config(7));
  EXPECT_THROW(world.yield(), std::logic_error);
}

TEST(Scheduler, BoostFibersWorkAgainAfterAWorldIsGone) {
  { World world(config(8)); world.spawn("x", 0, [&] { world.yield(); }); world.run(); }
  int ran = 0;
  boost::fibers::fiber f([&] { ++ran; });
  f.join();
  EXPECT_EQ(ran, 1);
}

TEST(Scheduler, ManyWorldsInARowDoNotLeakOrInterfere) {
  std::uint64_t first = 0;
  for (int i = 0; i < 200; ++i) {
    World world(config(9));
    for (int f = 0; f < 5; ++f) world.spawn("f", 0, [&] { world.yield(); world.sleep_for(Duration(10)); });
    RunResult r = world.run();
    if (i == 0) first = r.trace_hash;
    ASSERT_EQ(r.trace_hash, first);
  }
}

}  // namespace
}  // namespace sim

#include "sim/wait_queue.hpp"

namespace sim {
namespace {

TEST(WaitQueue, ClassicLockOrderDeadlockIsFoundWithinFewSeeds) {
  int deadlocks = 0;
  for (std::uint64_t seed = 0; seed < 30; ++seed) {
    World world(config(seed));
    Mutex a("A"), b("B");
    world.spawn("one", 0, [&] { a.lock(world.scheduler()); world.yield(); b.lock(world.scheduler()); b.unlock(world.scheduler()); a.unlock(world.scheduler()); });
    world.spawn("two", 0, [&] { b.lock(world.scheduler()); world.yield(); a.lock(world.scheduler()); a.unlock(world.scheduler()); b.unlock(world.scheduler()); });
    RunResult r = world.run();
    if (r.outcome == Outcome::Deadlock) {
      ++deadlocks;
      EXPECT_EQ(r.blocked, (std::vector<std::string>{"one (mutex B)", "two (mutex A)"}));
    } else {
      EXPECT_EQ(r.outcome, Outcome::Completed);
    }
  }
  EXPECT_GT(deadlocks, 0);
  EXPECT_LT(deadlocks, 30);
}

// A waiter killed while it waits leaves its entry behind; once its record holds a fiber
// parked for something else, a notify must pass that one by and wake the next real waiter.
TEST(WaitQueue, AKilledWaitersRecordNowHoldingAnotherParkedFiberIsPassedBy) {
  World world(config(11));
  WaitQueue queue("condition");
  bool other_woken = false;
  bool next_woken = false;
  world.spawn("parent", 0, [&] {
    const FiberRef killed = world.spawn("killed", 0, [&] { queue.wait(world.scheduler()); });
    while (killed.get()->state != FiberState::Parked) world.yield();
    world.kill(killed);
    world.join(killed);
    const FiberRef other = world.spawn("other", 0, [&] {
      world.park("something else");
      other_woken = true;
    });
    ASSERT_EQ(other.record, killed.record) << "the killed waiter's record was not reused";
    const FiberRef next = world.spawn("next", 0, [&] {
      queue.wait(world.scheduler());
      next_woken = true;
    });
    while (other.get()->state != FiberState::Parked || next.get()->state != FiberState::Parked) world.yield();
    queue.notify_one(world.scheduler());
    world.join(next);
    EXPECT_TRUE(next_woken);
    EXPECT_FALSE(other_woken);
    world.unpark(other);
    world.join(other);
  });
  const RunResult r = world.run();
  ASSERT_EQ(r.outcome, Outcome::Completed) << r.summary();
  EXPECT_TRUE(other_woken);
}

}  // namespace
}  // namespace sim
