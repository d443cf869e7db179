#include "scenarios/engine/recorder.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "upgrader/checksum.hpp"
#include "upgrader/snapshot.hpp"

namespace scenarios {

class Recorder::ProcessObserver : public FsObserver {
 public:
  ProcessObserver(Recorder& recorder, ServerProcess& process) : recorder_(recorder), process_(process) {}
  void before_op(std::string_view op, const std::string& path, const std::string& to) override {
    recorder_.before_op(process_, op, path, to);
  }
  void after_op(std::string_view op, const std::string& path, const std::string& to) override {
    recorder_.after_op(process_, op, path, to);
  }

 private:
  Recorder& recorder_;
  ServerProcess& process_;
};

Recorder::Recorder(sim::World& world, const Releases& releases, const upgrader::ServerConfig& config, bool enabled)
    : world_(world), releases_(releases), config_(config), enabled_(enabled),
      trigger_path_(config.staging_dir + "/" + config.trigger), matcher_(releases) {
  for (std::size_t i = 0; i < releases.new_files.size(); ++i)
    batch_index_[config.staging_dir + "/" + releases.new_files[i]] = static_cast<int>(i);
}

Recorder::~Recorder() = default;

Mark Recorder::mark() const {
  return {world_.now(), world_.scheduler().steps(), world_.trace().events().size()};
}

void Recorder::attach(ServerProcess& process) {
  if (!enabled_) return;
  observers_.push_back(std::make_unique<ProcessObserver>(*this, process));
  if (snapshot_paths_.empty())
    for (int copy = 0; copy < process.server->policy().snapshot_copies(); ++copy)
      snapshot_paths_.push_back(process.server->snapshot_copy(copy));
  process.runtime->sim_fs().set_observer(observers_.back().get());
  process.runtime->set_on_wake([this, &process] { poll_began(process); });
}

void Recorder::deploy_started() {
  for (Recorder* m : mirrors_) m->deploy_started();
  if (enabled_ && !obs_.deploy_started) obs_.deploy_started = world_.now();
}

void Recorder::trigger_written(int deploy) {
  for (Recorder* m : mirrors_) m->trigger_written(deploy);
  if (enabled_ && static_cast<int>(obs_.triggers_written.size()) < deploy) obs_.triggers_written.push_back(world_.now());
}

void Recorder::deploy_completed(const std::string& trigger_bytes, bool durable) {
  for (Recorder* m : mirrors_) m->deploy_completed(trigger_bytes, durable);
  if (!enabled_) return;
  obs_.triggers.push_back(world_.now());
  obs_.deploy_durable = durable;
  trigger_bytes_ = trigger_bytes;
}

void Recorder::crashed(const ServerProcess& process) {
  if (!enabled_) return;
  check_snapshot(process.index(), false);  // what was durable, whoever made it so
  obs_.crashes.push_back({mark(), process.index()});
}

void Recorder::booted(ServerProcess& process, const std::optional<std::string>& error) {
  if (!enabled_) return;
  BootSeen b;
  b.mark = mark();
  b.process = process.index();
  b.ok = !error;
  b.error = error.value_or("");
  // The image on disk: the first copy that decodes, as the boot reads them.
  for (const std::string& path : snapshot_paths_)
    if (const auto disk = world_.fs().peek(path)) {
      b.disk_snapshot = true;
      if (const auto decoded = decode(*disk)) {
        b.disk_image = decoded->first;
        break;
      }
    }
  if (b.ok) {
    b.booted_image = upgrader::fnv1a64(upgrader::encode_snapshot(process.server->image()));
    b.state = image_state(process);
  } else {
    b.state.held.assign(releases_.new_packages.size(), false);
  }
  b.staging = staging();
  obs_.boots.push_back(std::move(b));
}

void Recorder::media_fault(const std::string& file, const std::string& what) {
  if (enabled_) obs_.media_faults.push_back({mark(), file, what});
}

void Recorder::request(RequestSeen request) {
  if (enabled_) obs_.requests.push_back(std::move(request));
}

void Recorder::save_triggered() {
  for (Recorder* m : mirrors_) m->save_triggered();
  if (enabled_) obs_.save_triggers.push_back(world_.now());
}

void Recorder::drained(int deploy) {
  if (enabled_) obs_.drains.push_back({deploy, mark(), std::nullopt});
}

void Recorder::back_in_service() {
  if (enabled_ && !obs_.drains.empty()) obs_.drains.back().to = mark();
}

void Recorder::local_change_typed_in(const upgrader::Package& hotfix) {
  if (!enabled_) return;
  for (const upgrader::MethodDef& m : hotfix.methods) {
    local_methods_.push_back(m);
    obs_.local_changes.push_back({m.class_name, m.selector, fmt::format("{}>>{}", m.class_name, m.selector), std::nullopt, false, false});
  }
  matcher_.forget();  // the release with the change is looked at afresh
}

ReleaseState Recorder::image_state(ServerProcess& process) {
  if (!enabled_) return {};
  std::shared_ptr<const upgrader::Release> release = process.server->image().current();
  if (matcher_.match(release)) {
    std::vector<std::vector<std::string>> torn = torn_code(*release, releases_.new_packages);
    for (std::size_t k = 0; k < torn.size(); ++k)
      for (std::string& what : torn[k])
        if (std::find(torn_seen_.begin(), torn_seen_.end(), what) == torn_seen_.end()) {
          torn_seen_.push_back(what);
          obs_.torn.push_back({mark(), releases_.new_packages[k].source, std::move(what)});
        }
    for (std::size_t i = 0; i < local_methods_.size(); ++i)
      if (!obs_.local_changes[i].lost && !holds_local_change(*release, local_methods_[i])) obs_.local_changes[i].lost = mark();
  }
  auto [it, fresh] = last_state_.try_emplace(process.index(), matcher_.state());
  if (fresh || !(it->second == matcher_.state())) {
    it->second = matcher_.state();
    obs_.image_changes.push_back({mark(), process.index(), matcher_.state()});
  }
  return matcher_.state();
}

StagingSeen Recorder::staging() const {
  const sim::SimFs& fs = world_.fs();
  StagingSeen s;
  const auto trigger = fs.peek(trigger_path_);
  s.any_trigger = trigger.has_value();
  s.trigger = trigger && trigger_bytes_ && *trigger == *trigger_bytes_;
  s.whole.assign(releases_.new_packages.size(), false);
  s.there.assign(releases_.new_packages.size(), false);
  for (const auto& [path, index] : batch_index_)
    if (const auto bytes = fs.peek(path)) {
      s.there[static_cast<std::size_t>(index)] = true;
      s.whole[static_cast<std::size_t>(index)] = *bytes == releases_.new_bytes[static_cast<std::size_t>(index)];
    }
  // Anything of the batch moved under quarantine/, at any depth the policies use.
  auto batch_name = [&](const std::string& name) {
    return name == config_.trigger ||
           std::find(releases_.new_files.begin(), releases_.new_files.end(), name) != releases_.new_files.end();
  };
  for (const std::string& entry : fs.peek_list(config_.quarantine_dir)) {
    if (batch_name(entry) && fs.peek(config_.quarantine_dir + "/" + entry)) s.quarantined = true;
    for (const std::string& inner : fs.peek_list(config_.quarantine_dir + "/" + entry))
      if (batch_name(inner)) s.quarantined = true;
  }
  return s;
}

std::optional<std::pair<std::uint64_t, ReleaseState>> Recorder::decode(const std::string& bytes) const {
  // The same bytes are decoded twice in a row when a new snapshot is seen in place and then
  // made durable; decoding is a pure function of them, so the last answer is kept.
  if (!decoded_bytes_ || *decoded_bytes_ != bytes) {
    decoded_ = decode_image(bytes, config_.snapshot, releases_);
    decoded_bytes_ = bytes;
  }
  return decoded_;
}

void Recorder::check_snapshot(int process, bool volatile_view) {
  const sim::SimFs& fs = world_.fs();
  if (volatile_view) {
    if (const auto bytes = fs.peek(config_.snapshot))
      if (auto decoded = decode(*bytes))
        obs_.snapshots.push_back({mark(), process, false, decoded->first, bytes->size(), std::move(decoded->second)});
    return;
  }
  // Any copy the policy keeps: the boot may read whichever survived intact.
  for (std::size_t copy = 0; copy < snapshot_paths_.size(); ++copy) {
    const std::string& path = snapshot_paths_[copy];
    auto durable = fs.peek_durable(path);
    // Compared byte for byte, not by a hash of them: this runs at every poll and fsync, and
    // hashing a whole image each time was a tenth of a suite's time (memcmp is far faster).
    std::optional<std::string>& seen = durable_snapshot_seen_[path];
    if (durable == seen) continue;
    if (!durable) {
      seen.reset();
      continue;
    }
    if (auto decoded = decode(*durable))
      obs_.snapshots.push_back(
          {mark(), process, true, decoded->first, durable->size(), std::move(decoded->second), static_cast<int>(copy)});
    seen = std::move(durable);
  }
}

void Recorder::before_op(ServerProcess& process, std::string_view op, const std::string& path, const std::string& to) {
  FileOpSeen seen;
  seen.mark = mark();
  seen.process = process.index();
  seen.poll = process.runtime->polls();
  seen.op = op;
  seen.path = path;
  seen.to = to;
  if (auto it = batch_index_.find(path); it != batch_index_.end()) seen.batch_file = it->second;
  seen.trigger = path == trigger_path_;
  if (op == "read" && seen.batch_file >= 0)
    if (const auto bytes = world_.fs().peek(path))
      seen.partial = *bytes != releases_.new_bytes[static_cast<std::size_t>(seen.batch_file)];
  // Set aside: renamed out of staging, or copied into quarantine (a crash-safe move copies).
  seen.moved_aside = (op == "rename" && (seen.batch_file >= 0 || seen.trigger) && !to.starts_with(config_.staging_dir + "/")) ||
                     (op == "write" && path.starts_with(config_.quarantine_dir + "/"));
  op_in_flight_[process.index()] = obs_.server_ops.size();
  obs_.server_ops.push_back(std::move(seen));
}

void Recorder::after_op(ServerProcess& process, std::string_view op, const std::string& path, const std::string& to) {
  if (auto it = op_in_flight_.find(process.index()); it != op_in_flight_.end()) obs_.server_ops[it->second].failed = false;
  const bool replaces_snapshot = (op == "write" && path == config_.snapshot) || (op == "rename" && to == config_.snapshot);
  if (replaces_snapshot) check_snapshot(process.index(), true);
  if (op == "fsync" || op == "fsync_dir" || replaces_snapshot) check_snapshot(process.index(), false);
  if (op != "stat" && op != "read" && op != "list") image_state(process);
}

void Recorder::poll_began(ServerProcess& process) {
  check_snapshot(process.index(), false);
  obs_.polls.push_back({mark(), process.index(), staging(), image_state(process)});
}

Observation Recorder::finish(ServerProcess* current) {
  if (!enabled_) return {};
  if (current != nullptr) check_snapshot(current->index(), false);
  obs_.end = mark();
  obs_.server_up = current != nullptr;
  obs_.last_process = current != nullptr ? current->index() : -1;
  if (current != nullptr) obs_.final_image = image_state(*current);
  else obs_.final_image.held.assign(releases_.new_packages.size(), false);
  obs_.final_staging = staging();
  const auto report = world_.fs().peek(config_.local_changes_report);
  for (std::size_t i = 0; i < local_methods_.size(); ++i) {
    LocalChangeSeen& seen = obs_.local_changes[i];
    seen.in_final_image = current != nullptr && holds_local_change(*current->server->image().current(), local_methods_[i]);
    seen.reported = report && report->find(seen.method + ": ") != std::string::npos;  // its line: "Class>>selector: ..."
  }
  return std::move(obs_);
}

}  // namespace scenarios
