#include "scenarios/engine/cluster.hpp"

#include <fmt/format.h>

namespace scenarios {

upgrader::ServerConfig image_config(upgrader::ServerConfig c, const Scenario& sc, int image) {
  if (sc.images <= 1) return c;
  c.snapshot = fmt::format("image-{}.snapshot", image);
  if (sc.cluster_staging == "per-image") {  // alone on its own staging directory
    c.staging_dir = fmt::format("{}-{}", c.staging_dir, image);
    c.quarantine_dir = fmt::format("{}-{}", c.quarantine_dir, image);
  } else {
    c.images = sc.images;
    c.image = image;
  }
  return c;
}

std::string image_label(const Scenario& sc, int image) { return sc.images <= 1 ? std::string() : fmt::format("image-{}", image); }

Cluster::Cluster(sim::World& world, const Scenario& sc, const upgrader::ServerConfig& base, const upgrader::PolicyFactory& make_policy) {
  for (int i = 0; i < sc.images; ++i)
    images_.push_back(std::make_unique<ServerProcesses>(world, image_config(base, sc, i), make_policy, image_label(sc, i)));
}

std::vector<ServerProcesses*> Cluster::all() {
  std::vector<ServerProcesses*> out;
  for (auto& p : images_) out.push_back(p.get());
  return out;
}

}  // namespace scenarios
