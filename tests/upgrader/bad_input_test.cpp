// Bad input: clear errors, nothing lost, the image keeps serving.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "scenarios/sim_runtime.hpp"
#include "upgrader/app_files.hpp"
#include "upgrader/checksum.hpp"
#include "upgrader/manifest.hpp"
#include "upgrader/package.hpp"
#include "upgrader/shop_harness.hpp"
#include "upgrader/snapshot.hpp"
#include "upgrader/staging.hpp"

namespace upgrader {
namespace {

using namespace std::chrono_literals;
using testing_support::ShopResult;
using testing_support::ShopRun;

const std::map<std::string, std::int64_t> kV1{{"Shop-Kernel", 1}, {"Shop-Model", 1}, {"Shop-Web", 1}};

TEST(StagingNames, HostileNamesAreRefusedWithAReason) {
  for (const char* bad : {"", ".", "..", "../etc/passwd", "/etc/passwd", "a/b.pkg", ".hidden.pkg", "bad\x01name.pkg",
                          "\xff\xfe.pkg", "\xc0\xaf.pkg"})
    EXPECT_TRUE(staging_name_problem(bad).has_value()) << bad;
  EXPECT_TRUE(staging_name_problem(std::string(256, 'a')).has_value());
  for (const char* good : {"Shop-Web-2.pkg", "load", "caf\xc3\xa9.pkg", "x"}) EXPECT_FALSE(staging_name_problem(good).has_value()) << good;
}

RC_GTEST_PROP(StagingNames, NoAcceptedNameCanLeaveTheDirectory, (std::string name)) {
  if (!staging_name_problem(name)) {
    RC_ASSERT(name.find('/') == std::string::npos);
    RC_ASSERT(name != "..");
    RC_ASSERT(name.front() != '.');
    RC_ASSERT(name.find('\0') == std::string::npos);
  }
}

TEST(Manifest, ErrorsSayFileLineAndWhatWasExpected) {
  struct Case {
    const char* text;
    int line;
    const char* expected;
  } cases[] = {
      {"", 1, "at least one [[package]]"},
      {"[[package]]\nfile = \"../../etc/passwd\"\nchecksum = \"fnv1a64:00\"\n", 1, "refused"},
      {"[[package]]\nfile = \"a.pkg\"\n", 1, "needs 'checksum'"},
      {"[[package]]\nfile = \"a.pkg\"\nchecksum = \"fnv1a64:00\"\nextra = 1\n", 4, "unknown key 'extra'"},
      {"[[package]]\nfile = \"a.pkg\"\nchecksum = \"fnv1a64:00\"\n[[package]]\nfile = \"a.pkg\"\nchecksum = \"fnv1a64:00\"\n", 4, "listed twice"},
      {"[[package]\n", 1, "TOML"},
  };
  for (const Case& c : cases) {
    try {
      parse_manifest(c.text, "load-package/load");
      ADD_FAILURE() << "accepted: " << c.text;
    } catch (const PackageError& e) {
      EXPECT_EQ(e.line(), c.line) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.expected), std::string::npos) << e.what();
    }
  }
}

bool has(const ShopResult& r, const std::string& kind, const std::string& text) {
  for (const auto& e : r.events)
    if (e.kind == kind && e.detail.find(text) != std::string::npos) return true;
  return false;
}

ShopRun staging(const std::string& policy, std::function<void(sim::SimFs&)> upload) {
  ShopRun r;
  r.policy = policy;
  r.seed = 7;
  r.sessions = 4;
  r.custom_upload = std::move(upload);
  return r;
}

TEST(SafePolicy, AManifestThatEscapesTheStagingDirectoryIsQuarantined) {
  ShopResult r = run_shop(staging("safe", [](sim::SimFs& fs) {
    fs.write("load-package/load", "[[package]]\nfile = \"../image.snapshot\"\nchecksum = \"fnv1a64:0000000000000000\"\n");
  }));
  EXPECT_TRUE(has(r, "error", "refused: name contains '/'"));
  EXPECT_TRUE(has(r, "quarantined", "quarantine/batch-1"));
  EXPECT_EQ(r.packages, kV1);
  EXPECT_TRUE(r.request_errors.empty());
  EXPECT_GT(r.requests_ok, 20) << "the image keeps serving";
}

TEST(SafePolicy, ATornUploadIsRefusedAndQuarantinedAfterBoundedTriesWithNothingLost) {
  const std::string full = testing_support::read_text(testing_support::app_dir() + "/new/Shop-Kernel-2.pkg");
  ShopResult r = run_shop(staging("safe", [&](sim::SimFs& fs) {
    fs.write("load-package/Shop-Kernel-2.pkg", full.substr(0, full.size() / 2));  // half uploaded
    fs.write("load-package/load", render_manifest({{"Shop-Kernel-2.pkg", checksum_text(full), 0}}));
  }));
  int errors = 0;
  for (const auto& e : r.events) errors += e.kind == "error";
  EXPECT_EQ(errors, 3) << "bounded retries, not forever";
  EXPECT_TRUE(has(r, "error", "does not match the manifest"));
  EXPECT_TRUE(has(r, "quarantined", "batch-1"));
  EXPECT_EQ(r.packages, kV1);
  EXPECT_TRUE(r.request_errors.empty());
}

TEST(SafePolicy, AMalformedPackageIsRefusedWithFileAndLine) {
  const std::string body = "[package]\nname = \"Broken\"\nversion = 1\n[[class]]\nname = \"X\"\nsuperclass = 7\n";
  const std::string text = body + "\n# hotsim-checksum " + checksum_text(body + "\n") + "\n";
  ShopResult r = run_shop(staging("safe", [&](sim::SimFs& fs) {
    fs.write("load-package/Broken-1.pkg", text);
    fs.write("load-package/load", render_manifest({{"Broken-1.pkg", checksum_text(text), 0}}));
  }));
  EXPECT_TRUE(has(r, "error", "load-package/Broken-1.pkg:6: 'superclass' in [[class]]: expected a non-empty string"));
  EXPECT_EQ(r.packages, kV1);
}

TEST(SeedPolicy, ABrokenPackageIsRetriedEveryPeriodForever) {
  // The post's hazard: errors are only printed, and the loop tries again every 5 s.
  const std::string body = "[package]\nname = \"Broken\"\nversion = 1\nbogus = true\n";
  const std::string text = body + "\n# hotsim-checksum " + checksum_text(body + "\n") + "\n";
  ShopResult r = run_shop(staging("seed", [&](sim::SimFs& fs) {
    fs.write("load-package/Broken-1.pkg", text);
    fs.write("load-package/load", "");
  }));
  int errors = 0;
  for (const auto& e : r.events) errors += e.kind == "error";
  EXPECT_GE(errors, 6) << "every period until the run ends";
  EXPECT_TRUE(has(r, "error", "Broken-1.pkg:4: unknown key 'bogus'"));
  EXPECT_GT(r.requests_ok, 20);
}

TEST(Server, BootRefusesACorruptSnapshotAndSaysWhy) {
  sim::World world(sim::WorldConfig{});
  scenarios::SimRuntime rt(world);
  world.fs().write("image.snapshot", "HOTSIMG1 but then garbage");
  Server server(rt, ServerConfig{}, make_policy("safe"));
  try {
    server.boot();
    FAIL() << "booted from a corrupt snapshot";
  } catch (const SnapshotError& e) {
    EXPECT_NE(std::string(e.what()).find("image.snapshot"), std::string::npos) << e.what();
  }
  EXPECT_EQ(world.fs().read("image.snapshot"), "HOTSIMG1 but then garbage") << "nothing is overwritten";
}

}  // namespace
}  // namespace upgrader
