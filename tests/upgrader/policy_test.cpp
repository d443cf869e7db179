// Each policy upgrades the sample app under the simulator, with sessions running.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>

#include "scenarios/sim_runtime.hpp"
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

struct Outcome {
  std::map<std::string, std::int64_t> packages;
  std::vector<UpgradeEvent> events;
  int requests_ok = 0;
  std::vector<std::string> request_errors;
  sim::RunResult run;
};

// Boots a server with v1 installed and saved, starts sessions and the watcher, and has a
// deployer upload v2 (for `safe`: with a manifest renamed into place last).
Outcome upgrade_sample_app(const std::string& policy, std::uint64_t seed, int sessions = 5) {
  sim::WorldConfig wc;
  wc.seed = seed;
  wc.limits.deadline = sim::Time(40s);
  sim::World world(wc);
  scenarios::SimRuntime rt(world);
  Server server(rt, ServerConfig{}, make_policy(policy));
  Outcome out;
  server.boot();
  for (const auto& f : testing_support::v1_files()) {
    const std::string path = app_dir() + "/v1/" + f;
    server.image().install(parse_package(read_text(path), path), true);
  }
  world.fs().mkdir("load-package");
  world.fs().fsync_dir(".");
  for (int s = 0; s < sessions; ++s) {
    const auto id = server.new_session("ShopSession");
    world.spawn(fmt::format("session-{}", s), server.config().request_priority, [&, id] {
      while (world.now() < sim::Time(35s)) {
        world.sleep_for(sim::Duration(std::chrono::milliseconds(100 + world.choices().below(2000))));
        try {
          server.request(id, world.choices().below(2) == 0 ? "buy" : "view");
          ++out.requests_ok;
        } catch (const std::exception& e) {
          out.request_errors.push_back(e.what());
        }
      }
    });
  }
  world.spawn("setup", 100, [&] { server.save(); server.start_watcher(); });
  world.spawn("deployer", 10, [&] {
    world.sleep_for(sim::Duration(3s));
    auto& fs = rt.fs();
    std::vector<ManifestEntry> manifest;
    for (const auto& f : testing_support::v2_files()) {
      const std::string bytes = read_text(app_dir() + "/v2/" + f);
      fs.write("load-package/" + f, bytes);
      fs.fsync("load-package/" + f);
      manifest.push_back({f, checksum_text(bytes), 0});
    }
    if (policy == "safe") {
      fs.write("load-package/load.tmp", render_manifest(manifest));
      fs.fsync("load-package/load.tmp");
      fs.rename("load-package/load.tmp", "load-package/load");
    } else {
      fs.write("load-package/load", "");
    }
    fs.fsync_dir("load-package");
  });
  out.run = world.run();
  out.packages = server.image().current()->packages;
  out.events = server.events();
  return out;
}

class EachPolicy : public ::testing::TestWithParam<std::string> {};

TEST_P(EachPolicy, UpgradesTheSampleAppUnderTheSimulator) {
  for (std::uint64_t seed = 0; seed < 5; ++seed) {
    Outcome o = upgrade_sample_app(GetParam(), seed);
    EXPECT_EQ(o.run.outcome, sim::Outcome::Deadline) << o.run.summary();
    // seed/priority may need several periods when directory order breaks dependencies,
    // but all of v2 ends up installed.
    const std::map<std::string, std::int64_t> v2{{"Shop-Kernel", 2}, {"Shop-Model", 2}, {"Shop-Promo", 1}, {"Shop-Web", 2}};
    EXPECT_EQ(o.packages, v2) << "policy " << GetParam() << " seed " << seed;
    EXPECT_GT(o.requests_ok, 20);
    bool saved_after_upgrade = false;
    for (const auto& e : o.events) saved_after_upgrade |= e.kind == "saved" && e.at > sim::Time(3s);
    EXPECT_TRUE(saved_after_upgrade);
  }
}

INSTANTIATE_TEST_SUITE_P(Policies, EachPolicy, ::testing::Values("seed", "priority", "safe"));

TEST(SafePolicy, NeverFailsARequestDuringTheUpgrade) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    Outcome o = upgrade_sample_app("safe", seed, 8);
    EXPECT_TRUE(o.request_errors.empty()) << "seed " << seed << ": " << o.request_errors.front();
  }
}

TEST(SeedPolicy, SomeSeedBreaksRequestsWhileTheUpgradeIsHalfDone) {
  // Directory order may install Shop-Web 2 before Shop-Model 2 or Shop-Promo 1: requests
  // then hit doesNotUnderstand or a class that is not loaded yet.
  int broken = 0;
  std::set<std::string> kinds;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    Outcome o = upgrade_sample_app("seed", seed, 8);
    broken += !o.request_errors.empty();
    for (const auto& e : o.request_errors) kinds.insert(e);
  }
  EXPECT_GT(broken, 0);
  // The failures are the half-loaded kind, not something else.
  for (const auto& k : kinds)
    EXPECT_TRUE(k.find("doesNotUnderstand") != std::string::npos || k.find("is not loaded") != std::string::npos ||
                k.find("has no field") != std::string::npos)
        << k;
  RecordProperty("failure_kinds", fmt::format("{}", fmt::join(kinds, " | ")));
}

}  // namespace
}  // namespace upgrader
