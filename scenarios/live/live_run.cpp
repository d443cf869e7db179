#include "scenarios/live/live_run.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <thread>

#include "scenarios/engine.hpp"
#include "scenarios/engine/leftovers.hpp"
#include "scenarios/live/child_process.hpp"
#include "scenarios/live/deployer_process.hpp"
#include "scenarios/live/disk_view.hpp"
#include "scenarios/live/event_log.hpp"
#include "scenarios/live/observation_fields.hpp"
#include "scenarios/live/observation_reader.hpp"
#include "scenarios/live/run_dir.hpp"
#include "scenarios/live/server_process.hpp"
#include "upgrader/checksum.hpp"
#include "upgrader/real_runtime.hpp"

namespace scenarios::live {

bool LiveRunReport::fired(const std::string& oracle) const {
  return std::any_of(violations.begin(), violations.end(), [&](const Violation& v) { return v.oracle == oracle; });
}

std::vector<std::string> skipped_faults(const Scenario& sc) {
  std::vector<std::string> skipped;
  if (sc.media != "none") skipped.push_back(fmt::format("media fault ({}): a real disk cannot be made to rot; not injected", sc.media));
  if (sc.disk_full.count() > 0)
    skipped.push_back(fmt::format("disk full for {} ms: not injected (the real filesystem is not full)", sc.disk_full.count()));
  if (sc.read_error_ppm > 0 || sc.write_error_ppm > 0 || sc.fsync_error_ppm > 0)
    skipped.push_back(fmt::format("EIO on read/write/fsync ({}/{}/{} ppm): not injected (the real device does not fail)",
                                  sc.read_error_ppm, sc.write_error_ppm, sc.fsync_error_ppm));
  // The operator's habits (issue 14) are modelled by the simulator's engine only.
  if (!sc.curve.flat()) skipped.push_back("daily load curve: not applied live (think times as think_ms)");
  if (sc.cron) skipped.push_back("cron job: no empty trigger is staged live");
  if (!sc.local_change.empty()) skipped.push_back(fmt::format("local change {}: not typed in live", sc.local_change));
  if (sc.images > 1)
    skipped.push_back(fmt::format("cluster of {} images: live runs image 0 alone (no balancer, no other image, no rollout; "
                                  "the cluster's oracles are the simulator's)",
                                  sc.images));
  return skipped;
}

namespace {

// What a live run does instead of a fault it cannot inject as the simulator does.
std::vector<std::string> substituted_faults(const Scenario& sc) {
  std::vector<std::string> out;
  if (sc.crash != "none" && sc.kill == "power")
    out.push_back("power cut: run as a process kill (SIGKILL); the page cache survives, so no unsynced write is lost "
                  "and no crash state is drawn");
  return out;
}

// How long the supervisor waits, at the end, for the server to write its end state and exit.
constexpr std::chrono::milliseconds kEndGrace{5000};

class Supervisor {
 public:
  Supervisor(const Scenario& sc, const std::string& policy, std::uint64_t seed, const LiveOptions& options)
      : sc_(sc), policy_(policy), seed_(seed), options_(options),
        releases_(read_releases(sc.app_dir, sc.old_packages, sc.new_packages, sc.next_packages)),
        config_(server_config(sc)), dir_(options.base_dir, options.keep_dirs),
        disk_(dir_.server_root(), releases_, config_), random_(seed) {
    const auto probe = upgrader::make_policy(policy);
    if (probe == nullptr)
      throw ScenarioError(sc.path, 0, fmt::format("unknown policy \"{}\"; expected one of {}", policy,
                                                  fmt::join(upgrader::policy_names(), ", ")));
    format_ = probe->trigger_format();
    declared_saves_ = probe->snapshot_saves_per_upgrade();
  }

  ~Supervisor() {
    if (server_fd_ >= 0) ::close(server_fd_);
  }

  LiveRunReport go() {
    const auto started = std::chrono::steady_clock::now();
    stage_leftovers();
    clock_ = {std::chrono::steady_clock::now(), options_.time_scale};
    deployer_ = ChildProcess::fork([this] {
      deployer_process_main(sc_, releases_, config_, {dir_.server_root(), dir_.log("deployer"), clock_, seed_, format_});
    });
    start_server(sc_.crash == "at-install" ? std::optional<int>(sc_.crash_install) : std::nullopt);
    if (sc_.crash == "random") {
      random_crashes_left_ = sc_.crashes;
      next_random_crash_ = after(sc_.deploy_at);
    }
    supervise();
    finish();
    LiveRunReport report = judge();
    report.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (options_.keep_dirs) report.kept_dir = dir_.path();
    return report;
  }

 private:
  std::int64_t now() const { return clock_.now().count(); }

  void stage_leftovers() {
    upgrader::PosixFilesystem fs(dir_.server_root());
    fs.mkdir(config_.staging_dir);
    for (const auto& [name, bytes] : leftover_files(sc_, releases_, config_.trigger, format_)) {
      fs.write(config_.staging_dir + "/" + name, bytes);
      fs.fsync(config_.staging_dir + "/" + name);
    }
    fs.fsync_dir(config_.staging_dir);
    fs.fsync_dir(".");
  }

  // `random` crashes: a chance of crash_ppm per scenario millisecond from `from` on.
  std::optional<sim::Time> after(sim::Time from) {
    if (sc_.crash_ppm == 0) return std::nullopt;
    const double p = static_cast<double>(sc_.crash_ppm) / 1e6;
    const double u = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
    const auto ms = p >= 1.0 ? 0.0 : std::floor(std::log1p(-u) / std::log1p(-p));
    return from + Millis(static_cast<std::int64_t>(std::min(ms, 1e12)));
  }

  void start_server(std::optional<int> kill_after_install) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    ServerPlan plan;
    plan.process = next_process_++;
    plan.root = dir_.server_root();
    plan.log_path = dir_.log(fmt::format("server-{}", plan.process));
    plan.clock = clock_;
    plan.end = sim::Time(sc_.duration);
    plan.seed = seed_;
    plan.policy = policy_;
    plan.clients = clients_;
    plan.kill_after_install = kill_after_install;
    plan.control_fd = fds[1];
    plan.durable_seen = durable_seen_;
    server_ = ChildProcess::fork([&] {
      ::close(fds[0]);
      server_process_main(sc_, releases_, config_, plan);
    });
    ::close(fds[1]);
    server_fd_ = fds[0];
    process_ = plan.process;
    server_logs_.push_back(plan.log_path);
  }

  // A dead process's log: where its clients are, which snapshots it saw saved.
  void take_over(int process) {
    for (const Event& e : read_events(server_logs_[static_cast<std::size_t>(process)])) {
      if (e.kind == "clients" && clients_.empty()) {
        const std::string& ids = e.at("ids");
        for (std::size_t at = 0; at < ids.size();) {
          const std::size_t end = std::min(ids.find(',', at), ids.size());
          clients_.push_back({std::stoull(ids.substr(at, end - at)), 1, sim::Time(0)});
          at = end + 1;
        }
      } else if (e.kind == "request") {
        ClientState& c = clients_.at(static_cast<std::size_t>(e.integer("session")));
        c.next_number = static_cast<int>(e.integer("number")) + 1;
        c.last_request = sim::Time(e.integer("start"));
      } else if (e.kind == "durable-seen") {
        durable_seen_[e.at("path")] = e.unsigned_integer("raw");
      } else if (e.kind == "snapshot-paths") {
        snapshot_paths_.clear();
        const std::string& paths = e.at("paths");
        for (std::size_t at = 0; at < paths.size();) {
          const std::size_t end = std::min(paths.find('\n', at), paths.size());
          snapshot_paths_.push_back(paths.substr(at, end - at));
          at = end + 1;
        }
      }
    }
  }

  void note(std::string kind, Fields fields) {
    Event e;
    e.kind = std::move(kind);
    e.t = now();
    for (auto& [k, v] : fields) e.fields[k] = std::move(v);
    events_.push_back(std::move(e));
  }

  void server_gone() {
    const auto life = server_.lifetime().count();
    if (life > 0) starved_ = std::max(starved_, static_cast<double>(server_.runqueue_wait().count()) / static_cast<double>(life));
    ::close(server_fd_);
    server_fd_ = -1;
    take_over(process_);
  }

  // The crash: SIGKILL. What is on disk then is what the restart finds (the page cache
  // survives a process kill), so every snapshot copy that changed counts as saved.
  void crash() {
    server_.kill();
    server_gone();
    for (std::size_t copy = 0; copy < snapshot_paths_.size(); ++copy) {
      const std::string& path = snapshot_paths_[copy];
      const auto bytes = disk_.peek(path);
      const std::uint64_t raw = bytes ? upgrader::fnv1a64(*bytes) : 0;
      if (raw == durable_seen_[path]) continue;
      durable_seen_[path] = raw;
      if (!bytes) continue;
      if (const auto decoded = disk_.decode(*bytes)) {
        Fields f{{"process", std::to_string(process_)}, {"durable", "1"}, {"image", std::to_string(decoded->first)},
                 {"bytes", std::to_string(bytes->size())}, {"copy", std::to_string(copy)}};
        put_state(f, "", decoded->second);
        note("snapshot", std::move(f));
      }
    }
    note("crash", {{"process", std::to_string(process_)}});
    ++crashes_;
    restart_at_ = clock_.now() + sc_.restart_delay;
  }

  // The server ended by itself before the end of the run: it could not boot, or it failed.
  void ended_early() {
    const int status = server_.status().value_or(-1);
    server_gone();
    // kRanToEnd: it reached the end of the run a moment before the supervisor saw the time.
    if (status != kCannotBoot && status != kRanToEnd)
      note("server-failed", {{"process", std::to_string(process_)},
                             {"what", fmt::format("the server process ended before the end of the run (status {})", status)}});
  }

  // True if the server asked to be killed (its crash point).
  bool kill_requested(int timeout_ms) {
    if (server_fd_ < 0) return false;
    pollfd p{server_fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    char buffer[64];
    const ssize_t n = ::read(server_fd_, buffer, sizeof buffer);
    return n > 0 && std::string_view(buffer, static_cast<std::size_t>(n)).find("kill") != std::string_view::npos;
  }

  void supervise() {
    const sim::Time end(sc_.duration);
    for (sim::Time t = clock_.now(); t < end; t = clock_.now()) {
      if (server_fd_ < 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      } else if (kill_requested(1)) {
        crash();
        continue;
      }
      if (server_.running() && server_.poll()) ended_early();
      t = clock_.now();
      if (server_fd_ >= 0 && next_random_crash_ && t >= *next_random_crash_ && random_crashes_left_ > 0) {
        --random_crashes_left_;
        next_random_crash_.reset();
        crash();
      }
      if (restart_at_ && t >= *restart_at_) {
        restart_at_.reset();
        start_server(std::nullopt);
        if (random_crashes_left_ > 0) next_random_crash_ = after(clock_.now());
      }
    }
  }

  void finish() {
    if (server_fd_ >= 0 && kill_requested(0)) crash();  // asked at the very end: it is paused there
    if (server_fd_ >= 0) {
      if (!server_.wait_for(kEndGrace))
        note("server-failed", {{"process", std::to_string(process_)}, {"what", "the server process did not end with the run"}});
      server_gone();
    }
    deployer_.kill();  // it may still wait to write a trigger no server takes
  }

  LiveRunReport judge() {
    std::vector<Event> events = events_;
    for (const std::string& log : server_logs_)
      for (Event& e : read_events(log)) events.push_back(std::move(e));
    for (Event& e : read_events(dir_.log("deployer"))) events.push_back(std::move(e));
    // The server down at the end (killed, or it could not boot): the supervisor sees the end.
    if (!std::any_of(events.begin(), events.end(), [](const Event& e) { return e.kind == "end"; })) {
      Event e;
      e.kind = "down-at-end";
      e.t = std::max<std::int64_t>(now(), sim::Time(sc_.duration).count());
      Fields f;
      put_staging(f, "staging_", disk_.staging());
      for (auto& [k, v] : f) e.fields[k] = std::move(v);
      events.push_back(std::move(e));
    }
    LiveObservation live = read_observation(std::move(events), releases_.new_packages.size());
    const Observation& obs = live.obs;
    const OracleContext ctx{sc_, releases_, declared_saves_, fresh_image_bytes(releases_), config_.snapshot, false,
                            config_.local_changes_report, false, std::nullopt};
    Verdicts verdicts = scenarios::judge(obs, ctx);
    for (const auto& [mark, what] : live.failures) verdicts.violate("app-error", mark, "process", what);

    LiveRunReport report;
    report.scenario = sc_.name;
    report.policy = policy_;
    report.seed = seed_;
    report.violations = std::move(verdicts.violations);
    report.exercised = std::move(verdicts.exercised);
    report.skipped = skipped_faults(sc_);
    for (std::string& s : substituted_faults(sc_)) report.skipped.push_back(std::move(s));
    report.crashes = crashes_;
    report.starved = starved_;
    const auto [from, to] = upgrade_window(obs);
    for (const RequestSeen& r : obs.requests) {
      ++report.requests;
      if (r.result == RequestSeen::Result::Failed) ++report.requests_failed;
      const sim::Duration real = clock_.real(r.end - r.start);
      report.all_latency.add(real);
      if (from && r.start >= *from && r.start <= to) report.upgrade_latency.add(real);
    }
    return report;
  }

  // From the first trigger until the image first held the last deploy's release (or a batch
  // was moved aside), else the end of the run.
  std::pair<std::optional<sim::Time>, sim::Time> upgrade_window(const Observation& obs) const {
    if (obs.triggers.empty()) return {std::nullopt, obs.end.at};
    const sim::Time from = obs.triggers.front();
    sim::Time to = obs.end.at;
    for (const ImageChange& c : obs.image_changes)
      if (c.mark.at >= from && c.state.release >= releases_.last()) {
        to = c.mark.at;
        break;
      }
    for (const FileOpSeen& op : obs.server_ops)
      if (op.moved_aside && op.mark.at >= from && op.mark.at < to) {
        to = op.mark.at;
        break;
      }
    return {from, to};
  }

  Scenario sc_;
  std::string policy_;
  std::uint64_t seed_;
  LiveOptions options_;
  Releases releases_;
  upgrader::ServerConfig config_;
  RunDir dir_;
  DiskView disk_;
  std::mt19937_64 random_;
  upgrader::Policy::Trigger format_ = upgrader::Policy::Trigger::Empty;
  int declared_saves_ = 1;
  LiveClock clock_;
  ChildProcess deployer_, server_;
  int server_fd_ = -1;
  int process_ = -1, next_process_ = 0;
  std::vector<std::string> server_logs_;
  std::vector<ClientState> clients_;
  std::map<std::string, std::uint64_t> durable_seen_;
  std::vector<std::string> snapshot_paths_;
  std::vector<Event> events_;  // the supervisor's own: crashes, what the disk held then
  int crashes_ = 0;
  std::optional<sim::Time> restart_at_, next_random_crash_;
  int random_crashes_left_ = 0;
  double starved_ = 0;
};

}  // namespace

LiveRunReport run_live(const Scenario& scenario, const std::string& policy, std::uint64_t seed, const LiveOptions& options) {
  Scenario sc = scenario;
  if (options.sessions) sc.sessions = *options.sessions;
  return Supervisor(sc, policy, seed, options).go();
}

}  // namespace scenarios::live
