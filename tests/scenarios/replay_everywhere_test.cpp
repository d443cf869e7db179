// Every failure replays anywhere: each mode of `hotsim run` writes repros into --out, and every
// one replays in a second process, from another working directory, to the trace hash it
// recorded; a repro copied elsewhere with its scenario and app replays there; a changed
// scenario or package file is refused (exit 3) naming the file; shrink, explain and trace
// agree with replay. Trace hashes are read from the repros, never written down here.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "helpers/run_command.hpp"
#include "scenarios/repro.hpp"
#include "upgrader/checksum.hpp"

namespace {

namespace fs = std::filesystem;

const std::string kSource = HOTSIM_SOURCE_DIR;
const std::string kHotsim = HOTSIM_BINARY;

#if defined(__SANITIZE_ADDRESS__)
// Under ASan a run is ~20x slower: each mode runs on one light scenario of the default suite,
// which still writes repros of every kind (its expected image-growth hazard), all replayed.
const std::string kSuite = "scenarios/default/save-under-load.toml";
constexpr std::size_t kMinRepros = 2;
#else
const std::string kSuite = "scenarios/default";
constexpr std::size_t kMinRepros = 10;
#endif

struct Ran {
  int status = -1;
  std::string out;  // stdout and stderr
};

// Runs `hotsim ARGS` in directory `cwd`.
Ran hotsim(const fs::path& cwd, const std::string& args) {
  Ran r;
  r.out = testing_support::run_command(fmt::format("cd '{}' && '{}' {} 2>&1; echo \"[exit $?]\"", cwd.string(), kHotsim, args));
  const auto at = r.out.rfind("[exit ");
  if (at != std::string::npos) r.status = std::stoi(r.out.substr(at + 6));
  return r;
}

std::string file_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(fs::temp_directory_path() / fmt::format("hotsim-{}-{}", name, ::getpid())) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::vector<fs::path> repros_in(const fs::path& dir) {
  std::vector<fs::path> out;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().string().ends_with(".repro.toml")) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Replays each repro in its own process from `cwd`: REPRODUCED, with the hash it recorded.
void expect_all_reproduce(const std::vector<fs::path>& files, const fs::path& cwd) {
  for (const fs::path& file : files) {
    const std::uint64_t recorded = scenarios::load_repro(file.string()).trace_hash;
    const Ran r = hotsim(cwd, fmt::format("replay '{}'", file.string()));
    EXPECT_EQ(r.status, 0) << file << "\n" << r.out;
    EXPECT_NE(r.out.find(fmt::format("REPRODUCED: trace hash {:016x}", recorded)), std::string::npos) << file << "\n" << r.out;
  }
}

// `hotsim run ARGS --out OUT` from the source tree; every repro it wrote replays from elsewhere.
std::size_t run_mode_and_replay_everything(const std::string& name, const std::string& args) {
  const TempDir tmp(name);
  const fs::path out = tmp.path() / "out";
  const Ran run = hotsim(kSource, fmt::format("run {} {} --jobs 2 --out '{}'", kSuite, args, out.string()));
  EXPECT_TRUE(run.status == 0 || run.status == 1) << run.out;  // 1: hazards the short sweep did not reach
  const auto files = repros_in(out / "repros");
  EXPECT_NE(run.out.find(fmt::format("repros: {} written to {}/", files.size(), (out / "repros").string())), std::string::npos)
      << run.out;
  fs::create_directories(tmp.path() / "elsewhere");
  expect_all_reproduce(files, tmp.path() / "elsewhere");
  return files.size();
}

TEST(ReplayEveryMode, SeedSweepReprosReplayInAnotherProcessAndDirectory) {
  EXPECT_GE(run_mode_and_replay_everything("plain", "--seeds 3"), kMinRepros);
}

// The whole default suite, each crash point in three crash states plus a process kill, then
// every repro it wrote (one per scenario × policy × oracle that fired: about 35).
TEST(ReplayEveryMode, CrashPointReprosReplayInAnotherProcessAndDirectory) {
  EXPECT_GE(run_mode_and_replay_everything("crash-points", "--crash-points all --crash-states 3"), kMinRepros);
}

TEST(ReplayEveryMode, UpdatePointReprosReplayInAnotherProcessAndDirectory) {
  EXPECT_GE(run_mode_and_replay_everything("update-points", "--update-points"), kMinRepros);
}

// A checkout-like tree with one scenario and its app, and a run that writes into it.
struct Recorded {
  fs::path repro;                 // inside `root`
  std::vector<fs::path> packages;  // the app's package files, inside `root`
};

// `hotsim run` of one default scenario and seed inside `root`; the repro whose name starts
// with `repro` and every package file the scenario uses.
Recorded record(const fs::path& root, const std::string& scenario, int seed, const std::string& repro) {
  const std::string file = "scenarios/default/" + scenario + ".toml";
  fs::create_directories(root / "scenarios/default");
  fs::copy(kSource + "/" + file, root / file);
  fs::create_directories(root / "scenarios/apps");
  fs::copy(kSource + "/scenarios/apps/shop", root / "scenarios/apps/shop", fs::copy_options::recursive);
  const Ran run = hotsim(root, fmt::format("run {} --seed {} --out out", file, seed));
  Recorded r;
  for (const auto& f : repros_in(root / "out/repros"))
    if (f.filename().string().starts_with(repro)) r.repro = f;
  EXPECT_FALSE(r.repro.empty()) << run.out;
  for (const std::string& pkg : scenarios::load_scenario((root / file).string()).package_files()) r.packages.push_back(pkg);
  std::sort(r.packages.begin(), r.packages.end());
  return r;
}

Recorded record_crash_before_save(const fs::path& root) {
  return record(root, "crash-before-save", 3, "crash-before-save-seed-lost-upgrade");
}

TEST(SelfContainedRepro, CopiedWithItsScenarioAndAppItReplaysAnywhere) {
  const TempDir tmp("copied");
  const Recorded ci = record_crash_before_save(tmp.path() / "ci");
  ASSERT_FALSE(ci.repro.empty());
  // The artifact and the checkout land somewhere else, in the same relative layout; the
  // original tree is gone.
  const fs::path home = tmp.path() / "home/someone/checkout";
  fs::create_directories(home);
  fs::copy(tmp.path() / "ci", home, fs::copy_options::recursive);
  fs::remove_all(tmp.path() / "ci");
  const fs::path repro = home / fs::relative(ci.repro, tmp.path() / "ci");
  expect_all_reproduce({repro}, "/");
  expect_all_reproduce({repro}, home / "scenarios");
  // And by a relative path, from the repro's own directory.
  const Ran r = hotsim(repro.parent_path(), fmt::format("replay '{}'", repro.filename().string()));
  EXPECT_EQ(r.status, 0) << r.out;
}

TEST(SelfContainedRepro, AChangedInputIsRefusedNamingTheFile) {
  const TempDir tmp("changed");
  const Recorded rec = record_crash_before_save(tmp.path());
  ASSERT_FALSE(rec.repro.empty());
  ASSERT_FALSE(rec.packages.empty());
  EXPECT_EQ(hotsim("/", fmt::format("replay '{}'", rec.repro.string())).status, 0);

  // Every package file the run used, old and new, is checked: change each in turn.
  for (const fs::path& pkg : rec.packages) {
    const std::string before = file_text(pkg);
    std::ofstream(pkg, std::ios::binary | std::ios::app) << "\n";
    for (const char* command : {"replay", "explain", "shrink", "trace --perfetto /dev/null --"}) {
      const Ran r = hotsim("/", fmt::format("{} '{}'", command, rec.repro.string()));
      EXPECT_EQ(r.status, 3) << command << " " << pkg << "\n" << r.out;
      EXPECT_NE(r.out.find("REFUSED"), std::string::npos) << r.out;
      EXPECT_NE(r.out.find(pkg.filename().string()), std::string::npos) << r.out;
      EXPECT_NE(r.out.find("expected " + upgrader::checksum_text(before)), std::string::npos) << r.out;
      EXPECT_NE(r.out.find("found " + upgrader::checksum_text(before + "\n")), std::string::npos) << r.out;
      if (::testing::Test::HasFailure()) break;
    }
    std::ofstream(pkg, std::ios::binary | std::ios::trunc) << before;
  }
  // A package file gone.
  const fs::path gone = rec.packages.front();
  fs::rename(gone, gone.string() + ".away");
  Ran r = hotsim("/", fmt::format("replay '{}'", rec.repro.string()));
  EXPECT_EQ(r.status, 3) << r.out;
  EXPECT_NE(r.out.find(gone.filename().string()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no readable file"), std::string::npos) << r.out;
  fs::rename(gone.string() + ".away", gone);
  // The scenario file.
  const fs::path scenario = tmp.path() / "scenarios/default/crash-before-save.toml";
  const std::string before = file_text(scenario);
  std::ofstream(scenario, std::ios::binary | std::ios::app) << "# edited\n";
  r = hotsim("/", fmt::format("replay '{}'", rec.repro.string()));
  EXPECT_EQ(r.status, 3) << r.out;
  EXPECT_NE(r.out.find("crash-before-save.toml: not the file this repro was recorded with (expected " +
                       upgrader::checksum_text(before) + ", found " + upgrader::checksum_text(before + "# edited\n")),
            std::string::npos)
      << r.out;
  std::ofstream(scenario, std::ios::binary | std::ios::trunc) << before;
  EXPECT_EQ(hotsim("/", fmt::format("replay '{}'", rec.repro.string())).status, 0);
}

// A seed at the top of the unsigned range survives the file: the repro replays, and so does
// the same repro without its choices, drawing from the seed alone.
// Several deploys: the repro records every release's package files (old, new and the next
// ones), replays with the same verdict, and refuses once a file of a later release changed.
TEST(SelfContainedRepro, ARunOfSeveralDeploysRecordsEveryReleaseAndReplays) {
  const TempDir tmp("releases");
  const Recorded rec = record(tmp.path(), "overlapping-deploys", 0, "overlapping-deploys-seed-eventual-upgrade");
  ASSERT_FALSE(rec.repro.empty());
  ASSERT_EQ(rec.packages.size(), 3u + 4u + 3u);
  EXPECT_EQ(scenarios::load_repro(rec.repro.string()).packages.size(), rec.packages.size());
  const Ran same = hotsim("/", fmt::format("replay '{}'", rec.repro.string()));
  EXPECT_EQ(same.status, 0) << same.out;
  EXPECT_NE(same.out.find("REPRODUCED"), std::string::npos) << same.out;
  EXPECT_NE(same.out.find("eventual-upgrade fired again"), std::string::npos) << same.out;
  const fs::path later = tmp.path() / "scenarios/apps/shop/v3/Shop-Web-3.pkg";
  const std::string before = file_text(later);
  std::ofstream(later, std::ios::binary | std::ios::app) << "\n";
  const Ran changed = hotsim("/", fmt::format("replay '{}'", rec.repro.string()));
  EXPECT_EQ(changed.status, 3) << changed.out;
  EXPECT_NE(changed.out.find("REFUSED"), std::string::npos) << changed.out;
  EXPECT_NE(changed.out.find("Shop-Web-3.pkg"), std::string::npos) << changed.out;
  std::ofstream(later, std::ios::binary | std::ios::trunc) << before;
}

TEST(SelfContainedRepro, ASeedAbove2To63ReplaysFromTheSeedAlone) {
  const TempDir tmp("big-seed");
  const std::string seed = "18446744073709551615";
  const Ran run = hotsim(kSource, fmt::format("run scenarios/default/save-under-load.toml --seed {} --out '{}'", seed, (tmp.path() / "out").string()));
  const auto files = repros_in(tmp.path() / "out/repros");
  ASSERT_FALSE(files.empty()) << run.out;
  for (const fs::path& file : files) {
    EXPECT_NE(file.filename().string().find("-seed" + seed + ".repro.toml"), std::string::npos) << file;
    EXPECT_NE(file_text(file).find("seed = \"" + seed + "\""), std::string::npos) << file;
    scenarios::Repro from_seed = scenarios::load_repro(file.string());
    from_seed.settings.replay.reset();
    const fs::path copy = tmp.path() / "out/repros/from-seed" / file.filename();
    scenarios::save_repro(from_seed, copy.string());
    expect_all_reproduce({file, copy}, "/");
  }
}

// A shrunk repro is its own run's recording: replay, explain and trace all call it reproduced.
TEST(ShrunkRepro, ReplayExplainAndTraceAgree) {
  const TempDir tmp("shrunk");
  const Recorded rec = record_crash_before_save(tmp.path());
  ASSERT_FALSE(rec.repro.empty());
  const fs::path minimal = tmp.path() / "elsewhere/min.repro.toml";
  const Ran shrunk = hotsim(tmp.path(), fmt::format("shrink '{}' --max-attempts 60 --output '{}'", rec.repro.string(), minimal.string()));
  ASSERT_EQ(shrunk.status, 0) << shrunk.out;
  EXPECT_NE(shrunk.out.find("REPRODUCED"), std::string::npos) << shrunk.out;
  expect_all_reproduce({minimal}, "/");
  const Ran explained = hotsim("/", fmt::format("explain '{}' --context 3", minimal.string()));
  EXPECT_EQ(explained.status, 0) << explained.out;
  EXPECT_NE(explained.out.find("REPRODUCED"), std::string::npos) << explained.out;
  EXPECT_EQ(explained.out.find("diverged"), std::string::npos) << explained.out;
  EXPECT_EQ(explained.out.find("DIVERGED"), std::string::npos) << explained.out;
  EXPECT_NE(explained.out.find(">> "), std::string::npos) << explained.out;
  const Ran traced = hotsim("/", fmt::format("trace '{}' --perfetto '{}'", minimal.string(), (tmp.path() / "t.json").string()));
  EXPECT_EQ(traced.status, 0) << traced.out;
  EXPECT_NE(traced.out.find("REPRODUCED"), std::string::npos) << traced.out;
}

}  // namespace
