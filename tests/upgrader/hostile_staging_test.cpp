// A hostile staging directory: every entry is refused with a clear reason, nothing is lost,
// the server keeps serving and its image stays loadable.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "scenarios/sim_runtime.hpp"
#include "upgrader/app_files.hpp"
#include "upgrader/checksum.hpp"
#include "upgrader/manifest.hpp"
#include "upgrader/real_runtime.hpp"
#include "upgrader/server.hpp"
#include "upgrader/shop_harness.hpp"
#include "upgrader/snapshot.hpp"

namespace upgrader {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::map<std::string, std::int64_t> kOld{{"Shop-Kernel", 1}, {"Shop-Model", 1}, {"Shop-Web", 1}};

bool has(const std::vector<UpgradeEvent>& events, const std::string& kind, const std::string& text) {
  for (const auto& e : events)
    if (e.kind == kind && e.detail.find(text) != std::string::npos) return true;
  return false;
}

testing_support::ShopResult stage(const std::string& policy, std::function<void(sim::SimFs&)> upload) {
  testing_support::ShopRun r;
  r.policy = policy;
  r.seed = 11;
  r.sessions = 4;
  r.custom_upload = std::move(upload);
  return testing_support::run_shop(r);
}

TEST(HostileStaging, ADirectoryWhereAPackageShouldBe) {
  const auto r = stage("safe", [](sim::SimFs& fs) {
    fs.mkdir("load-package/Shop-Web-2.pkg");
    fs.write("load-package/load", render_manifest({{"Shop-Web-2.pkg", "fnv1a64:0000000000000000", 0}}));
  });
  EXPECT_TRUE(has(r.events, "error", "not a regular file"));
  EXPECT_TRUE(has(r.events, "quarantined", "batch-1"));
  EXPECT_EQ(r.packages, kOld);
  EXPECT_TRUE(r.request_errors.empty());
}

TEST(HostileStaging, AnEmptyFile) {
  const auto r = stage("safe", [](sim::SimFs& fs) {
    fs.write("load-package/Shop-Web-2.pkg", "");
    fs.write("load-package/load", render_manifest({{"Shop-Web-2.pkg", checksum_text(""), 0}}));
  });
  EXPECT_TRUE(has(r.events, "error", "Shop-Web-2.pkg:1: expected the trailer"));
  EXPECT_EQ(r.packages, kOld);
}

TEST(HostileStaging, ANameThatIsNotUtf8IsRefusedBySeedAndTheServerKeepsServing) {
  const auto r = stage("seed", [](sim::SimFs& fs) {
    fs.write("load-package/\xff\xfe.pkg", "whatever");
    fs.write("load-package/load", "");
  });
  EXPECT_TRUE(has(r.events, "error", "not valid UTF-8"));
  EXPECT_EQ(r.packages, kOld);
  EXPECT_GT(r.requests_ok, 20);
}

// Disk full while saving: the release is published but not durable, so everything stays
// staged (the upgrade's durable record) and nothing is quarantined; once there is room
// again the upgrade completes, and a crash in between loses nothing.
TEST(HostileStaging, DiskFullWhileSavingKeepsTheStagingAndRetries) {
  sim::WorldConfig wc;
  wc.seed = 3;
  wc.limits.deadline = sim::Time(60s);
  sim::World world(wc);
  scenarios::SimRuntime rt(world);
  Server server(rt, ServerConfig{}, make_policy("safe"));
  for (const auto& f : testing_support::v1_files()) {
    const std::string path = testing_support::app_dir() + "/old/" + f;
    server.image().install(parse_package(testing_support::read_text(path), path), true);
  }
  world.fs().mkdir("load-package");
  server.save();
  std::vector<ManifestEntry> manifest;
  for (const auto& f : testing_support::v2_files()) {
    const std::string bytes = testing_support::read_text(testing_support::app_dir() + "/new/" + f);
    world.fs().write("load-package/" + f, bytes);
    manifest.push_back({f, checksum_text(bytes), 0});
  }
  world.fs().write("load-package/load", render_manifest(manifest));
  world.fs().set_capacity(world.fs().used_bytes() + 1000);  // no room for the new snapshot
  server.start_watcher();
  bool staged_while_full = false;
  world.spawn("operator", 100, [&] {
    world.sleep_for(20s);
    staged_while_full = world.fs().exists("load-package/load") && world.fs().exists("load-package/Shop-Web-2.pkg");
    world.fs().set_capacity(UINT64_MAX);  // space freed
    world.sleep_for(20s);
    server.stop_watcher();
  });
  world.run();
  EXPECT_TRUE(has(server.events(), "error", "no space left on device"));
  EXPECT_FALSE(has(server.events(), "quarantined", ""));
  EXPECT_TRUE(staged_while_full) << "nothing removed while the snapshot could not be written";
  EXPECT_EQ(server.image().current()->packages.at("Shop-Web"), 2);
  Image reloaded;
  reloaded.restore(load_snapshot(rt.fs(), "image.snapshot"));
  EXPECT_EQ(reloaded.current()->packages.at("Shop-Web"), 2) << "saved once there was room";
  EXPECT_FALSE(world.fs().exists("load-package/load"));
}

// The real filesystem: a huge file is refused by its size, unread; the image stays loadable.
TEST(HostileStaging, RealHugeFileIsRefusedUnread) {
  char pattern[] = "/tmp/hotsim-hostile-XXXXXX";
  const std::string root = ::mkdtemp(pattern);
  {
    RealRuntime rt(root);
    ServerConfig cfg;
    cfg.poll_period = 10ms;
    cfg.compile_cost_per_method = 0ms;
    Server server(rt, cfg, make_policy("seed"));
    server.boot();
    rt.fs().mkdir(cfg.staging_dir);
    server.save();
  }
  fs::create_directories(fs::path(root) / "load-package");
  {
    std::ofstream huge(fs::path(root) / "load-package/Huge-1.pkg");
  }
  fs::resize_file(fs::path(root) / "load-package/Huge-1.pkg", 1ull << 30);  // sparse: 1 GiB, nothing written
  std::ofstream(fs::path(root) / "load-package/load");
  RealRuntime rt(root);
  ServerConfig cfg;
  cfg.poll_period = 10ms;
  Server server(rt, cfg, make_policy("seed"));
  server.boot();
  server.start_watcher();
  for (int i = 0; i < 200 && server.events().size() < 3; ++i) rt.sleep_for(5ms);
  server.stop_watcher();
  rt.join_all();
  EXPECT_TRUE(has(server.events(), "error", "more than the 16777216 a package may have")) << "refused by size, unread";
  Image reloaded;
  reloaded.restore(load_snapshot(rt.fs(), "image.snapshot"));
  fs::remove_all(root);
}

}  // namespace
}  // namespace upgrader
