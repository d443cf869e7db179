#pragma once
// The deployer: the operator uploading the new release into the staging directory from
// outside the server (scp), file by file in chunks, and writing the trigger the policy asks
// for (an empty `load`, or a manifest written aside and renamed into place). A power cut
// breaks the upload; the operator uploads everything again once the server is back.
#include <optional>
#include <string>

#include "scenarios/engine/recorder.hpp"
#include "scenarios/engine/server_processes.hpp"
#include "scenarios/oracles/evidence.hpp"
#include "scenarios/scenario.hpp"
#include "upgrader/policy.hpp"

namespace scenarios {

class Deployer {
 public:
  Deployer(sim::World& world, const Scenario& scenario, const Releases& releases, ServerProcesses& processes,
           Recorder& recorder, upgrader::Policy::Trigger format);

  // Before the run: what an earlier deploy left in staging (the scenario's `leftovers`).
  void stage_leftovers();
  // The scenario's upload, at its deploy time.
  void spawn(int priority);
  // Update points: every package staged whole and durable before the run; the trigger is
  // written later, by trigger_now().
  void stage_whole_batch();
  void trigger_now();
  // The power went: an upload in progress fails at its next chunk.
  void power_cut() {
    if (!triggered_at_) interrupted_ = true;
  }
  std::optional<sim::Time> triggered_at() const { return triggered_at_; }

 private:
  void deploy();
  void upload();
  void write_trigger();
  std::string trigger_bytes();
  std::string earlier_build(std::size_t k) const;  // the manifest's order is drawn at its first use

  sim::World& world_;
  const Scenario& sc_;
  const Releases& releases_;
  ServerProcesses& processes_;
  Recorder& recorder_;
  upgrader::Policy::Trigger format_;
  std::string staging_, trigger_path_;
  std::optional<sim::Time> triggered_at_;
  bool interrupted_ = false;
  std::optional<std::string> manifest_;
};

}  // namespace scenarios
