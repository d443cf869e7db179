#include "scenarios/engine/rollout.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "upgrader/checksum.hpp"

namespace scenarios {

using namespace std::chrono_literals;

Rollout::Rollout(sim::World& world, const Scenario& scenario, Balancer& balancer, std::vector<ServerProcesses*> images,
                 std::vector<Deployer*> deployers, std::vector<Recorder*> recorders)
    : world_(world), sc_(scenario), balancer_(balancer), images_(std::move(images)), deployers_(std::move(deployers)),
      recorders_(std::move(recorders)) {}

void Rollout::spawn(int priority) {
  world_.spawn("rollout", priority, [this] { run(); });
}

void Rollout::run() {
  for (int d = 1; d <= sc_.deploys(); ++d) {
    // A deploy that comes while the one before is still rolling waits for it.
    world_.sleep_until(std::max(world_.now(), sim::Time(sc_.deploy_time(d))));
    for (int i = 0; i < static_cast<int>(images_.size()); ++i)
      if (!upgrade(i, d)) return;
  }
}

bool Rollout::upgrade(int image, int deploy) {
  const std::string& label = images_[static_cast<std::size_t>(image)]->label();
  Recorder& recorder = *recorders_[static_cast<std::size_t>(image)];
  balancer_.drain(image, true);
  recorder.drained(deploy);
  world_.note(fmt::format("rollout: {} drained for deploy {}", label, deploy));
  const sim::Time drain_until = world_.now() + sc_.drain_timeout;
  while (balancer_.in_flight(image) > 0 && world_.now() < drain_until) world_.sleep_for(10ms);
  if (balancer_.in_flight(image) > 0)
    world_.note(fmt::format("rollout: {} still has {} request(s) in flight after drain_timeout_ms; upgrading anyway", label,
                            balancer_.in_flight(image)));

  const std::uint64_t before = snapshot_hash(image);
  Deployer& deployer = *deployers_[static_cast<std::size_t>(image)];
  deployer.deliver(deploy);
  if (!deployer.triggered_at(deploy)) {  // the upload failed: nothing to wait for
    world_.note(fmt::format("rollout halted: the upload of deploy {} to {} failed; it stays out of the balancer", deploy, label));
    return false;
  }
  // As long as it takes: an image still retrying its save is not abandoned, and one that
  // lost the batch holds the rollout here, the images after it left behind.
  while (!taken(image, before)) world_.sleep_for(100ms);
  balancer_.upgraded(image, deploy);
  balancer_.drain(image, false);
  recorder.back_in_service();
  world_.note(fmt::format("rollout: {} took deploy {} and is back in service", label, deploy));
  return true;
}

// What the operator's script can see from outside: the process is up, the trigger is gone
// and the image file was rewritten after the upload began.
bool Rollout::taken(int image, std::uint64_t snapshot_before) const {
  return images_[static_cast<std::size_t>(image)]->current() != nullptr &&
         !world_.fs().exists(deployers_[static_cast<std::size_t>(image)]->trigger_path()) && snapshot_hash(image) != snapshot_before;
}

std::uint64_t Rollout::snapshot_hash(int image) const {
  const auto bytes = world_.fs().peek(images_[static_cast<std::size_t>(image)]->config().snapshot);
  return bytes ? upgrader::fnv1a64(*bytes) : 0;
}

}  // namespace scenarios
