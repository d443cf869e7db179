#pragma once
// The fault plan: when the power goes and how the server comes back. A crash is drawn
// (`random`: a chance per virtual millisecond after the deploy), placed after the
// upgrader's Nth package install (`at-install`), or put right before the server's Nth file
// operation after the deploy began (crash-point enumeration). The disk keeps what the
// simulated filesystem's crash model allows; after the restart delay a new server process
// boots from it.
#include <string>

#include "scenarios/engine/deployer.hpp"
#include "scenarios/engine/recorder.hpp"
#include "scenarios/engine/server_processes.hpp"
#include "scenarios/run_settings.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios {

class FaultPlan {
 public:
  FaultPlan(sim::World& world, const Scenario& scenario, const RunSettings& settings, ServerProcesses& processes,
            Recorder& recorder, Deployer& deployer);

  // Counts (and, at the chosen one, crashes before) the first process's file operations.
  void watch_first_process(ServerProcess& process);
  // Spawns the power fiber when the plan has a crash.
  void spawn(int priority);

  bool crashed() const { return crashed_; }
  int server_fs_ops() const { return server_fs_ops_; }  // first process, after the deploy began

 private:
  void before_server_op();
  void power(const std::string& mode);
  void cut_power();
  void restart();

  sim::World& world_;
  const Scenario& sc_;
  const RunSettings& st_;
  ServerProcesses& processes_;
  Recorder& recorder_;
  Deployer& deployer_;
  bool crashed_ = false;
  int server_fs_ops_ = 0;
};

}  // namespace scenarios
