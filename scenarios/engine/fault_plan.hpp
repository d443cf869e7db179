#pragma once
// The fault plan: when the power goes (or only the server process dies), what the disk
// keeps, and how the server comes back. A crash is drawn (`random`: a chance per virtual
// millisecond after the deploy, up to `crashes` times), placed after the upgrader's Nth
// package install (`at-install`), or put at the server's Nth file operation after the
// deploy began (crash-point enumeration; a write there is torn), with the crash state chosen
// by the settings; a second crash can land at the Nth file operation of the recovery. While
// the power is off a durable file may rot (media faults); after the restart delay a new
// server process boots from what is left. Disk-full windows make writes fail with ENOSPC,
// and I/O errors are injected into the server's reads, writes and fsyncs.
//
// In a cluster image 0 has the plan the settings address (crash points, crash states, the
// disk-full window); with `[faults] strike = "every-image"` every other image has a plan of
// its own too, for drawn crashes and I/O errors only: its process dies and restarts on its
// own clock.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/engine/deployer.hpp"
#include "scenarios/engine/recorder.hpp"
#include "scenarios/engine/server_processes.hpp"
#include "scenarios/run_settings.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios {

class FaultPlan {
 public:
  // `addressed`: the plan crash points and crash-state settings address (image 0's); it
  // counts its server's file operations.
  FaultPlan(sim::World& world, const Scenario& scenario, const RunSettings& settings, ServerProcesses& processes,
            Recorder& recorder, Deployer& deployer, bool addressed = true);

  // Counts (and, at the chosen one, crashes at) a process's file operations, and injects its
  // I/O errors.
  void watch(ServerProcess& process);
  // Spawns the power fiber when the plan has a crash, and the disk-full window.
  void spawn(int priority);
  // Only the power fiber, named `name` (another image's plan: the disk is the world's).
  void spawn_power(int priority, const std::string& name);

  bool crashed() const { return crashes_ > 0; }
  int crashes() const { return crashes_; }
  int server_fs_ops() const { return ops_[0]; }  // first process, after the deploy began
  // The decisions the first crash took (crash-state enumeration walks their siblings).
  const std::vector<sim::CrashDecision>& first_crash() const { return first_crash_; }
  // The first process's file operations after the deploy began ("write image.tmp"), up to
  // and including the one the crash struck. Kept only with RunSettings::keep_trace.
  const std::vector<std::string>& ops() const { return op_log_; }

 private:
  void before_server_op(int process, std::string_view op, const std::string& path);
  void crash_now(int process);
  void power(const std::string& mode);
  void wait_for_crash(const std::string& mode);
  void cut_power(sim::SimFs::CrashOutcome outcome, std::uint64_t state);
  void rot_media();
  void restart();
  void disk_full();

  sim::World& world_;
  const Scenario& sc_;
  const RunSettings& st_;
  ServerProcesses& processes_;
  Recorder& recorder_;
  Deployer& deployer_;
  bool addressed_;
  int crashes_ = 0;
  int ops_[2] = {0, 0};  // the first process's (after the deploy) and the first restart's
  bool booting_ = false;
  std::vector<sim::CrashDecision> first_crash_;
  std::vector<std::string> op_log_;
};

}  // namespace scenarios
