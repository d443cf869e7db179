#include "scenarios/engine/deployer.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "upgrader/checksum.hpp"
#include "upgrader/manifest.hpp"
#include "upgrader/package.hpp"

namespace scenarios {

using namespace std::chrono_literals;

namespace {
struct UploadInterrupted {};

// One deploy's packages (indices in Releases::new_packages) in an order the harness derives
// from the packages themselves: "dependency" (each after the deploy's packages it requires;
// ties in the scenario's order), its reverse, by file name, or shuffled from the choice stream.
std::vector<std::size_t> package_order(const std::string& how, const Releases& releases, const std::vector<std::size_t>& batch,
                                       sim::World& world) {
  const auto& pkgs = releases.new_packages;
  std::vector<std::size_t> order;
  if (how == "name") {
    order = batch;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return releases.new_files[a] < releases.new_files[b]; });
    return order;
  }
  std::vector<bool> placed(batch.size(), false);
  auto ready = [&](std::size_t k) {
    for (const auto& r : pkgs[batch[k]].requirements)
      for (std::size_t j = 0; j < batch.size(); ++j)
        if (!placed[j] && j != k && pkgs[batch[j]].name == r.package) return false;
    return true;
  };
  while (order.size() < batch.size()) {
    std::size_t next = batch.size();
    for (std::size_t k = 0; k < batch.size() && next == batch.size(); ++k)
      if (!placed[k] && ready(k)) next = k;
    if (next == batch.size())  // a cycle: the rest as listed
      for (std::size_t k = 0; k < batch.size() && next == batch.size(); ++k)
        if (!placed[k]) next = k;
    placed[next] = true;
    order.push_back(batch[next]);
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
      staging_(processes.config().staging_dir), trigger_path_(staging_ + "/" + processes.config().trigger) {
  for (int d = 1; d <= releases.last(); ++d) uploads_.push_back({d, releases.uploaded_by(d), std::nullopt, false, std::nullopt});
}

std::string Deployer::trigger_bytes(Upload& u) {
  if (format_ == upgrader::Policy::Trigger::Empty) return "";
  if (!u.manifest) {  // drawn once per deploy: every copy of its trigger is the same request
    std::vector<upgrader::ManifestEntry> manifest;
    for (const std::size_t i : package_order(sc_.manifest_order, releases_, u.packages, world_))
      manifest.push_back({releases_.new_files[i], releases_.new_packages[i].checksum, 0});
    u.manifest = upgrader::render_manifest(manifest);
  }
  return *u.manifest;
}

void Deployer::write_trigger(Upload& u) {
  auto& fs = world_.fs();
  if (format_ == upgrader::Policy::Trigger::Manifest) {
    // Written aside and renamed, so the trigger never exists half-written.
    fs.write(trigger_path_ + ".tmp", trigger_bytes(u));
    if (sc_.fsync_uploads) fs.fsync(trigger_path_ + ".tmp");
    fs.rename(trigger_path_ + ".tmp", trigger_path_);
  } else {
    fs.write(trigger_path_, "");
  }
  if (sc_.fsync_uploads) fs.fsync_dir(staging_);
  recorder_.trigger_written(u.deploy);
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
  // have uploaded (in dependency order), under the names the first deploy uses.
  const auto order = package_order("dependency", releases_, uploads_.front().packages, world_);
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

void Deployer::spawn(int priority, int first) {
  for (Upload& u : uploads_)
    if (u.deploy >= first)
      world_.spawn(u.deploy == 1 ? "deployer" : fmt::format("deployer-{}", u.deploy), priority, [this, &u] { deploy(u); });
}

void Deployer::deploy(Upload& u) {
  world_.sleep_until(sc_.deploy_time(u.deploy));
  recorder_.deploy_started();
  for (;;) {
    u.interrupted = false;
    try {
      if (sc_.trigger == "early") {
        wait_for_earlier_trigger(u);
        write_trigger(u);
      }
      upload(u);
      if (sc_.trigger == "after") {
        wait_for_earlier_trigger(u);
        write_trigger(u);
      }
      u.triggered_at = world_.now();
      recorder_.deploy_completed(trigger_bytes(u), sc_.fsync_uploads);
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

// A later deploy's trigger waits for the one before it: written, and taken by the server.
void Deployer::wait_for_earlier_trigger(Upload& u) {
  if (u.deploy == 1) return;
  const Upload& earlier = uploads_[static_cast<std::size_t>(u.deploy - 2)];
  while (!earlier.triggered_at || world_.fs().exists(trigger_path_)) {
    world_.sleep_for(100ms);
    if (u.interrupted) throw UploadInterrupted{};
  }
}

void Deployer::upload(Upload& u) {
  const std::vector<std::size_t> order = package_order(sc_.order, releases_, u.packages, world_);
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
        if (u.interrupted) throw UploadInterrupted{};
        fs.append(path, bytes.substr(off, chunk));
      }
    }
    if (sc_.fsync_uploads) fs.fsync(path);
  }
  if (sc_.fsync_uploads) fs.fsync_dir(staging_);  // the upload is durable before it counts as done
}

void Deployer::stage_whole_batch() {
  auto& fs = world_.fs();
  for (const std::size_t k : uploads_.front().packages) {
    const std::string path = staging_ + "/" + releases_.new_files[k];
    fs.write(path, releases_.new_bytes[k]);
    fs.fsync(path);
  }
  fs.fsync_dir(staging_);
}

void Deployer::trigger_now() {
  Upload& u = uploads_.front();
  recorder_.deploy_started();
  write_trigger(u);
  u.triggered_at = world_.now();
  recorder_.deploy_completed(trigger_bytes(u), sc_.fsync_uploads);
}

}  // namespace scenarios
