#include "upgrader/shop_harness.hpp"

#include <fmt/format.h>

#include "upgrader/app_files.hpp"
#include "upgrader/checksum.hpp"
#include "upgrader/manifest.hpp"
#include "upgrader/package.hpp"
#include "upgrader/snapshot.hpp"

namespace testing_support {

using namespace std::chrono_literals;
using namespace upgrader;

std::set<std::pair<std::string, std::int64_t>> release_versions(const std::string& dir) {
  std::set<std::pair<std::string, std::int64_t>> out;
  for (const auto& f : dir == "old" ? v1_files() : v2_files()) {
    const std::string path = app_dir() + "/" + dir + "/" + f;
    const Package p = parse_package(read_text(path), path);
    out.emplace(p.name, p.version);
  }
  return out;
}

namespace {

// Records which releases' code a request ran.
class TornRequestObserver : public MethodObserver {
 public:
  TornRequestObserver(const std::set<std::pair<std::string, std::int64_t>>& old_only,
                      const std::set<std::pair<std::string, std::int64_t>>& new_only)
      : old_only_(old_only), new_only_(new_only) {}
  void on_method(const CompiledMethod& m) override {
    saw_old_ |= old_only_.contains({m.package, m.version});
    saw_new_ |= new_only_.contains({m.package, m.version});
  }
  bool torn() const { return saw_old_ && saw_new_; }

 private:
  const std::set<std::pair<std::string, std::int64_t>>& old_only_;
  const std::set<std::pair<std::string, std::int64_t>>& new_only_;
  bool saw_old_ = false, saw_new_ = false;
};

}  // namespace

ShopResult run_shop(const ShopRun& o) {
  const auto v1 = release_versions("old"), v2 = release_versions("new");
  std::set<std::pair<std::string, std::int64_t>> old_only, new_only;
  for (const auto& p : v1) if (!v2.contains(p)) old_only.insert(p);
  for (const auto& p : v2) if (!v1.contains(p)) new_only.insert(p);

  sim::WorldConfig wc;
  wc.seed = o.seed;
  wc.limits.deadline = sim::Time(40s);
  sim::World world(wc);
  ShopResult out;
  auto runtime = std::make_unique<scenarios::SimRuntime>(world);
  auto server = std::make_unique<Server>(*runtime, o.config, make_policy(o.policy));
  // A crashed process's objects stay alive until its fibers have unwound.
  std::vector<std::unique_ptr<scenarios::SimRuntime>> dead_runtimes;
  std::vector<std::unique_ptr<Server>> dead_servers;

  server->boot();
  for (const auto& f : v1_files()) {
    const std::string path = app_dir() + "/old/" + f;
    server->image().install(parse_package(read_text(path), path), true);
  }
  world.fs().mkdir("load-package");
  world.fs().fsync_dir(".");
  for (int s = 0; s < o.idle_sessions; ++s) server->new_session("ShopSession");
  for (int s = 0; s < o.sessions; ++s) {
    const auto id = server->new_session("ShopSession");
    runtime->spawn(fmt::format("session-{}", s), server->config().request_priority, [&, id, srv = server.get()] {
      while (world.now() < sim::Time(35s)) {
        const auto think = o.think_min_ms + static_cast<int>(world.choices().below(o.think_max_ms - o.think_min_ms + 1));
        world.sleep_for(sim::Duration(std::chrono::milliseconds(think)));
        TornRequestObserver observer(old_only, new_only);
        try {
          srv->request(id, world.choices().below(2) == 0 ? "buy" : "view", &observer);
          ++out.requests_ok;
        } catch (const std::exception& e) {
          out.request_errors.push_back(e.what());
        }
        out.torn_requests += observer.torn();
      }
    });
  }
  world.spawn("setup", 100, [&, srv = server.get()] {
    srv->save();
    srv->start_watcher();
  });
  // The deployer is another process (an upload), not a Smalltalk process: it never waits for the image.
  world.spawn("deployer", 100, [&] {
    world.sleep_for(sim::Duration(3s));
    auto& fs = world.fs();
    if (o.custom_upload) return o.custom_upload(fs);
    std::vector<ManifestEntry> manifest;
    for (const auto& f : o.upload_order.empty() ? v2_files() : o.upload_order) {
      const std::string bytes = read_text(app_dir() + "/new/" + f);
      fs.write("load-package/" + f, bytes);
      fs.fsync("load-package/" + f);
      manifest.push_back({f, checksum_text(bytes), 0});
    }
    if (o.policy == "safe") {
      fs.write("load-package/load.tmp", render_manifest(manifest));
      fs.fsync("load-package/load.tmp");
      fs.rename("load-package/load.tmp", "load-package/load");
    } else {
      fs.write("load-package/load", "");
    }
    fs.fsync_dir("load-package");
  });
  if (o.crash_when) {
    world.spawn("power", 100, [&] {
      while (!o.crash_when(server->events())) {
        if (world.now() > sim::Time(30s)) return;
        world.sleep_for(sim::Duration(1ms));
      }
      out.crashed = true;
      world.crash_disk();
      runtime->kill_all();
      dead_runtimes.push_back(std::move(runtime));
      dead_servers.push_back(std::move(server));
      // Restart: a new process boots from whatever the disk kept.
      runtime = std::make_unique<scenarios::SimRuntime>(world);
      server = std::make_unique<Server>(*runtime, o.config, make_policy(o.policy));
      server->boot();
      for (const auto& [name, version] : new_only) {
        const auto installed = server->image().current()->packages;
        const bool in_image = installed.contains(name) && installed.at(name) >= version;
        const bool staged = world.fs().exists(fmt::format("load-package/{}-{}.pkg", name, version));
        if (!in_image && !staged) out.lost_after_restart.push_back(fmt::format("{} {}", name, version));
      }
      server->start_watcher();
    });
  }
  out.run = world.run();
  out.packages = server->image().current()->packages;
  out.events = server->events();
  out.final_snapshot = encode_snapshot(server->image());
  return out;
}

}  // namespace testing_support
