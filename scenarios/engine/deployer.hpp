#pragma once
// The deployer: the operator uploading each release into the staging directory from
// outside the server (scp), file by file in chunks, and writing the trigger the policy asks
// for (an empty `load`, or a manifest written aside and renamed into place). A power cut
// breaks the upload; the operator uploads everything again once the server is back.
// Several deploys (N -> N+1 -> N+2) run each at its own time and may overlap: a later one
// uploads while an earlier one is still uploading or staged, but writes its trigger only
// once the earlier trigger is written and gone (taken by the server): an operator never
// overwrites a request the server has not taken.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/engine/recorder.hpp"
#include "scenarios/engine/server_processes.hpp"
#include "scenarios/oracles/evidence.hpp"
#include "scenarios/scenario.hpp"
#include "upgrader/policy.hpp"

namespace scenarios {

class Deployer {
 public:
  // `label`: in a per-image cluster, the image this deployer uploads to ("image-1"), before
  // its fibers' names (the fan-out: one deployer per image, each on its own staging).
  Deployer(sim::World& world, const Scenario& scenario, const Releases& releases, ServerProcesses& processes,
           Recorder& recorder, upgrader::Policy::Trigger format, std::string label = {});

  // Before the run: what an earlier deploy left in staging (the scenario's `leftovers`).
  void stage_leftovers();
  // The scenario's deploys from `first` on (1-based), each at its time.
  void spawn(int priority, int first = 1);
  // Update points: the first deploy's packages staged whole and durable before the run; its
  // trigger is written later, by trigger_now().
  void stage_whole_batch();
  void trigger_now();
  // The operator's cron job ([deploy] cron), when the scenario has one: every day at its
  // time, an empty trigger (a save with no packages) unless a trigger is staged already.
  void spawn_cron(int priority);
  // The power went: an upload in progress (or waiting to trigger) fails at its next step.
  void power_cut() {
    for (Upload& u : uploads_)
      if (!u.triggered_at) u.interrupted = true;
  }
  // When the first deploy wrote its trigger.
  std::optional<sim::Time> triggered_at() const { return uploads_.front().triggered_at; }
  // A rolling upgrade: deploy `deploy` (1-based) uploaded and triggered now, in the caller's
  // fiber (the rollout's, once it has drained this image), instead of at its time; and when
  // that wrote its trigger (nullopt: the upload failed).
  void deliver(int deploy);
  std::optional<sim::Time> triggered_at(int deploy) const;
  const std::string& trigger_path() const { return trigger_path_; }

 private:
  struct Upload {
    int deploy = 1;
    std::vector<std::size_t> packages;  // indices in Releases::new_packages
    std::optional<sim::Time> triggered_at;
    bool interrupted = false;
    std::optional<std::string> manifest;  // drawn at its first use
  };
  void deploy(Upload& u);
  void deliver(Upload& u);
  void cron();
  void upload(Upload& u);
  void wait_for_earlier_trigger(Upload& u);
  void write_trigger(Upload& u);
  std::string trigger_bytes(Upload& u);
  std::function<std::size_t(std::size_t)> draw();

  sim::World& world_;
  const Scenario& sc_;
  const Releases& releases_;
  ServerProcesses& processes_;
  Recorder& recorder_;
  upgrader::Policy::Trigger format_;
  std::string staging_, trigger_path_;
  std::string label_;
  std::vector<Upload> uploads_;  // one per deploy, in order
};

}  // namespace scenarios
