#include "scenarios/engine/fault_plan.hpp"

#include <algorithm>

namespace scenarios {

using namespace std::chrono_literals;

FaultPlan::FaultPlan(sim::World& world, const Scenario& scenario, const RunSettings& settings,
                     ServerProcesses& processes, Recorder& recorder, Deployer& deployer)
    : world_(world), sc_(scenario), st_(settings), processes_(processes), recorder_(recorder), deployer_(deployer) {}

void FaultPlan::watch_first_process(ServerProcess& process) {
  process.runtime->on_server_fs_op([this] { before_server_op(); });
}

void FaultPlan::spawn(int priority) {
  const std::string mode = st_.crash_at_op ? "at-op" : st_.crash.value_or(sc_.crash);
  if (mode != "none") world_.spawn("power", priority, [this, mode] { power(mode); });
}

void FaultPlan::before_server_op() {
  if (world_.now() < sc_.deploy_at || crashed_) return;
  ++server_fs_ops_;
  if (st_.crash_at_op && server_fs_ops_ == *st_.crash_at_op) {
    cut_power();
    throw ProcessDied();
  }
}

void FaultPlan::cut_power() {
  crashed_ = true;
  ServerProcess* p = processes_.current();
  if (p != nullptr) recorder_.crashed(*p);
  deployer_.power_cut();
  world_.crash_disk(st_.crash_outcome);
  processes_.kill_current();
}

void FaultPlan::power(const std::string& mode) {
  if (mode == "at-op") {
    while (!crashed_) world_.sleep_for(1ms);
  } else {
    if (mode == "at-install") {
      auto installs = [this] {
        const ServerProcess* p = processes_.current();
        if (p == nullptr) return 0L;
        const auto& events = p->server->events();
        return static_cast<long>(std::count_if(events.begin(), events.end(), [](const auto& e) { return e.kind == "installed"; }));
      };
      while (installs() < sc_.crash_install) world_.sleep_for(1ms);
    } else {
      world_.sleep_until(sc_.deploy_at);
      while (!world_.choices().chance_ppm(sc_.crash_ppm)) world_.sleep_for(1ms);
    }
    cut_power();
  }
  world_.sleep_for(sc_.restart_delay);
  restart();
}

void FaultPlan::restart() {
  ServerProcess& p = processes_.start();
  try {
    p.server->boot();
  } catch (const std::exception& e) {
    recorder_.booted(p, e.what());
    return;  // it stays down
  }
  recorder_.booted(p, std::nullopt);
  p.server->start_watcher();
  processes_.make_current(p);
}

}  // namespace scenarios
