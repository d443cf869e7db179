#include "scenarios/engine/deployer.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "scenarios/engine/leftovers.hpp"
#include "scenarios/engine/package_order.hpp"
#include "scenarios/time_of_day.hpp"
#include "upgrader/manifest.hpp"
#include "upgrader/package.hpp"

namespace scenarios {

using namespace std::chrono_literals;

namespace {
struct UploadInterrupted {};
}  // namespace

// Shuffled orders draw from the run's choice stream.
std::function<std::size_t(std::size_t)> Deployer::draw() {
  return [this](std::size_t n) { return static_cast<std::size_t>(world_.choices().below(n)); };
}

Deployer::Deployer(sim::World& world, const Scenario& scenario, const Releases& releases, ServerProcesses& processes,
                   Recorder& recorder, upgrader::Policy::Trigger format, std::string label)
    : world_(world), sc_(scenario), releases_(releases), processes_(processes), recorder_(recorder), format_(format),
      staging_(processes.config().staging_dir), trigger_path_(staging_ + "/" + processes.config().trigger),
      label_(std::move(label)) {
  for (int d = 1; d <= releases.last(); ++d) uploads_.push_back({d, releases.uploaded_by(d), std::nullopt, false, std::nullopt});
}

std::string Deployer::trigger_bytes(Upload& u) {
  if (format_ == upgrader::Policy::Trigger::Empty) return "";
  if (!u.manifest) {  // drawn once per deploy: every copy of its trigger is the same request
    std::vector<upgrader::ManifestEntry> manifest;
    for (const std::size_t i : package_order(sc_.manifest_order, releases_, u.packages, draw()))
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

void Deployer::stage_leftovers() {
  if (sc_.leftovers.empty()) return;
  auto& fs = world_.fs();
  for (const auto& [name, bytes] : leftover_files(sc_, releases_, processes_.config().trigger, format_)) {
    fs.write(staging_ + "/" + name, bytes);
    fs.fsync(staging_ + "/" + name);
  }
  fs.fsync_dir(staging_);
}

void Deployer::spawn(int priority, int first) {
  for (Upload& u : uploads_)
    if (u.deploy >= first)
      world_.spawn((label_.empty() ? "" : label_ + " ") + (u.deploy == 1 ? "deployer" : fmt::format("deployer-{}", u.deploy)),
                   priority, [this, &u] { deploy(u); });
}

void Deployer::deploy(Upload& u) {
  world_.sleep_until(sc_.deploy_time(u.deploy));
  deliver(u);
}

void Deployer::deliver(int deploy) { deliver(uploads_[static_cast<std::size_t>(deploy - 1)]); }

std::optional<sim::Time> Deployer::triggered_at(int deploy) const {
  return uploads_[static_cast<std::size_t>(deploy - 1)].triggered_at;
}

void Deployer::deliver(Upload& u) {
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
  const std::vector<std::size_t> order = package_order(sc_.order, releases_, u.packages, draw());
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

void Deployer::spawn_cron(int priority) {
  if (sc_.cron) world_.spawn("cron", priority, [this] { cron(); });
}

// `test -e load || touch load` at the same time every day, on the server's machine: it does
// not run while the server is down, and never overwrites a trigger (a deploy's manifest).
void Deployer::cron() {
  auto& fs = world_.fs();
  for (sim::Time day{0};; day += kDay) {
    world_.sleep_until(day + *sc_.cron);
    if (processes_.current() == nullptr) {
      world_.note("cron: the server is down; no save tonight");
      continue;
    }
    if (fs.exists(trigger_path_)) {
      world_.note("cron: a trigger is staged already; left as it is");
      continue;
    }
    fs.write(trigger_path_, "");
    if (sc_.fsync_uploads) {
      fs.fsync(trigger_path_);
      fs.fsync_dir(staging_);
    }
    recorder_.save_triggered();
  }
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
