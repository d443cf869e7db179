#pragma once
// The images of one run: `[cluster] images = N` server images, each with its own processes
// (boots and restarts), its own image and snapshot, behind one balancer. They share one
// staging directory (`staging = "shared"`: every image polls it, so a policy must not take a
// batch away from the others) or each has its own (`"per-image"`: the deployer uploads to
// each in turn, a fan-out). With one image everything is named as before clusters existed
// (image.snapshot, load-package/), so a one-image run is the same run, hash for hash.
#include <memory>
#include <string>
#include <vector>

#include "scenarios/engine/server_processes.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios {

// Image `image`'s settings: its snapshot, its staging and quarantine directories, and the
// cluster it polls staging with.
upgrader::ServerConfig image_config(upgrader::ServerConfig base, const Scenario& scenario, int image);
// "image-1" in a cluster; empty for a lone image.
std::string image_label(const Scenario& scenario, int image);

class Cluster {
 public:
  Cluster(sim::World& world, const Scenario& scenario, const upgrader::ServerConfig& base, const upgrader::PolicyFactory& make_policy);

  int size() const { return static_cast<int>(images_.size()); }
  ServerProcesses& image(int i) { return *images_[static_cast<std::size_t>(i)]; }
  std::vector<ServerProcesses*> all();

 private:
  std::vector<std::unique_ptr<ServerProcesses>> images_;
};

}  // namespace scenarios
