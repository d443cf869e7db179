// The `safe` procedure condensed (verify the batch, build aside in dependency order,
// publish, save, then unstage; quarantine after max_tries failures) with one flaw switched
// on. It keeps its failure count in memory: these policies are run where that is enough.
#include "scenarios/flawed_policies.hpp"

#include <fmt/format.h>

#include "upgrader/checksum.hpp"
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

  void poll(Server& server) override {
    Filesystem& fs = server.runtime().fs();
    const ServerConfig& cfg = server.config();
    fs.mkdir(cfg.staging_dir);
    const std::string manifest = server.staging_path(cfg.trigger);
    if (!fs.exists(manifest)) return;
    const auto entries = parse_manifest(fs.read(manifest), manifest);
    try {
      upgrade(server, entries);
      tries_ = 0;
    } catch (const std::exception& e) {
      server.record("error", e.what());
      const int limit = cfg.max_tries + (flaw_ == Flaw::QuarantinesOneTryLate ? 1 : 0) -
                        (flaw_ == Flaw::QuarantinesOneTryEarly ? 1 : 0);
      if (++tries_ >= limit) quarantine(server, entries);
    }
  }

 private:
  void upgrade(Server& server, const std::vector<ManifestEntry>& entries) {
    Filesystem& fs = server.runtime().fs();
    const ServerConfig& cfg = server.config();
    std::vector<Package> batch;
    for (const ManifestEntry& e : entries) {
      const std::string path = server.staging_path(e.file);
      if (!fs.exists(path)) throw LoadError(path + ": missing");
      const std::string bytes = fs.read(path);
      if (checksum_text(bytes) != e.checksum || flaw_ == Flaw::RefusesGoodBatch) throw LoadError(path + ": checksum mismatch");
      batch.push_back(parse_package(bytes, path));
      if (flaw_ == Flaw::InstallsTornMethod && !batch.back().methods.empty() && !batch.back().methods.front().body.empty())
        batch.back().methods.front().body.pop_back();
    }
    if (flaw_ == Flaw::InstallsAllButLast && !batch.empty()) batch.pop_back();
    // Dependency order: apply whatever has its requirements met, until all are in.
    auto next = std::make_shared<Release>(*server.image().current());
    std::vector<const Package*> left;
    for (const Package& p : batch) left.push_back(&p);
    while (!left.empty()) {
      auto ready = std::find_if(left.begin(), left.end(), [&](const Package* p) { return next->unmet_requirements(*p).empty(); });
      if (ready == left.end()) throw LoadError("unmet requirements");
      next->apply(**ready, true);
      server.runtime().spend_cpu(cfg.compile_cost_per_method * static_cast<std::int64_t>((*ready)->methods.size() + 1) *
                                 (flaw_ == Flaw::HoldsRequestsForItsBuild ? 20 : 1));
      server.record("installed", (*ready)->name);
      left.erase(ready);
      server.runtime().yield();
    }
    next->number = server.image().current()->number + 1;
    server.image().publish(next);
    for (const Package& p : batch) server.run_initializers(p);
    server.image().expire_sessions(server.runtime().now(),
                                   flaw_ == Flaw::ExpiresLiveSessions ? Duration::zero() : cfg.session_timeout);
    if (flaw_ == Flaw::UnstagesBeforeSave) unstage(server, entries);
    save(server);
    if (flaw_ == Flaw::SavesTwice) save(server);
    if (flaw_ != Flaw::UnstagesBeforeSave) unstage(server, entries);
  }

  void unstage(Server& server, const std::vector<ManifestEntry>& entries) {
    Filesystem& fs = server.runtime().fs();
    const ServerConfig& cfg = server.config();
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
    if (flaw_ == Flaw::TruncatesSnapshotInPlace) {
      fs.write(path, "");
      fs.write(path, bytes);
      fs.fsync(path);
    } else if (flaw_ == Flaw::UnlinksSnapshotFirst) {
      if (fs.exists(path)) fs.unlink(path);
      fs.write(path + ".tmp", bytes);
      fs.fsync(path + ".tmp");
      fs.rename(path + ".tmp", path);
    } else {
      save_snapshot(server.image(), fs, path);
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
    tries_ = 0;
  }

  Flaw flaw_;
  int tries_ = 0;
  int quarantined_ = 0;
};

}  // namespace

std::vector<Flaw> all_flaws() {
  return {Flaw::LeavesTrigger,        Flaw::UnstagesBeforeSave,       Flaw::QuarantinesOneTryEarly,
          Flaw::QuarantinesOneTryLate, Flaw::RefusesGoodBatch,        Flaw::SavesTwice,
          Flaw::InstallsAllButLast,   Flaw::UnlinksSnapshotFirst,     Flaw::TruncatesSnapshotInPlace,
          Flaw::InstallsTornMethod,   Flaw::ExpiresLiveSessions,      Flaw::HoldsRequestsForItsBuild,
          Flaw::BuildsAtRequestPriority};
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
    case Flaw::BuildsAtRequestPriority: return "flawed-builds-at-request-priority";
  }
  return "flawed-?";
}

void register_flawed_policies() {
  for (Flaw flaw : all_flaws()) register_policy(flaw_name(flaw), [flaw] { return std::make_unique<FlawedSafe>(flaw); });
}

}  // namespace testing_support
