#include "cli/live.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include "cli/commands.hpp"
#include "scenarios/live/live_suite.hpp"
#include "scenarios/live/run_dir.hpp"
#include "scenarios/policy_override.hpp"
#include "scenarios/validate.hpp"

namespace cli {

namespace {

std::string fired_list(const scenarios::Cell& cell) {
  std::string out;
  for (const auto& [oracle, count] : cell.fired) out += fmt::format("{}{}", out.empty() ? "" : ", ", oracle);
  return out.empty() ? "-" : out;
}

double ms(std::chrono::nanoseconds d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string latency(const scenarios::LatencyHistogram& h) {
  if (h.count() == 0) return "no requests";
  return fmt::format("{} requests, p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms", h.count(), ms(h.percentile(0.5)),
                     ms(h.percentile(0.99)), ms(h.max()));
}

void print(const scenarios::live::LiveSuiteResult& result) {
  fmt::print("\n{:<22} {:<9} {:<36} {:<36} {}\n", "scenario", "policy", "live: fired", "simulator (its own seeds): fired", "verdict");
  for (const auto& c : result.cells)
    fmt::print("{:<22} {:<9} {:<36} {:<36} {}\n", c.live.scenario, c.live.policy, fired_list(c.live), fired_list(c.sim),
               c.inconclusive ? "INCONCLUSIVE" : !c.live.ok() ? "FAIL" : c.sim.ok() ? "ok, agrees with the simulator"
                                                                                    : "ok live; the simulator's cell fails");
  fmt::print("\nreal request latency, arrival to answer (requests arriving from the trigger until the new release was in):\n");
  for (const auto& c : result.cells)
    fmt::print("  {} {}: during the upgrade {}; whole run {}; {} crash(es), {:.1f} s\n", c.live.scenario, c.live.policy,
               latency(c.upgrade_latency), latency(c.all_latency), c.crashes, c.wall_seconds);
  std::set<std::string> printed;
  for (const auto& c : result.cells) {
    if (c.skipped.empty() || !printed.insert(c.live.scenario).second) continue;
    fmt::print("\n{}: not as in the simulator{}:\n", c.live.scenario,
               c.expectations_judged ? "" : " (its expected hazards are not judged live)");
    for (const std::string& s : c.skipped) fmt::print("  - {}\n", s);
  }
  for (const auto& c : result.cells) {
    if (c.violations.empty()) continue;
    fmt::print("\n{} {} fired live:\n", c.live.scenario, c.live.policy);
    for (const std::string& v : c.violations) fmt::print("  {}\n", v);
  }
  for (const auto& c : result.cells) {
    if (c.inconclusive) fmt::print("\nINCONCLUSIVE {} {}: {}\n", c.live.scenario, c.live.policy, *c.inconclusive);
    if (!c.inconclusive)
      for (const std::string& p : c.live.problems) fmt::print("\nFAIL {} {}: {}\n", c.live.scenario, c.live.policy, p);
    for (const std::string& d : c.kept_dirs) fmt::print("kept: {}\n", d);
  }
  fmt::print("\nLive runs are not deterministic (real scheduling, real directory order): they cannot be replayed bit for bit and\n"
             "write no repro. To replay a failure, run the simulator on the same scenario: hotsim run <file> --seed N.\n");
}

}  // namespace

int live_command(const LiveCommandOptions& o) {
  try {
    std::vector<scenarios::Scenario> loaded;
    for (const auto& f : scenario_files(o.inputs)) {
      loaded.push_back(scenarios::load_scenario(f));
      if (!o.policies.empty()) scenarios::override_policies(loaded.back(), o.policies, "--policies");
    }
    if (loaded.empty()) throw scenarios::ScenarioError("hotsim live", 0, "no scenario files in the inputs");
    scenarios::validate(loaded);  // every input, before any run starts
    scenarios::live::LiveSuiteOptions options;
    options.run.time_scale = o.time_scale;
    options.run.sessions = o.sessions;
    options.run.keep_dirs = o.keep;
    const char* tmp = std::getenv("TMPDIR");
    options.run.base_dir = !o.dir.empty() ? o.dir : tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
    options.seeds = o.seeds;
    options.first_seed = o.seed;
    double planned = 0;
    for (const auto& sc : loaded)
      planned += static_cast<double>(sc.policies.size()) * o.seeds * std::chrono::duration<double>(sc.duration).count() * o.time_scale;
    fmt::print("hotsim live: {} scenario(s), time scale {}, {} seed(s) per cell, about {:.0f} s of real time; run directories in {}\n",
               loaded.size(), o.time_scale, o.seeds, planned, options.run.base_dir);
    const auto result = scenarios::live::run_live_suite(loaded, options, [](const std::string& line) {
      fmt::print("  ran {}\n", line);
      std::fflush(stdout);
    });
    print(result);
    return result.ok() ? 0 : 1;
  } catch (const scenarios::live::RunDirError& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    return error_status(e);
  }
}

}  // namespace cli
