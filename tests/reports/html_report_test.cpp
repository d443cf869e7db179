// Renders the HTML report of a real suite run in headless Chromium (Debian's package) and
// checks that every chart drew and no script failed. The screenshot's path is printed.
#include <gtest/gtest.h>

#include "helpers/run_command.hpp"
#include "helpers/temp_dir.hpp"

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "cli/commands.hpp"

namespace {

namespace fs = std::filesystem;


std::string chromium() {
  for (const char* c : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (fs::exists(c)) return c;
  return {};
}

// Headless Chromium, its profile under `out`, given time for the page's script to finish.
std::string headless_flags(const fs::path& out) {
  return " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --disable-background-networking"
         " --disable-component-update --disable-sync --user-data-dir=" + (out / "chromium-profile").string() +
         " --virtual-time-budget=10000 ";
}

TEST(HtmlReport, ChartsDrawInHeadlessChromium) {
  const std::string browser = chromium();
  if (browser.empty()) GTEST_FAIL() << "chromium is not installed (scripts/install-deps.sh --test installs it)";
  const testing_support::TempDir tmp("hotsim-report-test");
  const fs::path out = tmp.path / "report";
  cli::RunOptions o;
  o.inputs = {std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/crash-before-save.toml",
              std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/save-under-load.toml"};
  o.seeds = 6;
  o.jobs = 2;
  o.out = out.string();
  ASSERT_EQ(cli::run_command(o), 0);
  const std::string page = "file://" + (out / "index.html").string();
  const std::string flags = headless_flags(out);
  const std::string dom = testing_support::run_command(browser + flags + "--dump-dom " + page + " 2>/dev/null");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(dom, m, std::regex("data-charts-ready=\"([0-9]+)\""))) << "the page script did not finish";
  // Three summary charts, and one timeline per hazard found: lost-upgrade, eventual-upgrade
  // and liveness for seed and priority; image-growth for seed and priority.
  EXPECT_EQ(std::stoi(m[1].str()), 3 + 3 * 2 + 2);
  EXPECT_NE(dom.find("<pre id=\"errors\"></pre>"), std::string::npos) << "script errors in the page";
  EXPECT_NE(dom.find("crash-before-save"), std::string::npos) << "the matrix lists the scenarios";
  EXPECT_NE(dom.find("hotsim replay "), std::string::npos) << "each failure shows its replay command";
  const fs::path shot = out / "report.png";
  testing_support::run_command(browser + flags + "--window-size=1300,2400 --screenshot=" + shot.string() + " " + page + " 2>/dev/null");
  ASSERT_TRUE(fs::exists(shot));
  EXPECT_GT(fs::file_size(shot), 20000u) << "a blank page would be much smaller";
  std::printf("screenshot of the report: %s\n", shot.c_str());
  RecordProperty("screenshot", shot.string());
}

// A cluster's page: under each failure's fibers, a chart with one lane per image, drawn with
// no script error (two charts per failure).
TEST(HtmlReport, AClustersImageLanesDrawInHeadlessChromium) {
  const std::string browser = chromium();
  if (browser.empty()) GTEST_FAIL() << "chromium is not installed (scripts/install-deps.sh --test installs it)";
  const testing_support::TempDir tmp("hotsim-report-cluster-test");
  const fs::path out = tmp.path / "report";
  cli::RunOptions o;
  o.inputs = {std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/several-images-shared-staging.toml"};
  o.policies = {"seed"};
  o.seeds = 2;
  o.out = out.string();
  ASSERT_EQ(cli::run_command(o), 0);
  std::ifstream results(out / "results.json");
  const std::string text{std::istreambuf_iterator<char>(results), std::istreambuf_iterator<char>()};
  std::size_t timelines = 0, lanes = 0;  // in results.json, as in the page's data
  for (std::size_t at = 0; (at = text.find("\"fibers\":", at)) != std::string::npos; ++at) ++timelines;
  for (std::size_t at = 0; (at = text.find("\"lanes\":", at)) != std::string::npos; ++at) ++lanes;
  ASSERT_GE(timelines, 1u);
  EXPECT_EQ(lanes, timelines) << "every failure of a cluster has its lanes";
  const std::string page = "file://" + (out / "index.html").string();
  const std::string flags = headless_flags(out);
  const std::string dom = testing_support::run_command(browser + flags + "--dump-dom " + page + " 2>/dev/null");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(dom, m, std::regex("data-charts-ready=\"([0-9]+)\""))) << "the page script did not finish";
  EXPECT_EQ(std::stoul(m[1].str()), 3 + 2 * timelines);
  EXPECT_NE(dom.find("<pre id=\"errors\"></pre>"), std::string::npos) << "script errors in the page";
  EXPECT_NE(dom.find("Each image of the cluster over the run"), std::string::npos);
}

}  // namespace

#include <nlohmann/json.hpp>

namespace {

TEST(PerfettoTrace, AReplayedRunBecomesTrackPerFiberWithSlicesAndViolations) {
  const std::string repro = std::string(HOTSIM_SOURCE_DIR) + "/scenarios/regressions/half-loaded-priority-torn-request.repro.toml";
  const testing_support::TempDir tmp("hotsim-perfetto-test");
  const fs::path out = tmp.path / "trace.json";
  ASSERT_EQ(cli::trace_command(repro, out.string()), 0) << "the replay must match its recorded hash";
  std::ifstream in(out);
  const nlohmann::json trace = nlohmann::json::parse(in);
  std::set<std::string> threads, phases, categories;
  for (const auto& e : trace.at("traceEvents")) {
    phases.insert(e.at("ph").get<std::string>());
    if (e.at("ph") == "M" && e.at("name") == "thread_name") threads.insert(e.at("args").at("name").get<std::string>());
    if (e.contains("cat")) categories.insert(e.at("cat").get<std::string>());
    if (e.at("ph") == "X") {
      EXPECT_GE(e.at("dur").get<double>(), 0.0);
      EXPECT_GE(e.at("ts").get<double>(), 0.0);
    }
  }
  EXPECT_TRUE(threads.contains("code loader"));
  EXPECT_TRUE(threads.contains("session-0"));
  EXPECT_EQ(phases, (std::set<std::string>{"M", "X", "i"}));
  for (const char* c : {"upgrade", "violation", "pause", "sleep"}) EXPECT_TRUE(categories.contains(c)) << c;
  fs::remove(out);
}

}  // namespace
