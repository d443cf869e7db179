#include "scenarios/engine/deployer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "upgrader/checksum.hpp"
#include "upgrader/manifest.hpp"
#include "upgrader/package.hpp"

namespace scenarios {

using namespace std::chrono_literals;

namespace {
struct UploadInterrupted {};

// The new release's packages in an order the harness derives from the packages themselves:
// "dependency" (each after the batch packages it requires; ties in the scenario's order),
// its reverse, by file name, or shuffled from the choice stream.
std::vector<std::size_t> package_order(const std::string& how, const Releases& releases, sim::World& world) {
  const auto& pkgs = releases.new_packages;
  std::vector<std::size_t> order;
  if (how == "name") {
    order.resize(pkgs.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return releases.new_files[a] < releases.new_files[b]; });
    return order;
  }
  std::vector<bool> placed(pkgs.size(), false);
  auto ready = [&](std::size_t k) {
    for (const auto& r : pkgs[k].requirements)
      for (std::size_t j = 0; j < pkgs.size(); ++j)
        if (!placed[j] && j != k && pkgs[j].name == r.package) return false;
    return true;
  };
  while (order.size() < pkgs.size()) {
    std::size_t next = pkgs.size();
    for (std::size_t k = 0; k < pkgs.size() && next == pkgs.size(); ++k)
      if (!placed[k] && ready(k)) next = k;
    if (next == pkgs.size())  // a cycle: the rest as listed
      for (std::size_t k = 0; k < pkgs.size() && next == pkgs.size(); ++k)
        if (!placed[k]) next = k;
    placed[next] = true;
    order.push_back(next);
  }
  if (how == "reverse") std::reverse(order.begin(), order.end());
  if (how == "shuffled")
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[world.choices().below(i)]);
  return order;
}
}  // namespace

Deployer::Deployer(sim::World& world, const Scenario& scenario, const Releases& releases, ServerProcesses& processes,
                   Recorder& recorder, upgrader::Policy::Trigger format)
    : world_(world), sc_(scenario), releases_(releases), processes_(processes), recorder_(recorder), format_(format),
      staging_(processes.config().staging_dir), trigger_path_(staging_ + "/" + processes.config().trigger) {}

std::string Deployer::trigger_bytes() {
  if (format_ == upgrader::Policy::Trigger::Empty) return "";
  if (!manifest_) {  // drawn once per run: every copy of the trigger is the same request
    std::vector<upgrader::ManifestEntry> manifest;
    for (const std::size_t i : package_order(sc_.manifest_order, releases_, world_))
      manifest.push_back({releases_.new_files[i], releases_.new_packages[i].checksum, 0});
    manifest_ = upgrader::render_manifest(manifest);
  }
  return *manifest_;
}

void Deployer::write_trigger() {
  auto& fs = world_.fs();
  if (format_ == upgrader::Policy::Trigger::Manifest) {
    // Written aside and renamed, so the trigger never exists half-written.
    fs.write(trigger_path_ + ".tmp", trigger_bytes());
    if (sc_.fsync_uploads) fs.fsync(trigger_path_ + ".tmp");
    fs.rename(trigger_path_ + ".tmp", trigger_path_);
  } else {
    fs.write(trigger_path_, "");
  }
  if (sc_.fsync_uploads) fs.fsync_dir(staging_);
}

// An earlier build of new package k: the same name and version with slightly different
// code (one more step in its first method, or one more field), sealed like any package.
// Complete and valid, but not what this deploy names.
std::string Deployer::earlier_build(std::size_t k) const {
  upgrader::Package p = releases_.new_packages[k];
  if (!p.methods.empty()) p.methods.front().body.push_back({upgrader::Step::Kind::Cpu, "", "", {}, 1, 0});
  else if (!p.classes.empty()) p.classes.front().fields.push_back("earlierBuild");
  return upgrader::render_package(p);
}

void Deployer::stage_leftovers() {
  if (sc_.leftovers.empty()) return;
  auto& fs = world_.fs();
  auto has = [&](const char* kind) { return std::find(sc_.leftovers.begin(), sc_.leftovers.end(), kind) != sc_.leftovers.end(); };
  auto put = [&](const std::string& name, const std::string& bytes) {
    fs.write(staging_ + "/" + name, bytes);
    fs.fsync(staging_ + "/" + name);
  };
  if (has("old-packages"))  // the release in production, staged again (an old upload never cleaned up)
    for (const auto& p : releases_.old_packages) put(p.source.substr(p.source.rfind('/') + 1), upgrader::render_package(p));
  // An interrupted earlier deploy of an earlier build: every file but the last it would
  // have uploaded (in dependency order), under the names this deploy uses.
  const auto order = package_order("dependency", releases_, world_);
  if (has("earlier-build"))
    for (std::size_t i = 0; i + 1 < order.size(); ++i) put(releases_.new_files[order[i]], earlier_build(order[i]));
  if (has("stale-trigger")) {  // and its trigger: naming the earlier build, so never loadable whole
    std::string bytes;
    if (format_ == upgrader::Policy::Trigger::Manifest) {
      std::vector<upgrader::ManifestEntry> manifest;
      for (const std::size_t k : order) manifest.push_back({releases_.new_files[k], upgrader::checksum_text(earlier_build(k)), 0});
      bytes = upgrader::render_manifest(manifest);
    }
    put(processes_.config().trigger, bytes);
  }
  fs.fsync_dir(staging_);
}

void Deployer::spawn(int priority) {
  world_.spawn("deployer", priority, [this] { deploy(); });
}

void Deployer::deploy() {
  world_.sleep_until(sc_.deploy_at);
  recorder_.deploy_started();
  for (;;) {
    interrupted_ = false;
    try {
      if (sc_.trigger == "early") write_trigger();
      upload();
      if (sc_.trigger == "after") write_trigger();
      triggered_at_ = world_.now();
      recorder_.deploy_completed(trigger_bytes(), sc_.fsync_uploads);
      return;
    } catch (const UploadInterrupted&) {
      world_.note("deployer: upload interrupted by the power cut; uploading again after the restart");
    } catch (const sim::FsError& e) {
      // The server moved or deleted a file still being uploaded: the upload fails, as scp would.
      world_.note(fmt::format("deployer: upload failed: {}", e.what()));
      return;
    }
    while (processes_.current() == nullptr) world_.sleep_for(100ms);
  }
}

void Deployer::upload() {
  const std::vector<std::size_t> order = package_order(sc_.order, releases_, world_);
  auto& fs = world_.fs();
  for (const std::size_t k : order) {
    const std::string& bytes = releases_.new_bytes[k];
    const std::string path = staging_ + "/" + releases_.new_files[k];
    const std::size_t chunk = (bytes.size() + static_cast<std::size_t>(sc_.chunks) - 1) / static_cast<std::size_t>(sc_.chunks);
    for (std::size_t off = 0; off < bytes.size(); off += chunk) {
      if (off == 0) {
        fs.write(path, bytes.substr(0, chunk));
      } else {
        world_.sleep_for(sc_.chunk_interval);
        if (interrupted_) throw UploadInterrupted{};
        fs.append(path, bytes.substr(off, chunk));
      }
    }
    if (sc_.fsync_uploads) fs.fsync(path);
  }
  if (sc_.fsync_uploads) fs.fsync_dir(staging_);  // the upload is durable before it counts as done
}

void Deployer::stage_whole_batch() {
  auto& fs = world_.fs();
  for (std::size_t k = 0; k < releases_.new_packages.size(); ++k) {
    const std::string path = staging_ + "/" + releases_.new_files[k];
    fs.write(path, releases_.new_bytes[k]);
    fs.fsync(path);
  }
  fs.fsync_dir(staging_);
}

void Deployer::trigger_now() {
  recorder_.deploy_started();
  write_trigger();
  triggered_at_ = world_.now();
  recorder_.deploy_completed(trigger_bytes(), sc_.fsync_uploads);
}

}  // namespace scenarios
