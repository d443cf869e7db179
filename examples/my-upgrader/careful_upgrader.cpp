// "my-careful": the deployer stages a manifest (file + checksum per package). Each poll that
// finds one reads and verifies the whole batch before the image is touched, builds the new
// release aside in dependency order (yielding after every compile slice, below request
// priority), publishes it in one step, saves the image durably, and only then unstages the
// batch. A batch that keeps failing is set aside after max_tries polls, counted on disk so a
// crash does not reset the count.
#include "careful_upgrader.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "upgrader/checksum.hpp"
#include "upgrader/manifest.hpp"
#include "upgrader/package.hpp"
#include "upgrader/release.hpp"
#include "upgrader/server.hpp"

namespace my_upgrader {
namespace {

using namespace upgrader;

// The image could not be saved: the disk's fault, not the batch's. The batch stays staged.
struct SaveFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class CarefulUpgrader : public Policy {
 public:
  std::string name() const override { return kPolicyName; }
  // Building aside changes nothing a request sees, so it may run below requests.
  int loader_priority(int request_priority) const override { return request_priority - 1; }
  bool pins_requests() const override { return true; }
  Trigger trigger_format() const override { return Trigger::Manifest; }
  int snapshot_copies() const override { return 2; }  // a rotten copy loses nothing

  void poll(Server& server) override {
    Filesystem& fs = server.runtime().fs();
    const ServerConfig& cfg = server.config();
    fs.mkdir(cfg.staging_dir);
    const std::string manifest = server.staging_path(cfg.trigger);
    if (!fs.exists(manifest)) return;
    std::string text;
    std::vector<ManifestEntry> entries;
    try {
      text = fs.read(manifest);
      entries = parse_manifest(text, manifest);
      install(server, read_batch(server, entries));
      save_then_unstage(server, entries);
      reset_tries(server);
    } catch (const SaveFailed& e) {
      server.record("error", std::string("saved nothing, batch kept for the next poll: ") + e.what());
    } catch (const std::exception& e) {
      const int tries = count_try(server, checksum_text(text));
      server.record("error", "try " + std::to_string(tries) + ": " + e.what());
      if (tries >= cfg.max_tries) {
        set_aside(server, entries, e.what());
        reset_tries(server);
      }
    }
  }

 private:
  static std::vector<Package> read_batch(Server& server, const std::vector<ManifestEntry>& entries) {
    Filesystem& fs = server.runtime().fs();
    std::vector<Package> batch;
    for (const ManifestEntry& e : entries) {
      const std::string path = server.staging_path(e.file);
      if (!fs.is_regular_file(path)) throw LoadError(path + ": missing or not a regular file");
      if (fs.size(path) > server.config().max_package_bytes) throw LoadError(path + ": too large");
      const std::string bytes = fs.read(path);
      if (checksum_text(bytes) != e.checksum) throw LoadError(path + ": checksum differs from the manifest's");
      batch.push_back(parse_package(bytes, path));
    }
    return batch;
  }

  static void install(Server& server, const std::vector<Package>& batch) {
    const ServerConfig& cfg = server.config();
    auto next = std::make_shared<Release>(*server.image().current());
    std::vector<const Package*> left;
    for (const Package& p : batch) left.push_back(&p);
    std::vector<const Package*> order;
    while (!left.empty()) {  // whatever has its requirements met next; none: the batch cannot load
      auto ready = std::find_if(left.begin(), left.end(), [&](const Package* p) { return next->unmet_requirements(*p).empty(); });
      if (ready == left.end()) throw LoadError((*left.front()).source + ": requirements met neither by the image nor the batch");
      next->apply(**ready, /*check_requires=*/true);
      // The harness's at-install crashes count these events: one per package.
      server.record("installed", (*ready)->name + " (not yet published)");
      for (std::size_t slice = 0; slice <= (*ready)->methods.size(); ++slice) {
        server.runtime().spend_cpu(cfg.compile_cost_per_method);
        server.runtime().yield();  // requests that arrived meanwhile go first
      }
      order.push_back(*ready);
      left.erase(ready);
    }
    next->number = server.image().current()->number + 1;
    server.image().publish(next);  // one step: no yield point inside
    for (const Package* p : order) server.run_initializers(*p);
    server.record("published", "release " + std::to_string(next->number));
    server.image().expire_sessions(server.runtime().now(), cfg.session_timeout);  // before the save: a smaller image
  }

  static void save_then_unstage(Server& server, const std::vector<ManifestEntry>& entries) {
    for (int attempt = 1;; ++attempt) {
      try {
        server.save();  // every copy written aside, fsynced, renamed in, its directory fsynced
        break;
      } catch (const std::exception& e) {
        // After a failed fsync only a whole rewrite persists anything: save again, not fsync again.
        if (attempt == 3) throw SaveFailed(e.what());
      }
    }
    // The manifest first, durably: a crash in between leaves stray files, never a manifest
    // whose files are partly gone.
    Filesystem& fs = server.runtime().fs();
    fs.unlink(server.staging_path(server.config().trigger));
    fs.fsync_dir(server.config().staging_dir);
    for (const ManifestEntry& e : entries) fs.unlink(server.staging_path(e.file));
    fs.fsync_dir(server.config().staging_dir);
  }

  // Copies made durable in the quarantine before anything leaves staging: a rename across
  // directories can survive a crash as a file in both or in neither.
  void set_aside(Server& server, const std::vector<ManifestEntry>& entries, const std::string& why) {
    Filesystem& fs = server.runtime().fs();
    const ServerConfig& cfg = server.config();
    const auto slash = cfg.quarantine_dir.rfind('/');
    fs.mkdir(cfg.quarantine_dir);
    fs.fsync_dir(slash == std::string::npos ? "." : cfg.quarantine_dir.substr(0, slash));  // its name, durable
    std::string dir;
    do dir = cfg.quarantine_dir + "/batch-" + std::to_string(++set_aside_);
    while (fs.exists(dir));
    fs.mkdir(dir);
    fs.fsync_dir(cfg.quarantine_dir);
    auto keep = [&](const std::string& name, const std::string& bytes) {
      fs.write(dir + "/" + name, bytes);
      fs.fsync(dir + "/" + name);
    };
    keep("WHY", why + "\n");
    for (const ManifestEntry& e : entries)
      if (fs.is_regular_file(server.staging_path(e.file))) keep(e.file, fs.read(server.staging_path(e.file)));
    keep(cfg.trigger, fs.read(server.staging_path(cfg.trigger)));
    fs.fsync_dir(dir);
    fs.unlink(server.staging_path(cfg.trigger));
    fs.fsync_dir(cfg.staging_dir);
    for (const ManifestEntry& e : entries)
      if (fs.exists(server.staging_path(e.file))) fs.unlink(server.staging_path(e.file));
    fs.fsync_dir(cfg.staging_dir);
    server.record("quarantined", dir + ": " + why);
  }

  // "<manifest checksum> <failed tries>", replaced whole so a crash never leaves it torn.
  static int count_try(Server& server, const std::string& manifest) {
    Filesystem& fs = server.runtime().fs();
    const std::string path = server.staging_path(".my-careful-tries");
    int tries = 0;
    if (fs.exists(path)) {
      std::istringstream in(fs.read(path));
      std::string sum;
      int n = 0;
      if (in >> sum >> n && sum == manifest) tries = n;
    }
    ++tries;
    fs.write(path + ".tmp", manifest + " " + std::to_string(tries) + "\n");
    fs.fsync(path + ".tmp");
    fs.rename(path + ".tmp", path);
    fs.fsync_dir(server.config().staging_dir);
    return tries;
  }

  static void reset_tries(Server& server) {
    Filesystem& fs = server.runtime().fs();
    const std::string path = server.staging_path(".my-careful-tries");
    if (!fs.exists(path)) return;
    fs.unlink(path);
    fs.fsync_dir(server.config().staging_dir);
  }

  int set_aside_ = 0;
};

// Registered when the library is loaded (a test that links it, or hotsim --policy-lib).
const bool registered = [] {
  upgrader::register_policy(kPolicyName, make_careful_upgrader);
  return true;
}();

}  // namespace

std::unique_ptr<upgrader::Policy> make_careful_upgrader() { return std::make_unique<CarefulUpgrader>(); }

}  // namespace my_upgrader
