#include "scenarios/live/live_recorder.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "upgrader/checksum.hpp"
#include "upgrader/snapshot.hpp"

namespace scenarios::live {

LiveRecorder::LiveRecorder(EventWriter& log, LiveRuntime& runtime, upgrader::Server& server, const Releases& releases,
                           DiskView disk, int process, std::map<std::string, std::uint64_t> durable_seen)
    : log_(log), runtime_(runtime), server_(server), releases_(releases), disk_(std::move(disk)), process_(process),
      trigger_path_(server.staging_path(server.config().trigger)), durable_raw_(std::move(durable_seen)), matcher_(releases) {
  for (std::size_t i = 0; i < releases.new_files.size(); ++i)
    batch_index_[server.staging_path(releases.new_files[i])] = static_cast<int>(i);
  for (int copy = 0; copy < server.policy().snapshot_copies(); ++copy) snapshot_paths_.push_back(server.snapshot_copy(copy));
}

void LiveRecorder::attach() {
  LiveRuntime::Hooks hooks;
  hooks.before_op = [this](std::string_view op, const std::string& path, const std::string& to) { before_op(op, path, to); };
  hooks.after_op = [this](std::string_view op, const std::string& path, const std::string& to) { after_op(op, path, to); };
  hooks.poll_began = [this] { poll_began(); };
  runtime_.set_hooks(std::move(hooks));
  std::string paths;
  for (const std::string& p : snapshot_paths_) paths += (paths.empty() ? "" : "\n") + p;
  note("snapshot-paths", {{"paths", paths}});  // the supervisor checks them when it kills the process
}

void LiveRecorder::note(std::string_view kind, const Fields& fields) { log_.write(kind, t(), fields); }

void LiveRecorder::booted(const std::optional<std::string>& error) {
  Fields f{{"process", std::to_string(process_)}, {"ok", error ? "0" : "1"}, {"error", error.value_or("")}};
  // The image on disk: the first copy that decodes, as the boot reads them.
  bool disk_snapshot = false;
  std::string disk_image;
  for (const std::string& path : snapshot_paths_)
    if (const auto bytes = disk_.peek(path)) {
      disk_snapshot = true;
      if (const auto decoded = disk_.decode(*bytes)) {
        disk_image = std::to_string(decoded->first);
        break;
      }
    }
  f.emplace_back("disk_snapshot", disk_snapshot ? "1" : "0");
  f.emplace_back("disk_image", disk_image);
  ReleaseState state;
  if (!error) {
    f.emplace_back("booted_image", std::to_string(upgrader::fnv1a64(upgrader::encode_snapshot(server_.image()))));
    state = image_state();
  } else {
    f.emplace_back("booted_image", "0");
    state.held.assign(releases_.new_packages.size(), false);
  }
  put_state(f, "", state);
  put_staging(f, "staging_", disk_.staging());
  note("boot", f);
}

ReleaseState LiveRecorder::image_state() {
  std::shared_ptr<const upgrader::Release> release = server_.image().current();
  if (matcher_.match(release)) {
    std::vector<std::vector<std::string>> torn = torn_code(*release, releases_.new_packages);
    for (std::size_t k = 0; k < torn.size(); ++k)
      for (std::string& what : torn[k])
        if (std::find(torn_seen_.begin(), torn_seen_.end(), what) == torn_seen_.end()) {
          torn_seen_.push_back(what);
          note("torn", {{"package", releases_.new_packages[k].source}, {"what", what}});
        }
  }
  if (!last_state_ || !(*last_state_ == matcher_.state())) {
    last_state_ = matcher_.state();
    Fields f{{"process", std::to_string(process_)}};
    put_state(f, "", matcher_.state());
    note("image", f);
  }
  return matcher_.state();
}

void LiveRecorder::request(const RequestSeen& r) { note("request", request_fields(r)); }

void LiveRecorder::check_snapshot(bool volatile_view) {
  if (volatile_view) {
    if (const auto bytes = disk_.peek(server_.config().snapshot))
      if (const auto decoded = disk_.decode(*bytes)) {
        Fields f{{"process", std::to_string(process_)}, {"durable", "0"}, {"image", std::to_string(decoded->first)},
                 {"bytes", std::to_string(bytes->size())}, {"copy", "0"}};
        put_state(f, "", decoded->second);
        note("snapshot", f);
      }
    return;
  }
  // What a process kill leaves is what is on disk now (the page cache survives it): the
  // live run's "durable". Any copy the policy keeps, as the boot may read whichever is intact.
  for (std::size_t copy = 0; copy < snapshot_paths_.size(); ++copy) {
    const std::string& path = snapshot_paths_[copy];
    const auto bytes = disk_.peek(path);
    const std::uint64_t raw = bytes ? upgrader::fnv1a64(*bytes) : 0;
    if (raw == durable_raw_[path]) continue;
    durable_raw_[path] = raw;
    note("durable-seen", {{"path", path}, {"raw", std::to_string(raw)}});
    if (!bytes) continue;
    if (const auto decoded = disk_.decode(*bytes)) {
      Fields f{{"process", std::to_string(process_)}, {"durable", "1"}, {"image", std::to_string(decoded->first)},
               {"bytes", std::to_string(bytes->size())}, {"copy", std::to_string(copy)}};
      put_state(f, "", decoded->second);
      note("snapshot", f);
    }
  }
}

void LiveRecorder::before_op(std::string_view op, const std::string& path, const std::string& to) {
  const auto it = batch_index_.find(path);
  const int batch_file = it != batch_index_.end() ? it->second : -1;
  const bool trigger = path == trigger_path_;
  bool partial = false;
  if (op == "read" && batch_file >= 0)
    if (const auto bytes = disk_.peek(path)) partial = *bytes != releases_.new_bytes[static_cast<std::size_t>(batch_file)];
  const upgrader::ServerConfig& cfg = server_.config();
  // Set aside: renamed out of staging, or copied into quarantine (a crash-safe move copies).
  const bool aside = (op == "rename" && (batch_file >= 0 || trigger) && !to.starts_with(cfg.staging_dir + "/")) ||
                     (op == "write" && path.starts_with(cfg.quarantine_dir + "/"));
  note("op", {{"process", std::to_string(process_)},
              {"n", std::to_string(++ops_)},
              {"poll", std::to_string(runtime_.polls())},
              {"op", std::string(op)},
              {"path", path},
              {"to", to},
              {"batch_file", std::to_string(batch_file)},
              {"trigger", trigger ? "1" : "0"},
              {"partial", partial ? "1" : "0"},
              {"aside", aside ? "1" : "0"}});
}

void LiveRecorder::after_op(std::string_view op, const std::string& path, const std::string& to) {
  note("op-done", {{"process", std::to_string(process_)}, {"n", std::to_string(ops_)}});
  const std::string& snapshot = server_.config().snapshot;
  const bool replaces_snapshot = (op == "write" && path == snapshot) || (op == "rename" && to == snapshot);
  if (replaces_snapshot) check_snapshot(true);
  if (op == "fsync" || op == "fsync_dir" || replaces_snapshot) check_snapshot(false);
  if (op != "stat" && op != "read" && op != "list") image_state();
}

void LiveRecorder::poll_began() {
  check_snapshot(false);
  Fields f{{"process", std::to_string(process_)}};
  put_staging(f, "staging_", disk_.staging());
  put_state(f, "", image_state());
  note("poll", f);
}

void LiveRecorder::finish() {
  check_snapshot(false);
  Fields f{{"process", std::to_string(process_)}};
  put_state(f, "", image_state());
  put_staging(f, "staging_", disk_.staging());
  note("end", f);
}

}  // namespace scenarios::live
