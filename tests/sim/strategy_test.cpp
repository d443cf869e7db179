// Each strategy must find a seeded ordering bug (a lost update) within a bounded number of seeds.
#include <gtest/gtest.h>

#include <optional>

#include "sim/wait_queue.hpp"
#include "sim/world.hpp"

namespace sim {
namespace {

// Two "requests" increment a shared counter with a read-modify-write split by a yield point
// (a message send), after some unrelated work. The bug: both read before either writes.
bool lost_update(std::uint64_t seed, Strategy strategy, bool buggy) {
  WorldConfig c;
  c.seed = seed;
  c.strategy = strategy;
  c.pct.depth = 2;
  c.pct.expected_steps = 40;
  World world(c);
  int counter = 0;
  Mutex lock("counter");
  for (int f = 0; f < 2; ++f) {
    world.spawn("request-" + std::to_string(f), 0, [&] {
      for (int i = 0; i < 8; ++i) world.yield();  // unrelated sends
      if (!buggy) lock.lock(world.scheduler());
      const int seen = counter;
      world.yield();
      counter = seen + 1;
      if (!buggy) lock.unlock(world.scheduler());
    });
  }
  EXPECT_EQ(world.run().outcome, Outcome::Completed);
  return counter != 2;
}

std::optional<std::uint64_t> first_failing_seed(Strategy strategy, bool buggy, std::uint64_t budget) {
  for (std::uint64_t seed = 0; seed < budget; ++seed)
    if (lost_update(seed, strategy, buggy)) return seed;
  return std::nullopt;
}

TEST(Strategies, RandomWalkFindsTheLostUpdate) {
  EXPECT_TRUE(first_failing_seed(Strategy::RandomWalk, true, 200).has_value());
}

TEST(Strategies, PctFindsTheLostUpdate) {
  EXPECT_TRUE(first_failing_seed(Strategy::Pct, true, 200).has_value());
}

TEST(Strategies, NoStrategyReportsTheFixedProgram) {
  for (Strategy s : {Strategy::RandomWalk, Strategy::Pct, Strategy::RoundRobin})
    EXPECT_FALSE(first_failing_seed(s, false, 100).has_value()) << to_string(s);
}

TEST(Strategies, RoundRobinIsTheSameForEverySeed) {
  auto hash = [](std::uint64_t seed) {
    WorldConfig c;
    c.seed = seed;
    c.strategy = Strategy::RoundRobin;
    World world(c);
    for (int f = 0; f < 4; ++f) world.spawn("f", 0, [&] { for (int i = 0; i < 5; ++i) world.yield(); });
    RunResult r = world.run();
    EXPECT_TRUE(r.choices.empty()) << "round robin decides nothing";
    return r.trace_hash;
  };
  EXPECT_EQ(hash(1), hash(2));
}

TEST(Strategies, PctRespectsSmalltalkPriorityFirst) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    WorldConfig c;
    c.seed = seed;
    c.strategy = Strategy::Pct;
    World world(c);
    std::vector<int> order;
    world.spawn("low", 1, [&] { order.push_back(1); });
    world.spawn("high", 2, [&] { order.push_back(2); });
    world.run();
    EXPECT_EQ(order, (std::vector<int>{2, 1}));
  }
}

}  // namespace
}  // namespace sim
