// The `safe` policy: verify the whole batch before touching the image, install in
// dependency order into a release built aside, publish it with one pointer switch (requests
// in flight finish on the release they started on), housekeeping, a durable snapshot, and
// only then remove the staging files. A batch that keeps failing is quarantined.
// An empty manifest asks for housekeeping and a save only (an operator's nightly cron job).
// A method typed into the image (a local change, in no package) that the batch replaces is
// overwritten, as the batch says, but named first in a durable report, so the hot fix can
// be carried into its package instead of vanishing.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <sstream>

#include "upgrader/checksum.hpp"
#include "upgrader/local_change.hpp"
#include "upgrader/manifest.hpp"
#include "upgrader/package.hpp"
#include "upgrader/runtime.hpp"
#include "upgrader/server.hpp"
#include "upgrader/staging.hpp"

namespace upgrader {
namespace {

// The snapshot could not be written: not the batch's fault.
struct SaveFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The local-change report could not be written (EIO, ENOSPC): nothing is published then.
struct ReportFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The release is installed and saved, but acknowledging it or removing the staged files
// failed (EIO, ENOSPC): not the batch's fault, and never a reason to install it again.
struct UnstageFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The disk kept failing to read the batch (EIO): not the batch's fault either.
struct ReadFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The device failed (EIO) or is full: says nothing about the batch.
bool disk_fault(const IoError& e) { return e.kind() == IoError::Kind::Io || e.kind() == IoError::Kind::NoSpace; }

// A read the device fails is read again a few times in this poll: a transient EIO must not
// cost a good batch a try (after max_tries it would be quarantined), and if the disk keeps
// failing the batch stays staged for the next poll (ReadFailed), its count untouched.
constexpr int kReadAttempts = 3;
std::string read_staged(Filesystem& fs, const std::string& path) {
  for (int attempt = 1;; ++attempt) {
    try {
      return fs.read(path);
    } catch (const IoError& e) {
      if (!disk_fault(e)) throw;
      if (attempt == kReadAttempts) throw ReadFailed(e.what());
    }
  }
}

// Dependency order inside the batch; ties (and independent packages) by name.
std::vector<const Package*> dependency_order(const std::vector<Package>& batch, const Release& installed) {
  std::map<std::string, const Package*> by_name;
  for (const Package& p : batch)
    if (!by_name.emplace(p.name, &p).second) throw LoadError(fmt::format("package {} appears twice in the batch", p.name));
  for (const Package& p : batch)
    for (const Requirement& r : p.requirements) {
      auto in_batch = by_name.find(r.package);
      const std::int64_t have = in_batch != by_name.end() ? in_batch->second->version
                                : installed.packages.contains(r.package) ? installed.packages.at(r.package) : -1;
      if (have < 0 || !r.accepts(have))
        throw LoadError(fmt::format("{}: {} requires {}, {}", p.source, p.name, r.describe(),
                                    have < 0 ? "which is neither installed nor in the batch" : fmt::format("but {} is available", have)));
    }
  std::vector<const Package*> order;
  std::set<std::string> done, visiting;
  std::function<void(const Package&)> visit = [&](const Package& p) {
    if (done.contains(p.name)) return;
    if (!visiting.insert(p.name).second) throw LoadError(fmt::format("{}: dependency cycle through {}", p.source, p.name));
    for (const Requirement& r : p.requirements)
      if (auto it = by_name.find(r.package); it != by_name.end()) visit(*it->second);
    visiting.erase(p.name);
    done.insert(p.name);
    order.push_back(&p);
  };
  for (const auto& [name, p] : by_name) visit(*p);
  return order;
}

class SafePolicy : public Policy {
 public:
  std::string name() const override { return "safe"; }
  // Building aside touches nothing requests see, so it runs below request handling (as
  // Smalltalk's userBackgroundPriority sits below user processes) and yields after every
  // method it compiles: a request waits at most for one method's compile slice, and the
  // build advances whenever requests leave the CPU idle. The publish itself is one step
  // with no yield point inside.
  int loader_priority(int request_priority) const override { return request_priority - 1; }
  bool pins_requests() const override { return true; }
  Trigger trigger_format() const override { return Trigger::Manifest; }
  int snapshot_copies() const override { return 2; }

  // A restored image carries each session's last-active time from its save, but clients may
  // have used the session since, in the process that died: downtime is not their idleness,
  // and housekeeping would expire sessions in use. Their timers count from the restart.
  void restored(Server& server) override { restored_at_ = server.runtime().now(); }

  void poll(Server& server) override {
    Filesystem& fs = server.runtime().fs();
    const ServerConfig& cfg = server.config();
    fs.mkdir(cfg.staging_dir);
    const std::string manifest_path = server.staging_path(cfg.trigger);
    if (!fs.exists(manifest_path)) {
      saved_not_unstaged_.reset();  // gone: a later trigger with the same text is a new request
      if (cfg.images > 1) forget_stale_acknowledgement(server);
      return;
    }
    std::string manifest_text;
    std::vector<ManifestEntry> entries;
    batch_seen_ = fnv1a64("");
    try {
      if (!fs.is_regular_file(manifest_path)) throw LoadError(fmt::format("{}: not a regular file", manifest_path));
      manifest_text = read_staged(fs, manifest_path);
      batch_seen_ = fnv1a64(manifest_text);
      const bool empty = manifest_text.find_first_not_of(" \t\r\n") == std::string::npos;
      if (!empty) entries = parse_manifest(manifest_text, manifest_path);
      // Installed and saved in this process, only its unstaging failed: finish that alone.
      if (saved_not_unstaged_ == batch_seen_) {
        unstage(server, entries, manifest_text);
        return;
      }
      // In a cluster sharing this staging directory, a batch (or an empty trigger's save) this
      // image has already done and acknowledged is left for the others; the last one cleans up.
      if (cfg.images > 1 && acknowledged(server, cfg.image, manifest_text)) {
        clean_up_if_all_acknowledged(server, entries, manifest_text);
        return;
      }
      if (empty) {
        save_only(server, manifest_text);
        return;
      }
      upgrade(server, entries, manifest_text);
      forget_tries(server);
    } catch (const SaveFailed& e) {
      // The batch is fine, the disk is not (full, failing): keep everything staged, which is
      // the durable record of the upgrade, report it, and try again next period.
      server.record("error", fmt::format("release published but not saved, staging kept for the next try: {}", e.what()));
    } catch (const UnstageFailed& e) {
      server.record("error", fmt::format("installed and saved, but the staging step failed; it alone is done again next poll (not counted): {}", e.what()));
    } catch (const ReportFailed& e) {
      server.record("error", fmt::format("local changes not reported, nothing published, staging kept for the next try: {}", e.what()));
    } catch (const ReadFailed& e) {
      server.record("error", fmt::format("the disk failed reading the batch, staging kept for the next try (not counted): {}", e.what()));
    } catch (const std::exception& e) {
      // Tries are counted on disk, so a crash or restart does not reset the bound. They count
      // for the bytes this try read: a batch whose files changed since the last try (an upload
      // still in progress behind an early trigger, or uploaded again) starts a new count, so a
      // slow upload never uses up the tries of the complete batch.
      const int tries = record_try(server, fmt::format("batch:{:016x}", batch_seen_));
      server.record("error", fmt::format("batch refused (try {} of {}): {}", tries, cfg.max_tries, e.what()));
      if (tries >= cfg.max_tries) {
        quarantine(server, entries, e.what());
        forget_tries(server);
      }
    }
  }

 private:
  void upgrade(Server& server, const std::vector<ManifestEntry>& entries, const std::string& manifest_text) {
    Filesystem& fs = server.runtime().fs();
    const ServerConfig& cfg = server.config();
    // 1. Read and verify the whole batch; the image is not touched yet.
    std::vector<Package> batch;
    for (const ManifestEntry& e : entries) {
      const std::string path = server.staging_path(e.file);
      if (!fs.exists(path)) throw LoadError(fmt::format("{}: listed in the manifest but missing", path));
      if (!fs.is_regular_file(path)) throw LoadError(fmt::format("{}: refused: not a regular file (link, directory or device)", path));
      if (const auto size = fs.size(path); size > cfg.max_package_bytes)
        throw LoadError(fmt::format("{}: refused: {} bytes, more than the {} a package may have", path, size, cfg.max_package_bytes));
      const std::string bytes = read_staged(fs, path);
      batch_seen_ = fnv1a64(bytes, batch_seen_);
      if (checksum_text(bytes) != e.checksum)
        throw LoadError(fmt::format("{}: checksum {} does not match the manifest's {} (incomplete or altered upload)", path,
                                    checksum_text(bytes), e.checksum));
      batch.push_back(parse_package(bytes, path));
    }
    // 2. Build the new release aside, in dependency order.
    auto next = std::make_shared<Release>(*server.image().current());
    for (const Package* p : dependency_order(batch, *next)) {
      next->apply(*p, /*check_requires=*/true);
      server.record("installed", fmt::format("{} {} from {} into release {} (not yet published)", p->name, p->version,
                                             p->source, server.image().current()->number + 1));
      // One compile slice per method (and one for the package's definitions), each followed
      // by a yield point: requests that arrived meanwhile run before the next slice.
      for (std::size_t slice = 0; slice <= p->methods.size(); ++slice) {
        server.runtime().spend_cpu(cfg.compile_cost_per_method);
        server.runtime().yield();
      }
    }
    next->number = server.image().current()->number + 1;
    // Local changes the new release overwrites are named durably before they are gone.
    if (const auto lost = overwritten_local_changes(*server.image().current(), *next); !lost.empty())
      report_local_changes(server, lost, next->number);
    // 3. Publish: one pointer switch; requests in flight keep the release they pinned.
    server.image().publish(next);
    for (const Package* p : dependency_order(batch, *next)) server.run_initializers(*p);
    server.record("published", fmt::format("release {} ({} packages)", next->number, batch.size()));
    // 4. Housekeeping, then a durable snapshot, and only then remove the staging files.
    const std::size_t expired = server.image().expire_sessions(server.runtime().now(), cfg.session_timeout, restored_at_);
    if (expired > 0) server.record("housekeeping", fmt::format("{} idle sessions expired", expired));
    // A save that fails (EIO, ENOSPC) is written whole again, a few times in this poll: after a
    // failed fsync only a rewrite persists anything (an fsync retried alone would "succeed").
    for (int attempt = 1;; ++attempt) {
      try {
        server.save();
        break;
      } catch (const std::exception& e) {
        if (attempt == kSaveAttempts) throw SaveFailed(e.what());
        server.record("error", fmt::format("save failed (attempt {} of {}), writing it again: {}", attempt, kSaveAttempts, e.what()));
      }
    }
    unstage(server, entries, manifest_text);
  }

  // After a durable save: the batch (or empty trigger) leaves staging. Alone, this image
  // removes it. Sharing the staging directory, the batch stays until every image has
  // installed it: this image's acknowledgement is made durable only after its snapshot is, so
  // an image that crashes before it finds the batch still staged, and one that crashes after
  // it boots the new release. A disk fault here is remembered: the next poll retries this
  // step, never the install (a second install of the same batch would be a new release).
  void unstage(Server& server, const std::vector<ManifestEntry>& entries, const std::string& trigger_text) {
    Filesystem& fs = server.runtime().fs();
    const ServerConfig& cfg = server.config();
    saved_not_unstaged_ = fnv1a64(trigger_text);
    try {
      if (cfg.images > 1) {
        acknowledge(server, trigger_text);
        saved_not_unstaged_.reset();
        clean_up_if_all_acknowledged(server, entries, trigger_text);
        return;
      }
      // The manifest goes first, durably: a crash part way through the removal must never
      // leave a manifest whose files are partly gone (it would be refused as incomplete).
      fs.unlink(server.staging_path(cfg.trigger));
      fs.fsync_dir(cfg.staging_dir);
      saved_not_unstaged_.reset();
      for (const ManifestEntry& e : entries) fs.unlink(server.staging_path(e.file));
      fs.fsync_dir(cfg.staging_dir);
    } catch (const IoError& e) {
      if (!disk_fault(e)) throw;
      throw UnstageFailed(e.what());
    }
    server.record("removed", entries.empty() ? std::string("the empty trigger (housekeeping and save only)")
                                             : fmt::format("{} staged files and the manifest", entries.size()));
  }

  // An empty trigger: no batch, only housekeeping and a durable save (a smaller image at a
  // quiet hour), as in upgrade()'s step 4, then the trigger is removed. A save that fails
  // every attempt keeps the trigger staged for the next poll. In a cluster sharing the
  // staging directory every image saves: each acknowledges, the last one removes the trigger.
  void save_only(Server& server, const std::string& trigger_text) {
    const ServerConfig& cfg = server.config();
    const std::size_t expired = server.image().expire_sessions(server.runtime().now(), cfg.session_timeout, restored_at_);
    if (expired > 0) server.record("housekeeping", fmt::format("{} idle sessions expired", expired));
    for (int attempt = 1; !try_save(server, attempt); ++attempt) {
    }
    unstage(server, {}, trigger_text);
  }

  // One attempt of a save: false to write it whole again, SaveFailed after the last attempt.
  static bool try_save(Server& server, int attempt) {
    try {
      server.save();
      return true;
    } catch (const std::exception& e) {
      if (attempt == kSaveAttempts) throw SaveFailed(e.what());
      server.record("error", fmt::format("save failed (attempt {} of {}), writing it again: {}", attempt, kSaveAttempts, e.what()));
      return false;
    }
  }

  // Appends one line per overwritten local change to the report, replaced whole (written
  // aside, fsynced, renamed) so that a crash leaves the old report or the new one.
  void report_local_changes(Server& server, const std::vector<std::string>& lost, std::uint64_t release) {
    Filesystem& fs = server.runtime().fs();
    const std::string& report = server.config().local_changes_report;
    try {
      std::string text = fs.exists(report) ? read_staged(fs, report) : std::string();
      for (const std::string& method : lost)
        text += fmt::format("{}: typed into the image, in no package; overwritten by release {}\n", method, release);
      fs.write(report + ".tmp", text);
      fs.fsync(report + ".tmp");
      fs.rename(report + ".tmp", report);
      fs.fsync_dir(parent_dir(report));
    } catch (const ReadFailed& e) {
      throw ReportFailed(e.what());
    } catch (const IoError& e) {
      if (!disk_fault(e)) throw;
      throw ReportFailed(e.what());
    }
    server.record("local-change", fmt::format("overwritten, named in {}: {}", report, fmt::join(lost, ", ")));
  }

  // "<checksum of the manifest>", in a hidden file per image: what that image installed.
  static std::string ack_path(Server& server, int image) { return server.staging_path(fmt::format(".ack-{}", image)); }
  static std::string ack_text(const std::string& manifest_text) { return checksum_text(manifest_text) + "\n"; }

  static bool acknowledged(Server& server, int image, const std::string& manifest_text) {
    Filesystem& fs = server.runtime().fs();
    const std::string path = ack_path(server, image);
    try {
      return fs.exists(path) && read_staged(fs, path) == ack_text(manifest_text);
    } catch (const IoError& e) {
      if (e.kind() != IoError::Kind::NotFound) throw;
      return false;  // removed between the two calls by the image that cleaned up
    }
  }

  static void acknowledge(Server& server, const std::string& manifest_text) {
    Filesystem& fs = server.runtime().fs();
    const ServerConfig& cfg = server.config();
    // Written aside and renamed: a torn acknowledgement must never stand for a whole one.
    // A failed fsync is written whole again, a few times in this poll, as a save is: each
    // time a new file (one whose fsync failed may never persist what it held).
    const std::string path = ack_path(server, cfg.image);
    for (int attempt = 1;; ++attempt) {
      try {
        unlink_if_there(fs, path + ".tmp");
        fs.write(path + ".tmp", ack_text(manifest_text));
        fs.fsync(path + ".tmp");
        fs.rename(path + ".tmp", path);
        fs.fsync_dir(cfg.staging_dir);
        break;
      } catch (const IoError& e) {
        if (!disk_fault(e) || attempt == kSaveAttempts) throw;
        server.record("error", fmt::format("acknowledgement not written (attempt {} of {}), writing it again: {}", attempt, kSaveAttempts, e.what()));
      }
    }
    server.record("acknowledged", fmt::format("{} (image {} of {})", path, cfg.image + 1, cfg.images));
  }

  // No trigger staged, yet this image's acknowledgement is there: the image cleaning up has
  // not reached it yet, or crashed before it did. Left there, it would stand for the next
  // trigger with the same text (the cron job's empty one, every night), and this image would
  // skip that save. Only this image writes it, and its polls never overlap, so it is stale.
  static void forget_stale_acknowledgement(Server& server) {
    Filesystem& fs = server.runtime().fs();
    const std::string path = ack_path(server, server.config().image);
    if (!fs.exists(path)) return;
    unlink_if_there(fs, path);
    fs.fsync_dir(server.config().staging_dir);
  }

  // Another image may be removing the same files: a name already gone is no error.
  static void unlink_if_there(Filesystem& fs, const std::string& path) {
    try {
      if (fs.exists(path)) fs.unlink(path);
    } catch (const IoError& e) {
      if (e.kind() != IoError::Kind::NotFound) throw;
    }
  }

  // The last image to acknowledge removes the batch: the manifest first (durably, as in
  // upgrade()), then its files, then the acknowledgements. Any image that finds every
  // acknowledgement finishes the job, so a crash part way through is completed later.
  void clean_up_if_all_acknowledged(Server& server, const std::vector<ManifestEntry>& entries, const std::string& manifest_text) {
    const ServerConfig& cfg = server.config();
    for (int image = 0; image < cfg.images; ++image)
      if (!acknowledged(server, image, manifest_text)) return;
    Filesystem& fs = server.runtime().fs();
    unlink_if_there(fs, server.staging_path(cfg.trigger));
    fs.fsync_dir(cfg.staging_dir);
    for (const ManifestEntry& e : entries) unlink_if_there(fs, server.staging_path(e.file));
    fs.fsync_dir(cfg.staging_dir);
    for (int image = 0; image < cfg.images; ++image) unlink_if_there(fs, ack_path(server, image));
    fs.fsync_dir(cfg.staging_dir);
    forget_tries(server);
    server.record("removed", fmt::format("{} staged files, the manifest and {} acknowledgements", entries.size(), cfg.images));
  }

  void quarantine(Server& server, const std::vector<ManifestEntry>& entries, const std::string& reason) {
    Filesystem& fs = server.runtime().fs();
    const ServerConfig& cfg = server.config();
    const std::string parent = parent_dir(cfg.quarantine_dir);
    fs.mkdir(cfg.quarantine_dir);
    fs.fsync_dir(parent);
    std::string dir;
    do dir = fmt::format("{}/batch-{}", cfg.quarantine_dir, ++quarantined_);
    while (fs.exists(dir));  // earlier processes may have quarantined batches too
    fs.mkdir(dir);
    fs.fsync_dir(cfg.quarantine_dir);
    // Copies, made durable before anything leaves the staging directory: a rename across
    // directories is two name changes that a crash may persist one without the other,
    // leaving a file in both directories or in neither.
    auto keep = [&](const std::string& name, const std::string& bytes) {
      fs.write(dir + "/" + name, bytes);
      fs.fsync(dir + "/" + name);
    };
    keep("REASON", reason + "\n");
    for (const ManifestEntry& e : entries)
      if (fs.exists(server.staging_path(e.file)) && fs.is_regular_file(server.staging_path(e.file)))
        keep(e.file, read_staged(fs, server.staging_path(e.file)));
    keep(cfg.trigger, read_staged(fs, server.staging_path(cfg.trigger)));
    fs.fsync_dir(dir);
    // Then out of staging, the manifest first (see upgrade()).
    fs.unlink(server.staging_path(cfg.trigger));
    fs.fsync_dir(cfg.staging_dir);
    for (const ManifestEntry& e : entries)
      if (fs.exists(server.staging_path(e.file))) fs.unlink(server.staging_path(e.file));
    fs.fsync_dir(cfg.staging_dir);
    server.record("quarantined", fmt::format("batch moved to {}: {}", dir, reason));
  }

  static std::string parent_dir(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? "." : path.substr(0, slash);
  }

  // "<batch> <failed tries>", in a hidden file of the staging directory.
  static std::string tries_path(Server& server) { return server.staging_path(".tries"); }

  int record_try(Server& server, const std::string& batch) {
    Filesystem& fs = server.runtime().fs();
    int tries = 0;
    try {
      if (fs.exists(tries_path(server))) {
        std::istringstream in(read_staged(fs, tries_path(server)));
        std::string sum;
        int count = 0;
        if (in >> sum >> count && sum == batch) tries = count;
      }
    } catch (const ReportFailed& e) {
      server.record("error", fmt::format("local changes not reported, nothing published, staging kept for the next try: {}", e.what()));
    } catch (const ReadFailed& e) {
      server.record("error", fmt::format("the failed-try count cannot be read, counting on from memory: {}", e.what()));
    }
    // Counted in memory as well: a disk that cannot take the count (full, failing) must not
    // let a failing batch be tried without bound while this process lives; on disk it
    // survives restarts.
    int& remembered = tries_in_memory_[batch];
    tries = std::max(tries, remembered) + 1;
    remembered = tries;
    try {
      // Replaced whole (written aside, then renamed): rewritten in place, a crash could leave
      // it empty or torn, and the count would start again from zero.
      // (Per image in a cluster: two images counting at once must not rename each other's.)
      const std::string aside = server.config().images > 1 ? fmt::format("{}.{}.tmp", tries_path(server), server.config().image)
                                                           : tries_path(server) + ".tmp";
      fs.write(aside, fmt::format("{} {}\n", batch, tries));
      fs.fsync(aside);
      fs.rename(aside, tries_path(server));
      fs.fsync_dir(server.config().staging_dir);
    } catch (const IoError& e) {
      if (!disk_fault(e)) throw;
      server.record("error", fmt::format("the failed-try count cannot be saved, kept in memory: {}", e.what()));
    }
    return tries;
  }

  void forget_tries(Server& server) {
    tries_in_memory_.clear();
    Filesystem& fs = server.runtime().fs();
    if (!fs.exists(tries_path(server))) return;
    if (server.config().images > 1) unlink_if_there(fs, tries_path(server));  // another image may remove it too
    else fs.unlink(tries_path(server));
    fs.fsync_dir(server.config().staging_dir);
  }

  static constexpr int kSaveAttempts = 3;
  int quarantined_ = 0;
  std::map<std::string, int> tries_in_memory_;  // batch (as record_try names it) -> failed tries this process counted
  std::uint64_t batch_seen_ = 0;  // this poll: the bytes read so far, the manifest's first
  Time restored_at_{0};           // this process restored its image then (sessions count as active)
  std::optional<std::uint64_t> saved_not_unstaged_;  // the trigger text of a batch installed and saved here whose unstaging failed
};

}  // namespace

std::unique_ptr<Policy> make_safe_policy() { return std::make_unique<SafePolicy>(); }

}  // namespace upgrader
