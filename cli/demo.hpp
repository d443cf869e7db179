#pragma once
// `hotsim demo`: the seed post's polling loader in miniature, run on the simulation kernel
// alone (sessions, a deployer, a 5 s poll loop over a simulated staging directory, and a
// power cut). It shows what a run, its trace and its replay look like.
#include <cstdint>
#include <string>

#include "sim/world.hpp"

namespace cli {

struct DemoOptions {
  std::uint64_t seed = 1;
  sim::Strategy strategy = sim::Strategy::RandomWalk;
  int sessions = 20;
  bool crash = true;
  bool print_trace = false;
};

struct DemoReport {
  sim::RunResult result;
  int requests = 0;
  int packages_installed = 0;
  std::string disk_after_crash;
  std::string trace_dump;
};

DemoReport run_demo(const DemoOptions& options);

}  // namespace cli
