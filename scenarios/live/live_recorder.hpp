#pragma once
// The recorder of one live server process: what the simulated recorder (engine/recorder.hpp)
// sees, written to the process's event log as it happens, so that what a SIGKILL interrupts
// is on disk up to the kill. It sees the upgrader's file operations and its loader's
// wake-ups through the runtime (live_runtime.hpp), the disk through DiskView (no yield,
// no recorded operation) and the image between yield points; it never changes what runs.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/engine/observation.hpp"
#include "scenarios/engine/release_matcher.hpp"
#include "scenarios/live/disk_view.hpp"
#include "scenarios/live/event_log.hpp"
#include "scenarios/live/live_runtime.hpp"
#include "scenarios/live/observation_fields.hpp"
#include "scenarios/oracles/evidence.hpp"
#include "upgrader/server.hpp"

namespace scenarios::live {

class LiveRecorder {
 public:
  // `durable_seen`: per snapshot copy, the hash of its bytes last seen by the run's earlier
  // processes (a restart must not report the image it boots from as newly saved).
  LiveRecorder(EventWriter& log, LiveRuntime& runtime, upgrader::Server& server, const Releases& releases, DiskView disk,
               int process, std::map<std::string, std::uint64_t> durable_seen);

  // Follows the server's file operations and polls from now on.
  void attach();
  void booted(const std::optional<std::string>& error);  // a restart's boot
  ReleaseState image_state();
  void request(const RequestSeen& r);
  void note(std::string_view kind, const Fields& fields);
  // The end of the run: the final image and staging.
  void finish();

 private:
  void before_op(std::string_view op, const std::string& path, const std::string& to);
  void after_op(std::string_view op, const std::string& path, const std::string& to);
  void poll_began();
  void check_snapshot(bool volatile_view);
  std::int64_t t() const { return runtime_.now().count(); }

  EventWriter& log_;
  LiveRuntime& runtime_;
  upgrader::Server& server_;
  const Releases& releases_;
  DiskView disk_;
  int process_;
  std::map<std::string, int> batch_index_;  // staged path -> new package index
  std::string trigger_path_;
  std::vector<std::string> snapshot_paths_;
  std::map<std::string, std::uint64_t> durable_raw_;
  ReleaseMatcher matcher_;  // the release last looked at
  std::optional<ReleaseState> last_state_;
  std::vector<std::string> torn_seen_;
  std::int64_t ops_ = 0;  // file operations begun
};

}  // namespace scenarios::live
