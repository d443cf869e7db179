// The same upgrader upgrading a real temporary directory in real time, requests running.
#include "upgrader/real_runtime.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/fiber/operations.hpp>
#include <filesystem>
#include <fstream>

#include "upgrader/app_files.hpp"
#include "upgrader/checksum.hpp"
#include "upgrader/manifest.hpp"
#include "upgrader/server.hpp"
#include "upgrader/snapshot.hpp"

namespace upgrader {
namespace {

using namespace std::chrono_literals;
using testing_support::app_dir;
using testing_support::read_text;

struct TempDir {
  TempDir() {
    char pattern[] = "/tmp/hotsim-real-XXXXXX";
    path = ::mkdtemp(pattern);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

bool has_event(const Server& s, const std::string& kind, std::size_t after) {
  for (std::size_t i = after; i < s.events().size(); ++i)
    if (s.events()[i].kind == kind) return true;
  return false;
}

struct RealRun {
  std::map<std::string, std::int64_t> packages;
  int requests_ok = 0;
  std::vector<std::string> errors;
  std::vector<UpgradeEvent> events;
};

// Boots on a real directory with v1, runs 4 sessions, stages `files` and a trigger, waits
// (real time, bounded) until `done_kind` is recorded, then stops everything.
RealRun run_real(const std::string& root, const std::string& policy, const std::vector<std::pair<std::string, std::string>>& files,
                 const std::string& done_kind, const std::vector<ManifestEntry>& listed_only = {}) {
  RealRuntime rt(root);
  ServerConfig cfg;
  cfg.poll_period = 20ms;
  cfg.compile_cost_per_method = 0ms;
  Server server(rt, cfg, make_policy(policy));
  server.boot();
  if (server.image().current()->packages.empty())
    for (const auto& f : testing_support::v1_files()) {
      const std::string path = app_dir() + "/old/" + f;
      server.image().install(parse_package(read_text(path), path), true);
    }
  rt.fs().mkdir(cfg.staging_dir);
  server.save();
  RealRun out;
  bool running = true;
  for (int s = 0; s < 4; ++s) {
    const auto id = server.new_session("ShopSession");
    rt.spawn("session", cfg.request_priority, [&, id] {
      while (running) {
        try {
          server.request(id, "buy");
          ++out.requests_ok;
        } catch (const std::exception& e) {
          out.errors.push_back(e.what());
        }
        rt.sleep_for(2ms);
      }
    });
  }
  const std::size_t before = server.events().size();
  server.start_watcher();
  std::vector<ManifestEntry> manifest;
  for (const auto& [name, bytes] : files) {
    rt.fs().write(cfg.staging_dir + "/" + name, bytes);
    rt.fs().fsync(cfg.staging_dir + "/" + name);
    manifest.push_back({name, checksum_text(bytes), 0});
  }
  manifest.insert(manifest.end(), listed_only.begin(), listed_only.end());
  if (policy == "safe") {
    rt.fs().write(cfg.staging_dir + "/load.tmp", render_manifest(manifest));
    rt.fs().rename(cfg.staging_dir + "/load.tmp", cfg.staging_dir + "/load");
  } else {
    rt.fs().write(cfg.staging_dir + "/load", "");
  }
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!has_event(server, done_kind, before) && std::chrono::steady_clock::now() < deadline) rt.sleep_for(5ms);
  rt.sleep_for(50ms);  // requests keep running on the new release
  running = false;
  server.stop_watcher();
  rt.join_all();
  out.packages = server.image().current()->packages;
  out.events = server.events();
  return out;
}

std::vector<std::pair<std::string, std::string>> v2_files() {
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& f : testing_support::v2_files()) files.emplace_back(f, read_text(app_dir() + "/new/" + f));
  return files;
}

TEST(RealRuntime, SafeUpgradesARealDirectoryInRealTime) {
  TempDir dir;
  RealRun r = run_real(dir.path, "safe", v2_files(), "removed");
  const std::map<std::string, std::int64_t> v2{{"Shop-Kernel", 2}, {"Shop-Model", 2}, {"Shop-Promo", 1}, {"Shop-Web", 2}};
  EXPECT_EQ(r.packages, v2);
  EXPECT_TRUE(r.errors.empty()) << r.errors.front();
  EXPECT_GT(r.requests_ok, 10);
  // The staging directory is empty and the snapshot on disk holds the new release.
  EXPECT_TRUE(std::filesystem::is_empty(dir.path + "/load-package"));
  PosixFilesystem fs(dir.path);
  Image reloaded;
  reloaded.restore(load_snapshot(fs, "image.snapshot"));
  EXPECT_EQ(reloaded.current()->packages, v2);
  EXPECT_EQ(reloaded.sessions().size(), 4u);
}

TEST(RealRuntime, SeedUpgradesARealDirectoryToo) {
  TempDir dir;
  RealRun r = run_real(dir.path, "seed", v2_files(), "saved");
  // Real directory order may break dependencies for a period; the loop retries.
  EXPECT_EQ(r.packages.at("Shop-Web"), 2);
  EXPECT_EQ(r.packages.at("Shop-Model"), 2);
}

TEST(RealRuntime, SymlinkOutOfTheStagingDirectoryIsQuarantinedAndTheImageKeepsServing) {
  TempDir dir;
  TempDir outside;
  {
    std::ofstream(outside.path + "/secret") << "not a package";
  }
  std::filesystem::create_directories(dir.path + "/load-package");
  std::filesystem::create_symlink(outside.path + "/secret", dir.path + "/load-package/Evil-1.pkg");
  RealRun r = run_real(dir.path, "safe", {}, "quarantined", {{"Evil-1.pkg", "fnv1a64:0000000000000000", 0}});
  EXPECT_EQ(r.packages.at("Shop-Web"), 1) << "nothing was installed";
  EXPECT_TRUE(r.errors.empty());
  EXPECT_GT(r.requests_ok, 10);
  bool refused_link = false;
  for (const auto& e : r.events) refused_link |= e.kind == "error" && e.detail.find("not a regular file") != std::string::npos;
  EXPECT_TRUE(refused_link);
  EXPECT_TRUE(std::filesystem::exists(outside.path + "/secret")) << "the link's target is untouched";
  EXPECT_TRUE(std::filesystem::exists(dir.path + "/quarantine/batch-1/REASON"));
}

}  // namespace
}  // namespace upgrader
