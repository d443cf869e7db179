#pragma once
// A scenario file (TOML): the app, the load, the deployer, the faults, the policies to run,
// the budgets, the seeds and strategy, and the expected outcome per policy. See
// scenarios/README.md for every key. Unknown keys and bad values are errors with file:line.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "scenarios/load_curve.hpp"
#include "sim/ready_queue.hpp"

namespace scenarios {

class ScenarioError : public std::runtime_error {
 public:
  ScenarioError(std::string file, int line, const std::string& message);
  const std::string& file() const { return file_; }
  int line() const { return line_; }

 private:
  std::string file_;
  int line_;
};

using Millis = std::chrono::milliseconds;

// The most images a [cluster] runs (a scenario file and a repro's images override alike).
constexpr int kMaxImages = 8;

// The oracles a scenario can expect to fire, with the short name tables use
// (scenarios/oracles/oracles.hpp says what each checks).
struct OracleName {
  std::string name, abbreviation;
};
inline const std::vector<OracleName>& oracle_table() {
  static const std::vector<OracleName> table{
      {"torn-request", "torn"},       {"dnu-by-upgrade", "dnu"},   {"lost-session", "lostS"},
      {"pause-budget", "pause"},      {"eventual-upgrade", "evntl"}, {"refused-good-batch", "refuse"},
      {"bounded-retry", "retry"},     {"clean-completion", "clean"}, {"liveness", "live"},
      {"lost-upgrade", "lostU"},      {"restart-fidelity", "fidel"}, {"cannot-boot", "noboot"},
      {"torn-package", "tornP"},      {"image-growth", "growth"},    {"lost-local-change", "local"},
      {"converged", "conv"},          {"version-skew", "skew"},      {"drained-upgrade", "drain"}};
  return table;
}
inline const std::vector<std::string>& oracle_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& o : oracle_table()) n.push_back(o.name);
    return n;
  }();
  return names;
}

struct Scenario {
  std::string path;      // the file it came from
  std::string checksum;  // of the file's bytes: a repro names the exact scenario it ran
  std::string name;
  std::string description;

  // [app]
  // Package files as paths relative to app_dir ("old/Shop-Kernel-1.pkg", "v3/Shop-Kernel-3.pkg"):
  // a list in the file names files in old/ (new/), a directory "v1/" every *.pkg in it.
  std::string app_dir;                    // absolute
  std::vector<std::string> old_packages;  // release 0, installed at boot
  std::vector<std::string> new_packages;  // release 1, uploaded by the first deploy
  // Later releases (N+2, N+3, ...), one per later deploy. Release k is release k-1 with its
  // files replacing their namesakes (package names).
  std::vector<std::vector<std::string>> next_packages;
  // A local change: a package file (relative to app_dir) whose methods are typed into the
  // production image after boot, attributed to no package (upgrader/local_change.hpp);
  // "" for none. Never staged: only the image holds it.
  std::string local_change;

  // [load]
  int sessions = 10;
  int idle_sessions = 0;
  std::vector<std::string> requests{"view"};  // entry selectors, drawn uniformly
  Millis think_min{100}, think_max{2000};
  Millis session_timeout{std::chrono::minutes(10)};
  std::string session_class = "ShopSession";
  LoadCurve curve;  // think times by virtual time of day (the run starts at 00:00); flat: none

  // [deploy]
  Millis deploy_at{std::chrono::seconds(3)};  // the first deploy (the `new` release)
  std::vector<Millis> next_deploy_at;         // one per next release, in order, not before deploy_at
  int chunks = 1;  // each package file is written in this many appends
  Millis chunk_interval{200};
  std::string order = "dependency";  // upload order: dependency | reverse | shuffled | name
  std::string manifest_order = "dependency";  // order of the manifest's entries: same choices
  std::string trigger = "after";     // after: once every file is complete; early: before the first file
  bool fsync_uploads = true;
  // What an earlier deploy left in staging before this run begins (empty: a clean staging
  // directory): any of old-packages, stale-trigger, earlier-build (scenarios/README.md).
  std::vector<std::string> leftovers;
  // The operator's cron job: every day at this time of day (since midnight) it stages an
  // empty trigger, unless one is staged already: a save (and housekeeping) with no packages.
  std::optional<Millis> cron;

  // [faults]
  std::string crash = "none";  // none | at-install | random
  int crash_install = 1;       // at-install: right after the upgrader's Nth package install
  std::uint32_t crash_ppm = 0; // random: chance per millisecond after the deploy, parts per million
  Millis restart_delay{1000};
  int crashes = 1;                // random: power cuts per run at most (each after a restart)
  std::string kill = "power";     // power: the machine loses power; process: only the server process dies
  std::string media = "none";     // none | bit-flip | zero-block: a durable file rots while the power is off
  Millis disk_full{0};            // once the trigger is staged, the disk is full for this long (ENOSPC)
  // In a cluster: first-image: crashes and I/O errors strike image 0 only (crash points and
  // update points always address it); every-image: each image's process has crashes and
  // I/O errors of its own, drawn independently, and restarts on its own.
  std::string strike = "first-image";

  // [filesystem]: the persistence model (docs/crash-model.md) and I/O errors per operation.
  std::string fs_model = "posix";  // posix | ext4-ordered
  std::uint32_t read_error_ppm = 0, write_error_ppm = 0, fsync_error_ppm = 0;

  // [server]
  Millis poll_period{5000};
  Millis compile_per_method{20};
  int max_tries = 3;

  // [cluster]: several images behind a load balancer (scenarios/engine/cluster.hpp).
  int images = 1;                     // 1 to kMaxImages server images, each with its own image and snapshot
  std::string cluster_staging = "shared";  // shared: one staging directory; per-image: the deployer fans out
  std::string balance = "sticky";     // sticky (failover when its image is down) | round-robin
  // release-blind: any image that is up may serve any session; release-aware: the balancer
  // asks each image's release and never sends a session to one behind what it was served.
  std::string routing = "release-blind";
  Millis max_mixed{-1};               // converged: longest the images may serve different releases (-1: liveness)
  // all-at-once: every image gets each deploy as it comes; rolling: one image at a time,
  // drained by the balancer first (per-image staging; scenarios/engine/rollout.hpp).
  std::string cluster_upgrade = "all-at-once";
  Millis drain_timeout{std::chrono::seconds(10)};  // rolling: longest the rollout waits for in-flight requests
  bool rolling() const { return cluster_upgrade == "rolling"; }

  // [budgets]
  Millis max_pause{2000};
  double max_image_growth = 0;  // saved image bytes after the deploy / fresh image bytes; 0: no budget
  Millis liveness{std::chrono::seconds(30)};  // must elapse within the run (checked)
  int max_retries_without_report = 5;

  // [run]
  std::vector<std::string> policies{"seed", "priority", "safe"};
  int seeds = 20;
  std::uint64_t first_seed = 0;
  sim::Strategy strategy = sim::Strategy::RandomWalk;
  Millis duration{std::chrono::seconds(60)};
  // Whether `--crash-points` / `--update-points` sweep this scenario (one run per point).
  // A release of real size has hundreds of points; its hazards are load order and pauses.
  bool point_sweeps = true;

  // [expect.<policy>]: `fire`, the oracles that must fire (in at least one seed); `allow`,
  // those that may; every other oracle must not fire in any seed.
  std::map<std::string, std::set<std::string>> expect;
  std::map<std::string, std::set<std::string>> allow;

  // Deploys: 1 (the `new` release) + one per next release.
  int deploys() const { return 1 + static_cast<int>(next_packages.size()); }
  // When deploy d (1-based) starts.
  Millis deploy_time(int d) const { return d <= 1 ? deploy_at : next_deploy_at[static_cast<std::size_t>(d - 2)]; }
  // The package files of release r (0: old, 1: new, 2...: next), as paths.
  std::vector<std::string> release_files(int r) const;
  // Every package file the scenario uses, as paths: old, new, then the next releases', then
  // the local change's.
  std::vector<std::string> package_files() const;
};

// Parses a scenario file. Relative paths in it are relative to the file's directory.
Scenario load_scenario(const std::string& path);
Scenario parse_scenario(const std::string& text, const std::string& path);

}  // namespace scenarios
