#pragma once
// Runs the sample shop under the simulator: a server booted with v1 (installed and saved),
// sessions issuing requests, a deployer uploading v2 (for `safe` with a manifest renamed
// into place last), and optionally a power cut followed by a restart. What it reports is
// computed from the package files, not from the upgrader's bookkeeping.
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "scenarios/sim_runtime.hpp"
#include "upgrader/server.hpp"

namespace testing_support {

struct ShopRun {
  std::string policy = "safe";
  upgrader::ServerConfig config;
  std::uint64_t seed = 0;
  int sessions = 5;       // each issues requests
  int idle_sessions = 0;  // opened at boot, never used again
  int think_min_ms = 100;
  int think_max_ms = 2100;
  // The order of v2's files in the upload and the manifest (empty: dependency order).
  std::vector<std::string> upload_order;
  // Replaces the deployer's upload of v2 (bad-input tests stage their own files).
  std::function<void(sim::SimFs&)> custom_upload;
  // Cut the power (then restart) the first time this holds for the server's events.
  std::function<bool(const std::vector<upgrader::UpgradeEvent>&)> crash_when;
};

struct ShopResult {
  std::map<std::string, std::int64_t> packages;  // final image (after restart, if any)
  std::vector<upgrader::UpgradeEvent> events;    // of the server that ran last
  int requests_ok = 0;
  std::vector<std::string> request_errors;
  int torn_requests = 0;  // ran methods of the old release and of the new one
  bool crashed = false;
  // At restart: v2 packages neither in the booted image nor still staged.
  std::vector<std::string> lost_after_restart;
  sim::RunResult run;
  std::string final_snapshot;  // encoded final image
};

ShopResult run_shop(const ShopRun& options);

// (package, version) pairs of v1 and v2, read from the files.
std::set<std::pair<std::string, std::int64_t>> release_versions(const std::string& dir);

}  // namespace testing_support
