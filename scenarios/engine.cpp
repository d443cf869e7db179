#include "scenarios/engine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>

#include "upgrader/checksum.hpp"
#include "upgrader/manifest.hpp"
#include "upgrader/server.hpp"
#include "upgrader/snapshot.hpp"

namespace scenarios {

using namespace std::chrono_literals;

bool RunReport::fired(const std::string& oracle) const {
  return std::any_of(violations.begin(), violations.end(), [&](const Violation& v) { return v.oracle == oracle; });
}

namespace {

constexpr int kOutside = 100;  // deployer, power, monitor: other processes, never held up by the image
const std::string kStaging = "load-package";

// Installs packages in dependency order; returns the ones that cannot be installed (a
// deliberately broken package in a scenario's new release).
std::vector<std::string> install_all(upgrader::Image& image, const std::vector<upgrader::Package>& packages) {
  std::vector<const upgrader::Package*> left;
  for (const auto& p : packages) left.push_back(&p);
  for (bool progress = true; progress && !left.empty();) {
    progress = false;
    for (auto it = left.begin(); it != left.end();) {
      try {
        image.install(**it, true);
        it = left.erase(it);
        progress = true;
      } catch (const upgrader::LoadError&) {
        ++it;
      }
    }
  }
  std::vector<std::string> failed;
  for (const auto* p : left) failed.push_back(p->source);
  return failed;
}

struct UploadInterrupted {};

std::string file_name(const upgrader::Package& p) { return p.source.substr(p.source.rfind('/') + 1); }

std::string read_file(const std::string& path);

class Run {
 public:
  Run(const Scenario& sc, const std::string& policy, const RunSettings& st)
      : sc_(sc), policy_(policy), st_(st), releases_(read_releases(sc.app_dir, sc.old_packages, sc.new_packages)),
        world_(world_config()) {
    config_.poll_period = sc.poll_period;
    config_.compile_cost_per_method = sc.compile_per_method;
    config_.session_timeout = sc.session_timeout;
    config_.max_tries = sc.max_tries;
    config_.staging_dir = kStaging;
    for (const auto& p : releases_.new_packages) bytes_[p.source] = read_file(p.source);
    upgrader::Image fresh;
    install_all(fresh, releases_.new_packages);
    report_.fresh_image_bytes = upgrader::encode_snapshot(fresh).size();
  }

  RunReport go() {
    report_.scenario = sc_.name;
    report_.policy = policy_;
    report_.seed = st_.seed;
    report_.strategy = st_.strategy;
    boot_production_image();
    for (int i = 0; i < st_.sessions.value_or(sc_.sessions); ++i) spawn_client(i);
    if (st_.upgrade_at_point.empty()) {
      world_.spawn("deployer", kOutside, [this] { deploy(); });
    } else {
      stage_for_update_point();
    }
    const std::string crash = st_.crash_at_op ? "at-op" : st_.crash.value_or(sc_.crash);
    if (crash != "none") world_.spawn("power", kOutside, [this, crash] { power(crash); });
    world_.spawn("monitor", kOutside, [this] { monitor(); });
    report_.run = world_.run();
    if (report_.run.outcome == sim::Outcome::Failed || report_.run.outcome == sim::Outcome::Deadlock ||
        report_.run.outcome == sim::Outcome::StepLimit)
      violate("app-error", "world", report_.run.summary());
    finish();
    if (st_.keep_trace) {
      report_.trace = world_.trace().dump();
      report_.events = world_.trace().events();
      for (std::uint64_t id = 0; id < world_.trace().fiber_count(); ++id)
        report_.fiber_names.push_back(world_.trace().fiber_name(id));
    }
    return std::move(report_);
  }

 private:
  struct Process {
    std::unique_ptr<SimRuntime> runtime;
    std::unique_ptr<upgrader::Server> server;
  };

  sim::WorldConfig world_config() const {
    sim::WorldConfig c;
    c.seed = st_.seed;
    c.replay = st_.replay;
    c.strategy = st_.strategy;
    c.limits.deadline = sc_.duration;
    c.keep_trace_events = st_.keep_trace;
    return c;
  }

  void violate(const std::string& oracle, std::string where, std::string why) {
    // One report per oracle and place is enough to replay it; counting stops there.
    for (const auto& v : report_.violations)
      if (v.oracle == oracle && v.where == where) return;
    world_.note(fmt::format("VIOLATION {} at {}: {}", oracle, where, why));
    report_.violations.push_back({oracle, std::move(where), world_.now(), std::move(why)});
  }

  Process& start_process() {
    auto p = std::make_unique<Process>();
    p->runtime = std::make_unique<SimRuntime>(world_);
    p->server = std::make_unique<upgrader::Server>(*p->runtime, config_, upgrader::make_policy(policy_));
    if (processes_.empty()) p->runtime->on_server_fs_op([this] { before_server_op(); });
    processes_.push_back(std::move(p));
    return *processes_.back();
  }

  // The server in production: the old release installed, sessions open, image saved.
  void boot_production_image() {
    world_.fs().mkdir(kStaging);
    world_.fs().fsync_dir(".");
    Process& p = start_process();
    p.server->boot();
    if (auto failed = install_all(p.server->image(), releases_.old_packages); !failed.empty())
      throw ScenarioError(sc_.path, 0, fmt::format("the old release does not install: {}", failed.front()));
    const int clients = st_.sessions.value_or(sc_.sessions);
    for (int i = 0; i < clients; ++i) session_ids_.push_back(p.server->new_session(sc_.session_class));
    for (int i = 0; i < sc_.idle_sessions; ++i) p.server->new_session(sc_.session_class);
    p.server->save();
    p.server->start_watcher();
    current_ = &p;
  }

  void spawn_client(int i) {
    world_.spawn(fmt::format("session-{}", i), config_.request_priority, [this, i] {
      const std::uint64_t id = session_ids_[static_cast<std::size_t>(i)];
      sim::Time last_request{0};
      for (int k = 1;; ++k) {
        const auto span = static_cast<std::uint64_t>((sc_.think_max - sc_.think_min).count());
        world_.sleep_for(sc_.think_min + Millis(world_.choices().below(span + 1)));
        if (current_ == nullptr) {
          ++report_.requests_refused;
          continue;
        }
        Process* p = current_;
        const std::string& selector = sc_.requests[world_.choices().below(sc_.requests.size())];
        auto where = [&] { return fmt::format("session-{} request {} #{}", i, k, selector); };  // on violations only
        RequestWitness witness(releases_);
        witness.at_yield_point = [this](const std::string& point) { reached(point); };
        const sim::Time start = world_.now();
        try {
          p->server->request(id, selector, &witness);
          ++report_.requests_ok;
          const sim::Duration pause = overlap(p->runtime->server_cpu(), start, world_.now());
          report_.pauses.push_back(pause);
          if (pause.count() > 0) report_.held_requests.push_back({fmt::format("session-{}", i), start, world_.now(), pause});
          if (pause > sc_.max_pause)
            violate("pause-budget", where(), fmt::format("held back {} ms by the upgrade, budget {} ms",
                                                       std::chrono::duration_cast<Millis>(pause).count(), sc_.max_pause.count()));
        } catch (const ProcessDied&) {
          ++report_.requests_refused;
        } catch (const std::exception& e) {
          const std::string what = e.what();
          if (what.find("does not exist") != std::string::npos) {
            // Every client session was saved in the production image at boot; only housekeeping
            // of a session idle past its timeout may drop it.
            if (start - last_request <= sc_.session_timeout) violate("lost-session", where(), what);
          } else if (start >= sc_.deploy_at) {
            violate("dnu-by-upgrade", where(), what);
          } else {
            violate("app-error", where(), what);
          }
        }
        if (witness.torn()) violate("torn-request", where(), witness.describe());
        last_request = start;
      }
    });
  }

  void reached(const std::string& point) {
    // The update points of the old release: those the load reaches before the deploy.
    if (world_.now() < sc_.deploy_at &&
        std::find(report_.yield_points.begin(), report_.yield_points.end(), point) == report_.yield_points.end())
      report_.yield_points.push_back(point);
    if (point != st_.upgrade_at_point || report_.upgrade_started_at_point || world_.now() < sc_.deploy_at) return;
    // Start the upgrade right here: the trigger appears and the loader polls now, at its
    // priority; the request resumes from this yield point when the scheduler lets it.
    report_.upgrade_started_at_point = true;
    write_trigger();
    trigger_at_ = world_.now();
    Process* p = current_;
    p->runtime->spawn("upgrade at point", p->server->policy().loader_priority(config_.request_priority),
                      [p] { p->server->poll_once(); });
  }

  // Update-point coverage: every new package is staged, whole and durable, before the run.
  void stage_for_update_point() {
    auto& fs = world_.fs();
    for (const auto& p : releases_.new_packages) {
      fs.write(kStaging + "/" + file_name(p), bytes_.at(p.source));
      fs.fsync(kStaging + "/" + file_name(p));
    }
    fs.fsync_dir(kStaging);
  }

  void write_trigger() {
    auto& fs = world_.fs();
    const std::string trigger = kStaging + "/load";
    if (policy_ == "safe") {
      std::vector<upgrader::ManifestEntry> manifest;
      for (const auto& p : releases_.new_packages)
        manifest.push_back({file_name(p), p.checksum, 0});
      fs.write(trigger + ".tmp", upgrader::render_manifest(manifest));
      if (sc_.fsync_uploads) fs.fsync(trigger + ".tmp");
      fs.rename(trigger + ".tmp", trigger);
    } else {
      fs.write(trigger, "");
    }
    if (sc_.fsync_uploads) fs.fsync_dir(kStaging);
  }

  void deploy() {
    world_.sleep_until(sc_.deploy_at);
    std::vector<const upgrader::Package*> order;
    for (const auto& p : releases_.new_packages) order.push_back(&p);
    if (sc_.order == "reverse") std::reverse(order.begin(), order.end());
    if (sc_.order == "shuffled")
      for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[world_.choices().below(i)]);
    // A power cut during the upload breaks it (scp loses its connection); the operator
    // uploads everything again once the server is back.
    for (;;) {
      upload_interrupted_ = false;
      try {
        if (sc_.trigger == "early") write_trigger();
        upload(order);
        if (sc_.trigger == "after") write_trigger();
        trigger_at_ = world_.now();
        return;
      } catch (const UploadInterrupted&) {
        world_.note("deployer: upload interrupted by the power cut; uploading again after the restart");
      } catch (const sim::FsError& e) {
        // The server moved or deleted a file still being uploaded: the upload fails, as scp would.
        world_.note(fmt::format("deployer: upload failed: {}", e.what()));
        return;
      }
      while (current_ == nullptr) world_.sleep_for(100ms);
    }
  }

  void upload(const std::vector<const upgrader::Package*>& order) {
    auto& fs = world_.fs();
    for (const upgrader::Package* p : order) {
      const std::string& bytes = bytes_.at(p->source);
      const std::string path = kStaging + "/" + file_name(*p);
      const std::size_t chunk = (bytes.size() + static_cast<std::size_t>(sc_.chunks) - 1) / static_cast<std::size_t>(sc_.chunks);
      for (std::size_t off = 0; off < bytes.size(); off += chunk) {
        if (off == 0) fs.write(path, bytes.substr(0, chunk));
        else {
          world_.sleep_for(sc_.chunk_interval);
          if (upload_interrupted_) throw UploadInterrupted{};
          fs.append(path, bytes.substr(off, chunk));
        }
      }
      if (sc_.fsync_uploads) fs.fsync(path);
    }
    if (sc_.fsync_uploads) fs.fsync_dir(kStaging);  // the upload is durable before it counts as done
  }

  // Crash-point enumeration: the power goes right before the server's Nth operation.
  void before_server_op() {
    if (world_.now() < sc_.deploy_at || report_.crashed) return;
    ++report_.server_fs_ops;
    if (st_.crash_at_op && report_.server_fs_ops == *st_.crash_at_op) {
      cut_power();
      throw ProcessDied();
    }
  }

  void cut_power() {
    report_.crashed = true;
    upgrade_requested_at_crash_ = trigger_at_.has_value();
    if (!upgrade_requested_at_crash_) upload_interrupted_ = true;
    world_.crash_disk(st_.crash_outcome);
    current_->runtime->kill_all();
    current_ = nullptr;
  }

  void power(const std::string& mode) {
    if (mode == "at-op") {
      while (!report_.crashed) world_.sleep_for(1ms);
    } else {
      if (mode == "at-install") {
        auto installs = [this] {
          const auto& events = current_->server->events();
          return std::count_if(events.begin(), events.end(), [](const auto& e) { return e.kind == "installed"; });
        };
        while (installs() < sc_.crash_install) world_.sleep_for(1ms);
      } else {
        world_.sleep_until(sc_.deploy_at);
        while (!world_.choices().chance_ppm(sc_.crash_ppm)) world_.sleep_for(1ms);
      }
      cut_power();
    }
    world_.sleep_for(sc_.restart_delay);
    restart();
  }

  void restart() {
    Process& p = start_process();
    try {
      p.server->boot();
    } catch (const std::exception& e) {
      violate("lost-upgrade", "restart", fmt::format("the image cannot boot: {}", e.what()));
      return;
    }
    // Lost upgrade: new code neither in the image nor still staged, whole, to be loaded again
    // (only once the upload was complete and triggered: before that nothing was asked for).
    for (const auto& pkg : releases_.new_packages) {
      if (!upgrade_requested_at_crash_) break;
      const std::string staged = kStaging + "/" + file_name(pkg);
      const bool in_image = holds_code_of(*p.server->image().current(), pkg);
      const bool still_staged = world_.fs().exists(staged) && world_.fs().read(staged) == bytes_.at(pkg.source);
      if (!in_image && !still_staged && !quarantined(file_name(pkg)))
        violate("lost-upgrade", "restart", fmt::format("{} {} is neither in the restarted image nor staged", pkg.name, pkg.version));
    }
    p.server->start_watcher();
    current_ = &p;
  }

  // A file moved aside with its reason has been reported, not lost.
  bool quarantined(const std::string& file) {
    auto& fs = world_.fs();
    if (!fs.exists("quarantine")) return false;
    for (const std::string& batch : fs.list("quarantine"))
      if (fs.exists("quarantine/" + batch + "/" + file)) return true;
    return false;
  }

  void check_image() {
    const upgrader::Release& release = *current_->server->image().current();
    bool all = true;
    for (const auto& pkg : releases_.new_packages) {
      all = all && holds_code_of(release, pkg);
      for (const auto& t : torn_code(release, pkg)) violate("torn-package", pkg.source, t);
    }
    if (all && !upgraded_at_) upgraded_at_ = world_.now();
  }

  void monitor() {
    std::uint64_t last_size = 0;
    sim::Time trigger_seen_since{-1};
    for (;;) {
      world_.sleep_for(250ms);
      auto& fs = world_.fs();
      if (fs.exists("image.snapshot")) {  // images saved since the deploy began
        const std::uint64_t size = fs.size("image.snapshot");
        if (size != last_size && world_.now() >= sc_.deploy_at) report_.image_sizes.push_back(size);
        last_size = size;
      }
      if (current_ != nullptr) check_image();
      // Liveness, from the outside: the trigger stays staged while nothing completes and
      // nothing is quarantined; the upgrade neither finishes nor reports failure.
      const bool reported = fs.exists("quarantine");
      const bool trigger = fs.exists(kStaging + "/load");
      if (!settled_ && !report_.crashed && ((upgraded_at_ && !trigger) || reported)) {
        settled_ = true;
        report_.ops_until_settled = report_.server_fs_ops;
      }
      if (trigger && !upgraded_at_ && !reported) {
        if (trigger_seen_since.count() < 0) trigger_seen_since = world_.now();
        const sim::Duration waiting = world_.now() - trigger_seen_since;
        if (waiting > sc_.poll_period * sc_.max_retries_without_report)
          violate("liveness", "staging", fmt::format("the trigger has been staged for {} s: retried over and over, never reported",
                                                     std::chrono::duration_cast<std::chrono::seconds>(waiting).count()));
      } else {
        trigger_seen_since = sim::Time(-1);
      }
      if (trigger_at_ && !upgraded_at_ && !reported && world_.now() - *trigger_at_ > sc_.liveness)
        violate("liveness", "upgrade", fmt::format("triggered at {}, neither completed nor reported failure within {} ms",
                                                   sim::format_time(trigger_at_->count()), sc_.liveness.count()));
    }
  }

  void finish() {
    report_.upgraded = upgraded_at_.has_value();
    if (!settled_) report_.ops_until_settled = report_.server_fs_ops;
    if (sc_.max_image_growth > 0 && !report_.image_sizes.empty() && report_.fresh_image_bytes > 0) {
      const auto largest = *std::max_element(report_.image_sizes.begin(), report_.image_sizes.end());
      const double growth = static_cast<double>(largest) / static_cast<double>(report_.fresh_image_bytes);
      if (growth > sc_.max_image_growth)
        violate("image-growth", "image.snapshot",
                fmt::format("saved image of {} bytes is {:.2f}x the fresh image ({} bytes), budget {:.2f}x", largest, growth,
                            report_.fresh_image_bytes, sc_.max_image_growth));
    }
  }

  const Scenario& sc_;
  std::string policy_;
  RunSettings st_;
  Releases releases_;
  upgrader::ServerConfig config_;
  sim::World world_;
  RunReport report_;
  std::vector<std::unique_ptr<Process>> processes_;  // dead ones stay until their fibers unwind
  Process* current_ = nullptr;                       // null while the server is down
  std::map<std::string, std::string> bytes_;  // new package files, as the deployer uploads them
  std::vector<std::uint64_t> session_ids_;
  std::optional<sim::Time> trigger_at_;
  bool upload_interrupted_ = false;
  bool upgrade_requested_at_crash_ = false;
  bool settled_ = false;
  std::optional<sim::Time> upgraded_at_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

RunReport run_scenario(const Scenario& scenario, const std::string& policy, const RunSettings& settings) {
  return Run(scenario, policy, settings).go();
}

}  // namespace scenarios
