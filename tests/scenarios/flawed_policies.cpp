// The `safe` procedure condensed (verify the batch, build aside in dependency order,
// publish, save two copies, then unstage; a failed save keeps the batch staged and is not
// a failed try; quarantine after max_tries failures, counted on disk) with one flaw
// switched on.
#include "scenarios/flawed_policies.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "upgrader/checksum.hpp"
#include "upgrader/local_change.hpp"
#include "upgrader/manifest.hpp"
#include "upgrader/package.hpp"
#include "upgrader/policy.hpp"
#include "upgrader/server.hpp"
#include "upgrader/snapshot.hpp"

namespace testing_support {

using namespace upgrader;

namespace {

class FlawedSafe : public Policy {
 public:
  explicit FlawedSafe(Flaw flaw) : flaw_(flaw) {}
  std::string name() const override { return flaw_name(flaw_); }
  int loader_priority(int request_priority) const override {
    return request_priority + (flaw_ == Flaw::HoldsRequestsForItsBuild ? 1 : 0);
  }
  bool pins_requests() const override { return true; }
  Trigger trigger_format() const override { return Trigger::Manifest; }
  int snapshot_copies() const override {
    // One copy where the flaw is in how that copy is written (a second would mask it).
    switch (flaw_) {
      case Flaw::KeepsOneSnapshotCopy:
      case Flaw::ResavesImageAtBoot:
      case Flaw::TruncatesSnapshotInPlace:
      case Flaw::OverwritesSnapshotInPlace:
      case Flaw::UnlinksSnapshotFirst:
      case Flaw::SkipsSnapshotDirFsync:
      case Flaw::RetriesFailedFsync: return 1;
      default: return 2;
    }
  }

  void poll(Server& server) override {
    Filesystem& fs = server.runtime().fs();
    const ServerConfig& cfg = server.config();
    if (flaw_ == Flaw::ResavesImageAtBoot && !resaved_) {
      resaved_ = true;
      fs.write(cfg.snapshot, encode_snapshot(server.image()));  // "record the boot": in place
      fs.fsync(cfg.snapshot);
    }
    fs.mkdir(cfg.staging_dir);
    const std::string manifest = server.staging_path(cfg.trigger);
    if (flaw_ == Flaw::SavesBeforeInstalling) {
      const std::string aside = manifest + ".taken";
      if (fs.exists(manifest)) {  // "a backup before the image changes; the install can wait for the next poll"
        fs.rename(manifest, aside);
        fs.fsync_dir(cfg.staging_dir);
        save(server);
        return;
      }
      if (fs.exists(aside)) fs.rename(aside, manifest);
    }
    if (!fs.exists(manifest)) return;
    const auto entries = parse_manifest(fs.read(manifest), manifest);
    try {
      upgrade(server, entries);
      set_tries(server, 0);
    } catch (const SaveFailed& e) {
      server.record("error", e.what());
      if (flaw_ == Flaw::UnstagesAfterFailedSave) unstage(server, entries);  // "the code is in: done"

    } catch (const std::exception& e) {
      server.record("error", e.what());
      count_failure(server, entries);
    }
  }

 private:
  void upgrade(Server& server, const std::vector<ManifestEntry>& entries) {
    Filesystem& fs = server.runtime().fs();
    const ServerConfig& cfg = server.config();
    std::vector<Package> batch;
    const bool reuse = flaw_ == Flaw::ReinstallsFirstBatch && !first_batch_.empty();
    if (reuse) batch = first_batch_;  // "already parsed": the trigger has the same name
    for (const ManifestEntry& e : reuse ? std::vector<ManifestEntry>{} : entries) {
      const std::string path = server.staging_path(e.file);
      if (!fs.exists(path)) throw LoadError(path + ": missing");
      const std::string bytes = fs.read(path);
      if (checksum_text(bytes) != e.checksum || flaw_ == Flaw::RefusesGoodBatch) throw LoadError(path + ": checksum mismatch");
      batch.push_back(parse_package(bytes, path));
      if (flaw_ == Flaw::InstallsTornMethod && !batch.back().methods.empty() && !batch.back().methods.front().body.empty())
        batch.back().methods.front().body.pop_back();
    }
    if (flaw_ == Flaw::LoadsWholeDirectory)  // the manifest only vouches for the files it lists
      for (const std::string& name : fs.list(cfg.staging_dir))
        if (name.ends_with(".pkg") &&
            std::none_of(entries.begin(), entries.end(), [&](const ManifestEntry& e) { return e.file == name; }))
          batch.push_back(parse_package(fs.read(server.staging_path(name)), server.staging_path(name)));
    if (flaw_ == Flaw::InstallsAllButLast && !batch.empty()) batch.pop_back();
    if (flaw_ == Flaw::ReinstallsFirstBatch && first_batch_.empty()) first_batch_ = batch;
    // Dependency order: apply whatever has its requirements met, until all are in (or, with
    // the order flaws, the batch as the manifest lists it or by file name, come what may).
    auto next = std::make_shared<Release>(*server.image().current());
    std::vector<const Package*> left;
    for (const Package& p : batch) left.push_back(&p);
    if (flaw_ == Flaw::InstallsInNameOrder)
      std::stable_sort(left.begin(), left.end(), [](const Package* a, const Package* b) { return a->source < b->source; });
    const bool in_order = flaw_ == Flaw::InstallsInManifestOrder || flaw_ == Flaw::InstallsInNameOrder;
    while (!left.empty()) {
      auto ready = in_order ? left.begin()
                            : std::find_if(left.begin(), left.end(), [&](const Package* p) { return next->unmet_requirements(*p).empty(); });
      if (ready == left.end()) throw LoadError("unmet requirements");
      next->apply(**ready, true);
      server.runtime().spend_cpu(cfg.compile_cost_per_method * static_cast<std::int64_t>((*ready)->methods.size() + 1) *
                                 (flaw_ == Flaw::HoldsRequestsForItsBuild ? 20 : 1));
      server.record("installed", (*ready)->name);
      left.erase(ready);
      server.runtime().yield();
    }
    next->number = server.image().current()->number + 1;
    if (flaw_ != Flaw::OverwritesLocalChangesSilently) report_local_changes(server, *next);
    server.image().publish(next);
    for (const Package& p : batch) server.run_initializers(p);
    server.image().expire_sessions(server.runtime().now(),
                                   flaw_ == Flaw::ExpiresLiveSessions ? Duration::zero() : cfg.session_timeout);
    if (flaw_ == Flaw::UnstagesBeforeSave) unstage(server, entries);
    try {
      save(server);
      if (flaw_ == Flaw::SavesTwice) save(server);
    } catch (const std::exception& e) {
      throw SaveFailed(e.what());
    }
    if (flaw_ != Flaw::UnstagesBeforeSave) unstage(server, entries);
  }

  struct SaveFailed : std::runtime_error {
    using std::runtime_error::runtime_error;
  };

  void count_failure(Server& server, const std::vector<ManifestEntry>& entries) {
    const int limit = server.config().max_tries + (flaw_ == Flaw::QuarantinesOneTryLate ? 1 : 0) -
                      (flaw_ == Flaw::QuarantinesOneTryEarly ? 1 : 0);
    const int tries = get_tries(server) + 1;
    set_tries(server, tries);
    if (tries >= limit) {
      quarantine(server, entries);
      set_tries(server, 0);
    }
  }

  // Failed tries, in a file replaced whole (or, flawed, in memory).
  int get_tries(Server& server) {
    if (flaw_ == Flaw::CountsTriesInMemory) return tries_;
    Filesystem& fs = server.runtime().fs();
    const std::string path = server.staging_path(".flawed-tries");
    return fs.exists(path) ? std::atoi(fs.read(path).c_str()) : 0;
  }
  void set_tries(Server& server, int tries) {
    tries_ = tries;
    if (flaw_ == Flaw::CountsTriesInMemory) return;
    Filesystem& fs = server.runtime().fs();
    const std::string path = server.staging_path(".flawed-tries");
    if (tries == 0 && !fs.exists(path)) return;
    fs.write(path + ".tmp", std::to_string(tries));
    fs.fsync(path + ".tmp");
    fs.rename(path + ".tmp", path);
    fs.fsync_dir(server.config().staging_dir);
  }

  void unstage(Server& server, const std::vector<ManifestEntry>& entries) {
    Filesystem& fs = server.runtime().fs();
    const ServerConfig& cfg = server.config();
    if (flaw_ == Flaw::UnstagesFilesBeforeManifest) {
      for (const ManifestEntry& e : entries) fs.unlink(server.staging_path(e.file));
      fs.unlink(server.staging_path(cfg.trigger));
      fs.fsync_dir(cfg.staging_dir);
      return;
    }
    if (flaw_ != Flaw::LeavesTrigger) {
      fs.unlink(server.staging_path(cfg.trigger));
      fs.fsync_dir(cfg.staging_dir);
    }
    for (const ManifestEntry& e : entries) fs.unlink(server.staging_path(e.file));
    fs.fsync_dir(cfg.staging_dir);
  }

  void save(Server& server) {
    Filesystem& fs = server.runtime().fs();
    const std::string& path = server.config().snapshot;
    const std::string bytes = encode_snapshot(server.image());
    const std::string dir = ".";  // the snapshot's directory
    if (flaw_ == Flaw::SkipsSnapshotDirFsync || flaw_ == Flaw::RetriesFailedFsync) {
      for (int copy = 0; copy < snapshot_copies(); ++copy) {
        const std::string to = server.snapshot_copy(copy);
        fs.write(to + ".tmp", bytes);
        for (int attempt = 1;; ++attempt) {
          try {
            fs.fsync(to + ".tmp");
            break;
          } catch (const IoError&) {
            if (flaw_ != Flaw::RetriesFailedFsync || attempt == 3) throw;  // "a transient error: try again"
          }
        }
        fs.rename(to + ".tmp", to);
        if (flaw_ != Flaw::SkipsSnapshotDirFsync) fs.fsync_dir(dir);
      }
    } else if (flaw_ == Flaw::TruncatesSnapshotInPlace) {
      fs.write(path, "");
      fs.write(path, bytes);
      fs.fsync(path);
    } else if (flaw_ == Flaw::OverwritesSnapshotInPlace) {
      fs.write(path, bytes);
      fs.fsync(path);
    } else if (flaw_ == Flaw::UnlinksSnapshotFirst) {
      if (fs.exists(path)) fs.unlink(path);
      fs.write(path + ".tmp", bytes);
      fs.fsync(path + ".tmp");
      fs.rename(path + ".tmp", path);
    } else {
      server.save();
      return;
    }
    server.record("saved", path, bytes.size());
  }

  void quarantine(Server& server, const std::vector<ManifestEntry>& entries) {
    Filesystem& fs = server.runtime().fs();
    const ServerConfig& cfg = server.config();
    const std::string dir = fmt::format("{}/batch-{}", cfg.quarantine_dir, ++quarantined_);
    fs.mkdir(cfg.quarantine_dir);
    fs.mkdir(dir);
    for (const ManifestEntry& e : entries)
      if (fs.exists(server.staging_path(e.file))) fs.rename(server.staging_path(e.file), dir + "/" + e.file);
    fs.rename(server.staging_path(cfg.trigger), dir + "/" + cfg.trigger);
    fs.fsync_dir(dir);
    fs.fsync_dir(cfg.staging_dir);
  }

  Flaw flaw_;
  std::vector<Package> first_batch_;  // ReinstallsFirstBatch
  // Names each method typed into the image that `next` overwrites, durably, before publishing.
  static void report_local_changes(Server& server, const Release& next) {
    const auto lost = overwritten_local_changes(*server.image().current(), next);
    if (lost.empty()) return;
    Filesystem& fs = server.runtime().fs();
    const std::string& report = server.config().local_changes_report;
    std::string text = fs.exists(report) ? fs.read(report) : std::string();
    for (const std::string& method : lost) text += method + ": overwritten\n";
    fs.write(report + ".tmp", text);
    fs.fsync(report + ".tmp");
    fs.rename(report + ".tmp", report);
    fs.fsync_dir(".");
  }

  int tries_ = 0;
  int quarantined_ = 0;
  bool resaved_ = false;
};

}  // namespace

std::vector<Flaw> all_flaws() {
  return {Flaw::LeavesTrigger,        Flaw::UnstagesBeforeSave,       Flaw::QuarantinesOneTryEarly,
          Flaw::QuarantinesOneTryLate, Flaw::RefusesGoodBatch,        Flaw::SavesTwice,
          Flaw::InstallsAllButLast,   Flaw::UnlinksSnapshotFirst,     Flaw::TruncatesSnapshotInPlace,
          Flaw::InstallsTornMethod,   Flaw::ExpiresLiveSessions,      Flaw::HoldsRequestsForItsBuild,
          Flaw::SkipsSnapshotDirFsync, Flaw::RetriesFailedFsync,      Flaw::KeepsOneSnapshotCopy,
          Flaw::CountsTriesInMemory,
          Flaw::ResavesImageAtBoot,   Flaw::UnstagesFilesBeforeManifest,
          Flaw::OverwritesSnapshotInPlace, Flaw::UnstagesAfterFailedSave,
          Flaw::InstallsInManifestOrder, Flaw::InstallsInNameOrder, Flaw::LoadsWholeDirectory,
          Flaw::BuildsAtRequestPriority, Flaw::ReinstallsFirstBatch, Flaw::OverwritesLocalChangesSilently,
          Flaw::IgnoresOtherImages, Flaw::SavesBeforeInstalling};
}

std::string flaw_name(Flaw flaw) {
  switch (flaw) {
    case Flaw::LeavesTrigger: return "flawed-leaves-trigger";
    case Flaw::UnstagesBeforeSave: return "flawed-unstages-before-save";
    case Flaw::QuarantinesOneTryEarly: return "flawed-one-try-early";
    case Flaw::QuarantinesOneTryLate: return "flawed-one-try-late";
    case Flaw::RefusesGoodBatch: return "flawed-refuses-good-batch";
    case Flaw::SavesTwice: return "flawed-saves-twice";
    case Flaw::InstallsAllButLast: return "flawed-installs-all-but-last";
    case Flaw::UnlinksSnapshotFirst: return "flawed-unlinks-snapshot-first";
    case Flaw::TruncatesSnapshotInPlace: return "flawed-truncates-snapshot";
    case Flaw::InstallsTornMethod: return "flawed-installs-torn-method";
    case Flaw::ExpiresLiveSessions: return "flawed-expires-live-sessions";
    case Flaw::HoldsRequestsForItsBuild: return "flawed-holds-requests";
    case Flaw::SkipsSnapshotDirFsync: return "flawed-skips-snapshot-dir-fsync";
    case Flaw::RetriesFailedFsync: return "flawed-retries-failed-fsync";
    case Flaw::KeepsOneSnapshotCopy: return "flawed-keeps-one-copy";
    case Flaw::CountsTriesInMemory: return "flawed-counts-tries-in-memory";
    case Flaw::ResavesImageAtBoot: return "flawed-resaves-image-at-boot";
    case Flaw::UnstagesFilesBeforeManifest: return "flawed-unstages-files-first";
    case Flaw::OverwritesSnapshotInPlace: return "flawed-overwrites-snapshot";
    case Flaw::UnstagesAfterFailedSave: return "flawed-unstages-after-failed-save";
    case Flaw::InstallsInManifestOrder: return "flawed-manifest-order";
    case Flaw::InstallsInNameOrder: return "flawed-name-order";
    case Flaw::LoadsWholeDirectory: return "flawed-loads-whole-directory";
    case Flaw::BuildsAtRequestPriority: return "flawed-builds-at-request-priority";
    case Flaw::ReinstallsFirstBatch: return "flawed-reinstalls-first-batch";
    case Flaw::OverwritesLocalChangesSilently: return "flawed-overwrites-local-changes";
    // No code of its own: safe before issue 14, which every flawed copy here still is, never
    // reads ServerConfig::images and unstages after its own save.
    case Flaw::IgnoresOtherImages: return "flawed-ignores-other-images";
    case Flaw::SavesBeforeInstalling: return "flawed-saves-before-installing";
  }
  return "flawed-?";
}

void register_flawed_policies() {
  for (Flaw flaw : all_flaws()) register_policy(flaw_name(flaw), [flaw] { return std::make_unique<FlawedSafe>(flaw); });
}

}  // namespace testing_support
