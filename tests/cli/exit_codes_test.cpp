// The exit-code contract of the hotsim binary (README, "Exit codes"): 0 every outcome as
// declared, 1 an undeclared outcome, 2 usage or input error (with the file named), 3 replay
// diverged or internal error. Each broken input is built in a temporary copy of the shop app.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "helpers/run_command.hpp"
#include "upgrader/app_files.hpp"
#include "upgrader/checksum.hpp"
#include "upgrader/package.hpp"

namespace {

namespace fs = std::filesystem;
using testing_support::CommandResult;

std::string read(const fs::path& path) { return testing_support::read_text(path.string()); }

void write(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

class ExitCodes : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / dir_name(test->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::copy(fs::path(HOTSIM_SOURCE_DIR) / "scenarios/apps/shop", dir_ / "app", fs::copy_options::recursive);
    write_scenario("");
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string dir_name(const std::string& test) { return "hotsim-exit-codes-" + test + "-" + std::to_string(getpid()); }

  // A small scenario on the copied app; `extra` is appended (policies, expectations).
  void write_scenario(const std::string& extra, const std::string& policies = "[\"safe\"]") {
    write(scenario(), "[scenario]\nname = \"exit-codes\"\n"
                      "[app]\ndir = \"app\"\n"
                      "old = [\"Shop-Kernel-1.pkg\", \"Shop-Model-1.pkg\", \"Shop-Web-1.pkg\"]\n"
                      "new = [\"Shop-Kernel-2.pkg\", \"Shop-Model-2.pkg\", \"Shop-Promo-1.pkg\", \"Shop-Web-2.pkg\"]\n"
                      "[load]\nsessions = 5\nrequests = [\"buy\", \"view\"]\nthink_ms = [50, 400]\n"
                      "[deploy]\norder = \"reverse\"\n"
                      "[budgets]\nliveness_ms = 6000\nmax_retries_without_report = 1\n"
                      "[run]\npolicies = " + policies + "\nseeds = 2\nduration_ms = 10000\n" + extra);
  }

  fs::path scenario() const { return dir_ / "scenario.toml"; }
  fs::path package(const std::string& release, const std::string& file) const { return dir_ / "app" / release / file; }

  CommandResult hotsim(const std::string& args) const {
    return testing_support::run_command_status(std::string(HOTSIM_BINARY) + " " + args + " 2>&1");
  }
  CommandResult run() const { return hotsim("run " + scenario().string() + " --jobs 2"); }

  // A repro written by hotsim itself: the seed policy, whose hazards fire here.
  fs::path recorded_repro() {
    write_scenario("[expect.seed]\nallow = [\"dnu-by-upgrade\", \"torn-request\"]\n", "[\"seed\"]");
    const CommandResult r = hotsim("run " + scenario().string() + " --seeds 4 --jobs 2 --out " + (dir_ / "out").string());
    EXPECT_EQ(r.status, 0) << r.output;
    for (const auto& e : fs::directory_iterator(dir_ / "out" / "repros"))
      if (e.path().string().ends_with(".repro.toml")) return e.path();
    ADD_FAILURE() << "no repro written:\n" << r.output;
    return {};
  }

  fs::path dir_;
};

// The run exits 2, before any run starts, and the message names `file` and says `what`.
void expect_input_error(const CommandResult& r, const std::string& file, const std::string& what) {
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find(file), std::string::npos) << "the message names " << file << ":\n" << r.output;
  EXPECT_NE(r.output.find(what), std::string::npos) << "the message says " << what << ":\n" << r.output;
  EXPECT_EQ(r.output.find("runs in"), std::string::npos) << "no run started:\n" << r.output;
}

TEST_F(ExitCodes, CleanScenarioExits0) {
  const CommandResult r = run();
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("every outcome as expected"), std::string::npos) << r.output;
}

TEST_F(ExitCodes, ExpectedHazardThatNeverFiresExits1) {
  write_scenario("[expect.safe]\nfire = [\"torn-request\"]\n");
  const CommandResult r = run();
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("torn-request was expected but did not fire"), std::string::npos) << r.output;
}

TEST_F(ExitCodes, UndeclaredViolationExits1) {
  write_scenario("", "[\"seed\"]");  // the seed policy tears requests here; nothing is declared
  const CommandResult r = hotsim("run " + scenario().string() + " --seeds 4 --jobs 2");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("UNEXPECTED"), std::string::npos) << r.output;
}

TEST_F(ExitCodes, PackageWithoutTrailerExits2) {
  const fs::path pkg = package("new", "Shop-Model-2.pkg");
  std::string text = read(pkg);
  text = text.substr(0, text.find("# hotsim-checksum"));
  write(pkg, text);
  expect_input_error(run(), "new/Shop-Model-2.pkg", "expected the trailer");
}

TEST_F(ExitCodes, PackageWithWrongChecksumExits2) {
  const fs::path pkg = package("new", "Shop-Web-2.pkg");
  std::string text = read(pkg);
  text.insert(0, "# one more line than the trailer covers\n");
  write(pkg, text);
  expect_input_error(run(), "new/Shop-Web-2.pkg", "checksum mismatch");
}

TEST_F(ExitCodes, PackageThatDoesNotParseExits2) {
  const std::string body = "[package]\nname = \"Shop-Kernel\"\nversion = \n";  // sealed, but not TOML
  write(package("old", "Shop-Kernel-1.pkg"), body + "# hotsim-checksum " + upgrader::checksum_text(body) + "\n");
  expect_input_error(run(), "old/Shop-Kernel-1.pkg:3", "");
}

TEST_F(ExitCodes, OldReleaseThatDoesNotInstallExits2) {
  const fs::path pkg = package("old", "Shop-Model-1.pkg");
  upgrader::Package p = upgrader::parse_package(read(pkg), pkg.string());
  p.requirements.push_back({"Shop-Nowhere", 1});  // an unmet dependency, in a well-formed file
  write(pkg, upgrader::render_package(p));
  expect_input_error(run(), "old/Shop-Model-1.pkg", "the old release does not install");
  const CommandResult r = run();
  EXPECT_NE(r.output.find("Shop-Nowhere >= 1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(scenario().string()), std::string::npos) << "the scenario is named too:\n" << r.output;
}

TEST_F(ExitCodes, NewPackageThatParsesButCannotInstallIsAHazardNotAnInputError) {
  const fs::path pkg = package("new", "Shop-Promo-1.pkg");
  upgrader::Package p = upgrader::parse_package(read(pkg), pkg.string());
  p.requirements.push_back({"Shop-Nowhere", 1});
  write(pkg, upgrader::render_package(p));
  const CommandResult r = run();
  EXPECT_NE(r.status, 2) << "the scenario runs:\n" << r.output;
  EXPECT_NE(r.output.find(" runs ("), std::string::npos) << r.output;
}

TEST_F(ExitCodes, UnknownPolicyInAScenarioExits2) {
  write_scenario("", "[\"safe\", \"yolo\"]");
  expect_input_error(run(), scenario().string(), "unknown policy \"yolo\"");
}

TEST_F(ExitCodes, ReproNamingAnUnknownPolicyExits2) {
  const fs::path repro = recorded_repro();
  std::string text = read(repro);
  text = std::regex_replace(text, std::regex("policy = [\"'][a-z]+[\"']"), "policy = \"yolo\"");
  write(repro, text);
  for (const std::string command : {"replay", "shrink", "explain"})
    expect_input_error(hotsim(command + " " + repro.string()), repro.string(), "unknown policy \"yolo\"");
  expect_input_error(hotsim("trace " + repro.string() + " --perfetto " + (dir_ / "t.json").string()), repro.string(),
                     "unknown policy \"yolo\"");
}

TEST_F(ExitCodes, ReplayThatReproducesExits0AndOneThatDivergesExits3) {
  const fs::path repro = recorded_repro();
  const CommandResult same = hotsim("replay " + repro.string());
  EXPECT_EQ(same.status, 0) << same.output;
  EXPECT_NE(same.output.find("REPRODUCED"), std::string::npos) << same.output;

  std::string text = read(repro);
  text = std::regex_replace(text, std::regex("trace_hash = [\"'][0-9a-f]{16}[\"']"), "trace_hash = \"0123456789abcdef\"");
  write(repro, text);
  const CommandResult diverged = hotsim("replay " + repro.string());
  EXPECT_EQ(diverged.status, 3) << diverged.output;
  EXPECT_NE(diverged.output.find("DIVERGED"), std::string::npos) << diverged.output;
}

TEST_F(ExitCodes, UsageErrorsExit2AndHelpAndVersionExit0) {
  for (const std::string args : {"", "run", "frobnicate", "run --no-such-option x.toml", "replay"})
    EXPECT_EQ(hotsim(args).status, 2) << "hotsim " << args;
  EXPECT_EQ(hotsim("--help").status, 0);
  EXPECT_EQ(hotsim("run --help").status, 0);
  const CommandResult version = hotsim("--version");
  EXPECT_EQ(version.status, 0);
  EXPECT_EQ(version.output, "hotsim 0.2.0\n");
}

TEST_F(ExitCodes, NegativeOrOutOfRangeNumbersExit2) {
  for (const std::string args : {"--seed -1", "--seed 18446744073709551616", "--seed 12abc", "--seeds 0", "--seeds -5",
                                 "--seeds 100000001", "--jobs 0", "--jobs 99999999999999999999"}) {
    const CommandResult r = hotsim("run " + scenario().string() + " " + args);
    EXPECT_EQ(r.status, 2) << args << ":\n" << r.output;
    const std::string option = args.substr(0, args.find(' '));
    EXPECT_NE(r.output.find(option + ": expected a whole number"), std::string::npos) << r.output;
  }
  EXPECT_EQ(hotsim("demo --seed -1").status, 2);
  EXPECT_EQ(hotsim("shrink x.repro.toml --max-attempts 0").status, 2);
  EXPECT_EQ(hotsim("run " + scenario().string() + " --shard 3/2").status, 2);
}

// --swarm draws subsets per seed; the point sweeps enumerate points of the scenario as written.
TEST_F(ExitCodes, SwarmWithAPointSweepExits2SayingWhy) {
  for (const std::string sweep : {"--crash-points all", "--update-points"}) {
    const CommandResult r = hotsim("run " + scenario().string() + " --swarm " + sweep);
    EXPECT_EQ(r.status, 2) << sweep << ":\n" << r.output;
    EXPECT_NE(r.output.find(sweep.substr(0, sweep.find(' ')) + " excludes --swarm"), std::string::npos) << r.output;
  }
}

TEST_F(ExitCodes, AMissingScenarioFileExits2AndNamesIt) {
  expect_input_error(hotsim("run " + (dir_ / "nowhere.toml").string()), "nowhere.toml", "cannot read");
}

}  // namespace
