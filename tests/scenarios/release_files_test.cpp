// scenario_releases: a scenario's package files are read once per process, and read afresh
// when their bytes change (a file rewritten between two runs is never served stale).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "scenarios/engine.hpp"
#include "scenarios/engine/release_files.hpp"
#include "scenarios/scenario.hpp"
#include "upgrader/snapshot.hpp"

namespace scenarios {
namespace {

namespace fs = std::filesystem;

const fs::path kShop = fs::path(HOTSIM_SOURCE_DIR) / "scenarios/apps/shop";

TEST(ReleaseFiles, ReadsOnceAndAfreshWhenAFileChanges) {
  const fs::path app = fs::temp_directory_path() / ("hotsim-release-files-" + std::to_string(::getpid()));
  fs::remove_all(app);
  fs::copy(kShop, app, fs::copy_options::recursive);
  Scenario sc = load_scenario(std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/load-order.toml");
  sc.app_dir = app.string();

  const auto first = scenario_releases(sc);
  EXPECT_EQ(scenario_releases(sc), first) << "the same bytes: the same releases, not read again";
  EXPECT_EQ(first->fresh_image_bytes, fresh_image_bytes(first->releases));
  ASSERT_EQ(first->releases.new_packages.front().name, "Shop-Kernel");
  EXPECT_EQ(first->releases.new_packages.front().version, 2);

  // The first upload rewritten with the old release's bytes of the same package.
  fs::copy_file(app / "old/Shop-Kernel-1.pkg", app / "new/Shop-Kernel-2.pkg", fs::copy_options::overwrite_existing);
  const auto changed = scenario_releases(sc);
  EXPECT_NE(changed, first);
  EXPECT_EQ(changed->releases.new_packages.front().version, 1) << "the rewritten file is read afresh";
  EXPECT_EQ(first->releases.new_packages.front().version, 2) << "a run still holding the old one keeps it";
  fs::remove_all(app);
}

TEST(ReleaseFiles, TheOldReleaseInstallsAsPackageByPackage) {
  for (const char* name : {"load-order.toml", "large-release.toml", "three-releases.toml"}) {
    const Scenario sc = load_scenario(std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/" + name);
    const auto files = scenario_releases(sc);
    upgrader::Image by_copy, by_packages;
    EXPECT_EQ(files->install_old_release(by_copy), install_in_dependency_order(by_packages, files->releases.old_packages));
    EXPECT_GT(by_copy.current()->number, 0u) << name;
    EXPECT_EQ(by_copy.current()->number, by_packages.current()->number) << name;
    EXPECT_EQ(upgrader::encode_snapshot(by_copy), upgrader::encode_snapshot(by_packages)) << name;
    EXPECT_NE(by_copy.current(), files->old_release) << "each image gets its own copy";
    // On an image that already holds a release, package by package as before.
    const auto before = by_copy.current();
    files->install_old_release(by_copy);
    EXPECT_GT(by_copy.current()->number, before->number) << name;
  }
}

}  // namespace
}  // namespace scenarios
