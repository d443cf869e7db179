#pragma once
// One image's server processes: one per boot, each with its own runtime binding (its fibers,
// its CPU spans) and its own upgrader::Server; the current one is null while the power is off.
// Dead processes are kept until the world ends, since their fibers unwind only then. In a
// cluster each image has its own (config().image, its own snapshot; scenarios/engine/cluster.hpp).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "scenarios/sim_runtime.hpp"
#include "upgrader/policy.hpp"
#include "upgrader/server.hpp"

namespace scenarios {

struct ServerProcess {
  std::unique_ptr<SimRuntime> runtime;
  std::unique_ptr<upgrader::Server> server;
  int index() const { return runtime->index(); }
};

class ServerProcesses {
 public:
  // `label`: the image's name in a cluster ("image-1"), before its fibers' names; empty alone.
  ServerProcesses(sim::World& world, upgrader::ServerConfig config, upgrader::PolicyFactory make_policy, std::string label = {})
      : world_(world), config_(std::move(config)), make_policy_(std::move(make_policy)), label_(std::move(label)) {}

  // Runs for every process started (the recorder attaches to each).
  void on_start(std::function<void(ServerProcess&)> hook) { on_start_ = std::move(hook); }

  // A new process, not yet booted (requests reach it once it is made current).
  ServerProcess& start() {
    auto p = std::make_unique<ServerProcess>();
    p->runtime = std::make_unique<SimRuntime>(world_, static_cast<int>(all_.size()), label_);
    p->server = std::make_unique<upgrader::Server>(*p->runtime, config_, make_policy_());
    all_.push_back(std::move(p));
    if (on_start_) on_start_(*all_.back());
    return *all_.back();
  }
  // Booted: requests go to it from now on.
  void make_current(ServerProcess& p) { current_ = &p; }
  // The power goes: every fiber of the current process unwinds at its next yield point.
  void kill_current() {
    if (current_ == nullptr) return;
    current_->runtime->kill_all();
    current_ = nullptr;
  }
  // A process dies (the latest may still be booting): its fibers unwind at their next yield.
  void kill(ServerProcess& p) {
    p.runtime->kill_all();
    if (current_ == &p) current_ = nullptr;
  }
  ServerProcess* current() const { return current_; }
  ServerProcess& latest() const { return *all_.back(); }
  ServerProcess& first() const { return *all_.front(); }
  const upgrader::ServerConfig& config() const { return config_; }
  const std::string& label() const { return label_; }

 private:
  sim::World& world_;
  upgrader::ServerConfig config_;
  upgrader::PolicyFactory make_policy_;
  std::string label_;
  std::function<void(ServerProcess&)> on_start_;
  std::vector<std::unique_ptr<ServerProcess>> all_;
  ServerProcess* current_ = nullptr;
};

}  // namespace scenarios
