#pragma once
// What one run showed, as the recorder saw it from outside the upgrader: requests with the
// releases they ran on, the server's file operations with their process and poll, boots,
// crashes, snapshots as they appeared on disk, and the staging directory at every poll.
// The oracles (scenarios/oracles/) judge this log alone; nothing in it feeds back into the run.
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "sim/scheduler.hpp"

namespace scenarios {

// Where in the run something was seen: virtual time, scheduler step, and the position in
// the trace (so a violation found later can be placed where it happened).
struct Mark {
  sim::Time at{0};
  std::uint64_t step = 0;
  std::size_t trace_index = 0;
};

// Which of the deploys' packages an image or a snapshot holds, exactly as their files define
// them (index = place in Releases::new_packages: the `new` list, then each `next` release's),
// and so which release it is.
struct ReleaseState {
  std::vector<bool> held;
  int release = 0;  // 0: the old release, d: deploy d's, -1: none of them (a mixture)
  int count() const;
  bool is_old() const { return release == 0; }
  bool is(int r) const { return !held.empty() && release == r; }
  bool torn() const { return release < 0; }
  bool operator==(const ReleaseState&) const = default;
};

// The staging directory, seen without touching it.
struct StagingSeen {
  bool trigger = false;          // the trigger the latest deploy wrote is there, byte for byte
  bool any_trigger = false;      // something is there under the trigger's name
  std::vector<bool> whole;       // per uploaded package: its file is there, byte for byte
  std::vector<bool> there;       // per uploaded package: a file is there under its name, whole or not
  bool quarantined = false;      // a batch file or the trigger sits in quarantine/
};

struct RequestSeen {
  int session = 0;  // client index
  int number = 0;   // its k-th request
  std::string selector;
  int process = 0;  // the server process (boot) that served it
  int image = 0;    // in a cluster: the image whose process it was
  sim::Time start{0}, end{0};
  enum class Result { Served, Refused, Failed } result = Result::Served;
  std::string error;             // Failed: what the server said
  bool session_present = true;   // the session was in the image when the request arrived
  sim::Duration idle{0};         // since the session's previous request
  ReleaseState image_at_start, image_at_end;
  bool ran_new = false;  // code the old release lacks
  bool torn = false;     // code of two releases, which no one release holds together
  std::string ran;       // which, when torn
  sim::Duration held{0};                  // the server's own CPU during the request
  bool met_server_work = false;           // the server's own work was under way during it (held it or was preempted)
  Mark mark;                              // at its end
  bool overlapped_upgrade() const {
    return ran_new || held.count() > 0 || !(image_at_start == image_at_end) || image_at_start.torn();
  }
};

// A file operation of a server process (what the upgrader asked its filesystem for).
struct FileOpSeen {
  Mark mark;
  int process = 0;
  int poll = 0;           // the process's poll: its loader's wake-ups so far
  std::string op;         // read, write, rename, unlink, fsync, fsync_dir, list, stat, mkdir
  std::string path, to;   // to: rename's destination
  int batch_file = -1;    // path names the staged file of this uploaded package (index), or
  bool trigger = false;   // the trigger
  bool partial = false;   // a read of a batch file holding a strict prefix of its bytes
  bool moved_aside = false;  // a batch file or the trigger renamed out of staging, or a copy written to quarantine
  bool failed = true;        // until the operation returns: an error (EIO, ENOSPC, ...) or the process died in it
};

struct PollSeen {
  Mark mark;
  int process = 0;
  StagingSeen staging;
  ReleaseState image;  // the live image when the poll began
};

// A complete snapshot newly visible at the snapshot path: in the volatile view (what a
// read returns now) or in the durable one (what survives any crash).
struct SnapshotSeen {
  Mark mark;
  int process = 0;
  bool durable = false;
  std::uint64_t image_hash = 0;  // of the image it decodes to (canonical encoding)
  std::uint64_t bytes = 0;
  ReleaseState state;
  int copy = 0;  // durable: which copy of the image the policy keeps (0: the snapshot path)
  bool disk_image_matches(const struct BootSeen& boot) const;
};

struct BootSeen {
  Mark mark;
  int process = 0;
  bool ok = true;
  std::string error;
  bool disk_snapshot = false;                 // a file was at the snapshot path
  std::optional<std::uint64_t> disk_image;    // the image it decodes to, when it does
  std::uint64_t booted_image = 0;             // the image the server booted
  ReleaseState state;
  StagingSeen staging;
};

inline bool SnapshotSeen::disk_image_matches(const BootSeen& boot) const {
  return boot.disk_image && *boot.disk_image == image_hash;
}

struct CrashSeen {
  Mark mark;
  int process = 0;  // the process that died
};

// A durable file rotted while the power was off (a media fault).
struct MediaFaultSeen {
  Mark mark;
  std::string file;
  std::string what;
};

struct ImageChange {
  Mark mark;
  int process = 0;
  ReleaseState state;
};

struct TornSeen {
  Mark mark;
  std::string package;  // its file
  std::string what;
};

// A method typed into the production image ([app] local_change), followed through the run.
struct LocalChangeSeen {
  std::string class_name, selector;
  std::string method;        // "Class>>selector"
  std::optional<Mark> lost;  // when a live image first stopped running it
  bool in_final_image = false;
  bool reported = false;     // at the end, the server's local-change report names it
};

// A rolling upgrade took the image out of the balancer for a deploy, until it put it back
// (never, when the rollout halted there).
struct DrainSeen {
  int deploy = 1;
  Mark from;
  std::optional<Mark> to;
};

struct Observation {
  std::optional<sim::Time> deploy_started;  // the first deploy began
  std::vector<sim::Time> triggers;  // when each deploy completed (upload and trigger), in deploy order (a prefix of them)
  std::vector<sim::Time> triggers_written;  // when each deploy first wrote its trigger: before its upload with trigger = "early"
  bool deploy_durable = false;      // the deployer fsyncs what it uploads
  // Deques: a long run records hundreds of thousands of these, and a vector's regrowth
  // moved every one of them again (5% of a default-suite seed's time).
  std::deque<RequestSeen> requests;
  std::deque<FileOpSeen> server_ops;
  std::deque<PollSeen> polls;
  std::vector<SnapshotSeen> snapshots;
  std::vector<BootSeen> boots;  // restarts after a crash (the first boot is the production image)
  std::vector<CrashSeen> crashes;
  std::vector<MediaFaultSeen> media_faults;
  std::vector<ImageChange> image_changes;
  std::vector<TornSeen> torn;
  std::vector<sim::Time> save_triggers;  // when the operator's cron job staged an empty trigger
  std::vector<LocalChangeSeen> local_changes;
  std::vector<DrainSeen> drains;  // a rolling upgrade's, in order
  // At the end of the run.
  Mark end;
  bool server_up = false;
  int last_process = 0;
  ReleaseState final_image;
  StagingSeen final_staging;
};

}  // namespace scenarios
