#include "scenarios/live/deployer_process.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <random>
#include <vector>

#include "scenarios/engine/package_order.hpp"
#include "scenarios/live/event_log.hpp"
#include "upgrader/checksum.hpp"
#include "upgrader/manifest.hpp"
#include "upgrader/real_runtime.hpp"

namespace scenarios::live {

namespace {

using namespace std::chrono_literals;

class LiveDeployer {
 public:
  LiveDeployer(const Scenario& sc, const Releases& releases, const upgrader::ServerConfig& config, const DeployerPlan& plan,
               upgrader::RealRuntime& runtime, EventWriter& log)
      : sc_(sc), releases_(releases), plan_(plan), runtime_(runtime), log_(log), random_(plan.seed),
        staging_(config.staging_dir), trigger_path_(config.staging_dir + "/" + config.trigger) {
    for (int d = 1; d <= releases.last(); ++d) uploads_.push_back({d, releases.uploaded_by(d), false, std::nullopt});
  }

  void spawn() {
    for (Upload& u : uploads_) runtime_.spawn(fmt::format("deployer-{}", u.deploy), 100, [this, &u] { deploy(u); });
  }

 private:
  struct Upload {
    int deploy = 1;
    std::vector<std::size_t> packages;
    bool triggered = false;
    std::optional<std::string> manifest;
  };
  struct UploadFailed : std::runtime_error {
    using std::runtime_error::runtime_error;
  };

  std::function<std::size_t(std::size_t)> draw() {
    return [this](std::size_t n) { return static_cast<std::size_t>(random_() % n); };
  }
  std::int64_t t() const { return plan_.clock.now().count(); }
  void sleep(sim::Duration d) { runtime_.sleep_for(plan_.clock.real(d)); }
  std::string full(const std::string& path) const { return plan_.root + "/" + path; }

  // scp: create or truncate, append, fsync, rename; a file the server moved or deleted
  // under an upload in progress fails it.
  void put(const std::string& path, std::string_view bytes, bool create) {
    const int fd = ::open(full(path).c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT | O_TRUNC : O_APPEND), 0644);
    if (fd < 0) throw UploadFailed(fmt::format("{}: {}", path, std::strerror(errno)));
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int err = errno;
        ::close(fd);
        throw UploadFailed(fmt::format("{}: {}", path, std::strerror(err)));
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    ::close(fd);
  }
  void sync(const std::string& path, bool dir) {
    const int fd = ::open(full(path).c_str(), O_RDONLY | O_CLOEXEC | (dir ? O_DIRECTORY : 0));
    if (fd < 0) throw UploadFailed(fmt::format("{}: {}", path, std::strerror(errno)));
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) throw UploadFailed(fmt::format("{}: fsync: {}", path, std::strerror(errno)));
  }
  bool exists(const std::string& path) const { return ::access(full(path).c_str(), F_OK) == 0; }

  std::string trigger_bytes(Upload& u) {
    if (plan_.format == upgrader::Policy::Trigger::Empty) return "";
    if (!u.manifest) {  // drawn once per deploy: every copy of its trigger is the same request
      std::vector<upgrader::ManifestEntry> manifest;
      for (const std::size_t i : package_order(sc_.manifest_order, releases_, u.packages, draw()))
        manifest.push_back({releases_.new_files[i], releases_.new_packages[i].checksum, 0});
      u.manifest = upgrader::render_manifest(manifest);
    }
    return *u.manifest;
  }

  void write_trigger(Upload& u) {
    if (plan_.format == upgrader::Policy::Trigger::Manifest) {
      // Written aside and renamed, so the trigger never exists half-written.
      put(trigger_path_ + ".tmp", trigger_bytes(u), true);
      if (sc_.fsync_uploads) sync(trigger_path_ + ".tmp", false);
      if (::rename(full(trigger_path_ + ".tmp").c_str(), full(trigger_path_).c_str()) != 0)
        throw UploadFailed(fmt::format("{}: rename: {}", trigger_path_, std::strerror(errno)));
    } else {
      put(trigger_path_, "", true);
    }
    if (sc_.fsync_uploads) sync(staging_, true);
    log_.write("trigger-written", t(), {{"deploy", std::to_string(u.deploy)}});
  }

  // A later deploy's trigger waits for the one before it: written, and taken by the server.
  void wait_for_earlier_trigger(const Upload& u) {
    if (u.deploy == 1) return;
    const Upload& earlier = uploads_[static_cast<std::size_t>(u.deploy - 2)];
    while (!earlier.triggered || exists(trigger_path_)) sleep(100ms);
  }

  void upload(Upload& u) {
    for (const std::size_t k : package_order(sc_.order, releases_, u.packages, draw())) {
      const std::string& bytes = releases_.new_bytes[k];
      const std::string path = staging_ + "/" + releases_.new_files[k];
      const std::size_t chunk = (bytes.size() + static_cast<std::size_t>(sc_.chunks) - 1) / static_cast<std::size_t>(sc_.chunks);
      for (std::size_t off = 0; off < bytes.size(); off += chunk) {
        if (off > 0) sleep(sc_.chunk_interval);
        put(path, std::string_view(bytes).substr(off, chunk), off == 0);
      }
      if (sc_.fsync_uploads) sync(path, false);
    }
    if (sc_.fsync_uploads) sync(staging_, true);  // the upload is durable before it counts as done
  }

  void deploy(Upload& u) {
    runtime_.sleep_for(plan_.clock.real_at(sc_.deploy_time(u.deploy)) - std::chrono::steady_clock::now());
    if (!started_) log_.write("deploy-started", t(), {});
    started_ = true;
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
      u.triggered = true;
      log_.write("deploy-completed", t(),
                 {{"deploy", std::to_string(u.deploy)},
                  {"trigger_hash", fmt::format("{:016x}", upgrader::fnv1a64(trigger_bytes(u)))},
                  {"durable", sc_.fsync_uploads ? "1" : "0"}});
    } catch (const UploadFailed& e) {
      log_.write("upload-failed", t(), {{"deploy", std::to_string(u.deploy)}, {"what", e.what()}});
    }
  }

  const Scenario& sc_;
  const Releases& releases_;
  const DeployerPlan& plan_;
  upgrader::RealRuntime& runtime_;
  EventWriter& log_;
  std::mt19937_64 random_;
  std::string staging_, trigger_path_;
  std::vector<Upload> uploads_;
  bool started_ = false;
};

}  // namespace

void deployer_process_main(const Scenario& sc, const Releases& releases, const upgrader::ServerConfig& config,
                           const DeployerPlan& plan) {
  int status = 1;
  try {
    EventWriter log(plan.log_path);
    try {
      upgrader::RealRuntime runtime(plan.root);
      LiveDeployer deployer(sc, releases, config, plan, runtime, log);
      deployer.spawn();
      runtime.join_all();
      status = 0;
    } catch (const std::exception& e) {
      log.write("error", plan.clock.now().count(), {{"process", "deployer"}, {"what", e.what()}});
    }
  } catch (...) {
  }
  ::_exit(status);
}

}  // namespace scenarios::live
