// Determinism is the product: same seed => same trace hash, in-process and across processes;
// a recorded choice list replays to the same hash; different seeds diverge.
#include <gtest/gtest.h>

#include "helpers/run_command.hpp"

#include <array>
#include <cstdio>
#include <regex>
#include <set>
#include <string>

#include "cli/demo.hpp"

namespace {

cli::DemoOptions demo(std::uint64_t seed, sim::Strategy strategy = sim::Strategy::RandomWalk) {
  cli::DemoOptions o;
  o.seed = seed;
  o.strategy = strategy;
  o.sessions = 12;
  return o;
}


std::string hash_in_output(const std::string& out) {
  std::smatch m;
  return std::regex_search(out, m, std::regex("trace hash ([0-9a-f]{16})")) ? m[1].str() : "";
}

TEST(Determinism, SameSeedSameHashInProcess) {
  for (auto strategy : {sim::Strategy::RandomWalk, sim::Strategy::Pct, sim::Strategy::RoundRobin}) {
    for (std::uint64_t seed : {1u, 7u, 99u}) {
      auto a = cli::run_demo(demo(seed, strategy)).result;
      auto b = cli::run_demo(demo(seed, strategy)).result;
      EXPECT_EQ(a.trace_hash, b.trace_hash);
      EXPECT_EQ(a.choices, b.choices);
      EXPECT_GT(a.trace_events, 1000u);
    }
  }
}

TEST(Determinism, DifferentSeedsDiverge) {
  std::set<std::uint64_t> hashes;
  for (std::uint64_t seed = 0; seed < 20; ++seed) hashes.insert(cli::run_demo(demo(seed)).result.trace_hash);
  EXPECT_EQ(hashes.size(), 20u);
}

TEST(Determinism, SameSeedSameHashInTwoSeparateProcesses) {
  for (std::uint64_t seed : {3u, 11u}) {
    const std::string cmd = std::string(HOTSIM_BINARY) + " demo --sessions 12 --seed " + std::to_string(seed);
    const std::string first = hash_in_output(testing_support::run_command(cmd));
    const std::string second = hash_in_output(testing_support::run_command(cmd));
    ASSERT_FALSE(first.empty()) << "no trace hash printed by " << cmd;
    EXPECT_EQ(first, second);
    char in_process[17];
    std::snprintf(in_process, sizeof in_process, "%016llx",
                  static_cast<unsigned long long>(cli::run_demo(demo(seed)).result.trace_hash));
    EXPECT_EQ(first, in_process) << "the CLI and the library agree";
  }
}

TEST(Determinism, ReplayOfRecordedChoicesReproducesTheHash) {
  for (auto strategy : {sim::Strategy::RandomWalk, sim::Strategy::Pct}) {
    sim::WorldConfig config;
    config.seed = 5;
    config.strategy = strategy;
    auto run = [](sim::WorldConfig c) {
      sim::World world(c);
      unsigned shared = 0;
      for (int f = 0; f < 6; ++f)
        world.spawn("f" + std::to_string(f), f % 2, [&world, &shared] {
          for (int i = 0; i < 20; ++i) {
            world.sleep_for(sim::Duration(1 + world.choices().below(5)));
            shared = shared * 31 + 1;
            world.yield();
          }
        });
      return world.run();
    };
    sim::RunResult original = run(config);
    config.replay = original.choices;
    config.seed = 12345;  // ignored when replaying
    sim::RunResult replayed = run(config);
    EXPECT_EQ(replayed.trace_hash, original.trace_hash);
    EXPECT_FALSE(replayed.replay_diverged);
  }
}

}  // namespace
