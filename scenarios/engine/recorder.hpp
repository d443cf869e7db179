#pragma once
// The recorder writes the observation log (observation.hpp) of one run. It sees the server
// processes' file operations and their loaders' wake-ups through the runtime binding, and
// the disk and the image through views that never yield, draw a choice or trace: observing
// never changes a schedule, so a run's trace hash is the same with the recorder off.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/engine/observation.hpp"
#include "scenarios/engine/release_matcher.hpp"
#include "scenarios/engine/server_processes.hpp"
#include "scenarios/oracles/evidence.hpp"
#include "sim/world.hpp"

namespace scenarios {

class Recorder {
 public:
  // Disabled: every call is a no-op and the log stays empty (the oracles-off runs).
  Recorder(sim::World& world, const Releases& releases, const upgrader::ServerConfig& config, bool enabled);
  ~Recorder();
  bool enabled() const { return enabled_; }

  // Follows a process from its start: its file operations and the polls of its loader.
  void attach(ServerProcess& process);

  // A cluster sharing one staging directory: the deploys this recorder is told of are told
  // to `other` too (each image's log holds the deploys it could see).
  void mirror_deploys_to(Recorder& other) { mirrors_.push_back(&other); }

  // What the other parts of the engine report.
  void deploy_started();
  void trigger_written(int deploy);  // before or after its upload
  void deploy_completed(const std::string& trigger_bytes, bool durable);  // a deploy wrote its trigger
  void crashed(const ServerProcess& process);  // right before the disk loses what it loses
  void booted(ServerProcess& process, const std::optional<std::string>& error);  // a restart
  void media_fault(const std::string& file, const std::string& what);          // power off, file rotted
  void request(RequestSeen request);
  void save_triggered();  // the cron job staged an empty trigger
  // A rolling upgrade took the image out of the balancer for `deploy`, and put it back.
  void drained(int deploy);
  void back_in_service();
  // The methods of `hotfix` were typed into the production image: follow each of them.
  void local_change_typed_in(const upgrader::Package& hotfix);

  // Which uploaded packages the process's image holds now, so which release (and notes a
  // change or torn code).
  ReleaseState image_state(ServerProcess& process);
  Mark mark() const;

  // The log, completed with the end state.
  Observation finish(ServerProcess* current);

 private:
  class ProcessObserver;
  void before_op(ServerProcess& process, std::string_view op, const std::string& path, const std::string& to);
  void after_op(ServerProcess& process, std::string_view op, const std::string& path, const std::string& to);
  void poll_began(ServerProcess& process);
  StagingSeen staging() const;
  void check_snapshot(int process, bool volatile_view);
  // The image a snapshot's bytes decode to, by its canonical encoding's hash; nullopt if
  // they do not decode. Also which new packages it holds.
  std::optional<std::pair<std::uint64_t, ReleaseState>> decode(const std::string& bytes) const;

  sim::World& world_;
  const Releases& releases_;
  upgrader::ServerConfig config_;
  bool enabled_;
  Observation obs_;
  std::map<std::string, int> batch_index_;  // staged path -> new package index
  std::string trigger_path_;
  std::optional<std::string> trigger_bytes_;
  std::vector<std::unique_ptr<ProcessObserver>> observers_;
  ReleaseMatcher matcher_;  // the release last looked at
  std::map<int, ReleaseState> last_state_;  // per process
  std::map<int, std::size_t> op_in_flight_;  // per process: its operation under way (index in server_ops)
  std::vector<std::string> snapshot_paths_;  // every copy of the image the policy keeps
  std::map<std::string, std::optional<std::string>> durable_snapshot_seen_;  // per copy: the durable bytes last seen
  mutable std::optional<std::string> decoded_bytes_;  // the bytes decode() was last asked about
  mutable std::optional<std::pair<std::uint64_t, ReleaseState>> decoded_;  // and its answer
  std::vector<std::string> torn_seen_;
  std::vector<upgrader::MethodDef> local_methods_;  // index = place in obs_.local_changes
  std::vector<Recorder*> mirrors_;
};

}  // namespace scenarios
