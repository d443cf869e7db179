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

}  // namespace
}  // namespace scenarios
