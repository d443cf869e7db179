#pragma once
// The server under test: an image serving session requests, a staging watcher (the
// "code loader" fiber) and the upgrade policy it runs each poll period.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "upgrader/image.hpp"
#include "upgrader/interpreter.hpp"
#include "upgrader/policy.hpp"
#include "upgrader/runtime.hpp"

namespace upgrader {

struct ServerConfig {
  std::string staging_dir = "load-package";  // as in the post
  std::string trigger = "load";
  std::string snapshot = "image.snapshot";
  std::string quarantine_dir = "quarantine";
  // safe: names each local change (a method typed into the image) an upgrade overwrote.
  std::string local_changes_report = "local-changes.txt";
  Duration poll_period = std::chrono::seconds(5);
  int request_priority = 30;  // Squeak's userBackgroundPriority, where Seaside runs
  Duration compile_cost_per_method = std::chrono::milliseconds(20);  // Monticello loads take seconds
  Duration session_timeout = std::chrono::minutes(10);
  int max_tries = 3;  // safe: a bad batch is quarantined after this many failed polls
  std::uint64_t max_package_bytes = 16 << 20;  // a bigger staged file is refused unread
  // A cluster: `images` images poll this staging directory (1: this one alone); this one is
  // number `image` among them. A policy that shares staging must not take a batch away from
  // the others (safe: each image acknowledges what it installed; the last one cleans up).
  int images = 1;
  int image = 0;
};

// What the upgrader did, for logs, tests and reports (the oracles do not trust it).
struct UpgradeEvent {
  Time at;
  std::string kind;  // installed, published, saved, error, quarantined, booted, removed
  std::string detail;
  std::uint64_t bytes = 0;  // saved: snapshot size
};


class Server {
 public:
  Server(Runtime& runtime, ServerConfig config, std::unique_ptr<Policy> policy);

  // Boots from the snapshot when there is one (a corrupt one is an error: nothing is
  // guessed), else from an empty image.
  void boot();
  // Forks the code loader at the policy's priority; it polls until stop_watcher().
  void start_watcher();
  void stop_watcher() { watching_ = false; }
  // One poll of the policy, as the watcher does each period: errors are recorded, not thrown,
  // and a poll that finds another one still running returns at once (one loader at a time).
  void poll_once();

  std::uint64_t new_session(const std::string& root_class);
  // Runs one request; throws MessageNotUnderstood / RequestError, or RequestError for a
  // session that does not exist.
  Value request(std::uint64_t session, const std::string& selector, MethodObserver* observer = nullptr);

  // Runs the class-side initializers of a package on the current release.
  void run_initializers(const Package& package);
  std::uint64_t save();
  // Where copy N of the image lives (0: the snapshot path itself).
  std::string snapshot_copy(int copy) const;
  void record(std::string kind, std::string detail, std::uint64_t bytes = 0);

  Image& image() { return image_; }
  Runtime& runtime() { return runtime_; }
  const ServerConfig& config() const { return config_; }
  Policy& policy() { return *policy_; }
  const std::vector<UpgradeEvent>& events() const { return events_; }
  std::string staging_path(const std::string& name) const { return config_.staging_dir + "/" + name; }

 private:
  Runtime& runtime_;
  ServerConfig config_;
  std::unique_ptr<Policy> policy_;
  Image image_;
  Interpreter interpreter_;
  std::vector<UpgradeEvent> events_;
  bool watching_ = false;
  bool polling_ = false;
};

}  // namespace upgrader
