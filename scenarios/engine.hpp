#pragma once
// The scenario engine: one run of one scenario against one policy under the simulator.
// Data flows one way: the scenario and its settings build a world (engine/: the server's
// processes, the load generator, the deployer, the fault plan), the recorder writes what
// the run showed, and the oracles (oracles/) judge that log after the run.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "scenarios/engine/image_events.hpp"
#include "scenarios/oracles/oracles.hpp"
#include "scenarios/run_settings.hpp"
#include "scenarios/scenario.hpp"
#include "sim/world.hpp"
#include "upgrader/server.hpp"

namespace scenarios {

struct RunReport {
  std::string scenario;
  std::string policy;
  std::uint64_t seed = 0;
  sim::Strategy strategy = sim::Strategy::RandomWalk;
  sim::RunResult run;
  std::vector<Violation> violations;
  std::set<std::string> exercised;        // oracles the run could have tripped
  std::vector<sim::Duration> pauses;      // per completed request: time held back by the upgrade
  std::vector<sim::Duration> upgrade_pauses;  // of those, the requests that overlapped the upgrade
  struct Served {
    sim::Time arrival;
    sim::Duration latency;  // arrival to answer: its own work, waits, and what held it back
    bool on_last_release = false;  // the image already held the run's last release when it arrived
    int image = 0;                 // the image of the cluster that served it
  };
  std::vector<Served> served;  // every completed request, in completion order
  int images = 1;              // the images the run had ([cluster] images, or the settings' override)
  std::vector<ImageEvent> image_events;  // a cluster's: each image's boots, crashes, releases and saves
  struct HeldRequest {
    std::string session;
    sim::Time start, end;
    sim::Duration held;
  };
  std::vector<HeldRequest> held_requests;  // the requests that were held back at all
  std::vector<std::uint64_t> image_sizes;  // snapshot sizes seen on disk after the deploy began
  std::uint64_t fresh_image_bytes = 0;     // the last release's uploads alone, no sessions
  int requests_ok = 0;
  int requests_refused = 0;  // server down or died under the request
  bool crashed = false;
  int crashes = 0;
  std::vector<sim::CrashDecision> crash_decisions;  // the first crash's (crash-state enumeration)
  int server_fs_ops = 0;  // file operations of the server after the deploy began (first process)
  std::vector<std::string> server_op_log;  // those operations, "write image.tmp" (with keep_trace)
  int ops_until_settled = 0;
  std::vector<std::string> yield_points;  // distinct "Class>>selector" send sites reached before the deploy
  bool upgrade_started_at_point = false;
  bool upgraded = false;  // the image ended up holding the last deploy's release
  bool up_at_end = false; // every image's server process was up when the run ended
  std::string trace;      // when keep_trace: readable dump
  std::vector<sim::TraceEvent> events;  // when keep_trace
  std::vector<std::string> fiber_names;  // index = fiber id of the events

  bool fired(const std::string& oracle) const;
};

// Judging off: the recorder and the oracles stay out entirely (the run's trace hash must
// be the same either way; a test holds it to that).
enum class Judging { On, Off };

// The server's settings a scenario decides (poll period, compile cost, session timeout, tries).
upgrader::ServerConfig server_config(const Scenario& scenario);
// The saved image of the last deploy's release alone, no sessions (the image-growth baseline).
std::uint64_t fresh_image_bytes(const Releases& releases);

// What is wrong with `settings` for this scenario ("" if nothing): an images override must be
// from 1 to the scenario's own count (a shrink keeps the first images; it never adds any).
std::string settings_problem(const RunSettings& settings, const Scenario& scenario);

// Throws ScenarioError when the policy is unknown, the old release does not install or the
// settings do not fit the scenario (settings_problem).
RunReport run_scenario(const Scenario& scenario, const std::string& policy, const RunSettings& settings,
                       Judging judging = Judging::On);

}  // namespace scenarios
