#pragma once
// A rolling upgrade (`[cluster] upgrade = "rolling"`): the operator's script and the load
// balancer's drain API, outside every image. For each deploy, in its turn, image by image:
// drain the image (the balancer sends it nothing new and moves its sessions to images still
// in service), wait for its requests in flight (at most drain_timeout_ms), upload the batch to
// its own staging directory and write the trigger (the image's deployer), then wait until the
// image has taken it: its process up, the trigger gone and its snapshot rewritten since. Only
// then does it get traffic back, marked as upgraded (sessions it serves from then on are not
// sent back to images still on the older release), and the next image's turn begins. It
// waits as long as that takes (an image retrying a failed save is not abandoned); an image
// that never takes the batch (it lost it) holds the rollout there, out of the balancer, and
// the images after it stay behind, as a careful script leaves them.
// Policies learn nothing new: each image only finds a trigger in its own staging directory.
#include <vector>

#include "scenarios/engine/balancer.hpp"
#include "scenarios/engine/deployer.hpp"
#include "scenarios/engine/recorder.hpp"
#include "scenarios/engine/server_processes.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios {

class Rollout {
 public:
  // One deployer and one recorder per image, in the balancer's order.
  Rollout(sim::World& world, const Scenario& scenario, Balancer& balancer, std::vector<ServerProcesses*> images,
          std::vector<Deployer*> deployers, std::vector<Recorder*> recorders);

  // The operator's fiber: every deploy from its time on, one rollout after another.
  void spawn(int priority);

 private:
  void run();
  // Image `image`'s turn for deploy `deploy`; false when its upload failed (halt).
  bool upgrade(int image, int deploy);
  bool taken(int image, std::uint64_t snapshot_before) const;
  std::uint64_t snapshot_hash(int image) const;

  sim::World& world_;
  const Scenario& sc_;
  Balancer& balancer_;
  std::vector<ServerProcesses*> images_;
  std::vector<Deployer*> deployers_;
  std::vector<Recorder*> recorders_;
};

}  // namespace scenarios
