// `hotsim merge` through the binary: a sweep run unsharded and as three shards (each
// `hotsim run --shard K/3 --out DIR`), the shards merged — the merged report, results,
// JUnit XML, repros and exit code are those of the unsharded run. Bad inputs exit 2 with the
// file named.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "helpers/run_command.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing_support::CommandResult;

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

class Merge : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("hotsim-merge-" + std::string(test->name()) + "-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  CommandResult hotsim(const std::string& args) const {
    return testing_support::run_command_status("cd " + dir_.string() + " && " + HOTSIM_BINARY + " " + args + " 2>&1");
  }
  static std::string scenario(const std::string& name) { return std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/" + name + ".toml"; }

  // `hotsim run` of the scenarios, with shard k of n into shard-k/ (n = 1: unsharded into full/).
  CommandResult run(const std::string& scenarios, int seeds, int k, int n) const {
    const std::string out = n == 1 ? "full" : "shard-" + std::to_string(k);
    return hotsim(fmt("run {} --seeds {} --jobs 2 --shard {}/{} --out {}{}", scenarios, seeds, k, n, out,
                      n == 1 ? " --junit full/junit.xml" : ""));
  }
  static std::string fmt(std::string pattern, auto... args) {
    std::ostringstream out;
    std::size_t at = 0;
    ((out << pattern.substr(at, pattern.find("{}", at) - at) << args, at = pattern.find("{}", at) + 2), ...);
    out << pattern.substr(at);
    return out.str();
  }
  std::string shard_files(int n) const {
    std::string files;
    for (int k = 1; k <= n; ++k) files += fmt(" shard-{}/results.json", k);
    return files;
  }
  json results(const std::string& out) const { return json::parse(read(dir_ / out / "results.json")); }

  fs::path dir_;
};

// Wall-clock figures differ from run to run; everything else must not.
json without_timing(json j) {
  for (const char* key : {"seconds", "runs_per_second", "seeds_per_second"}) j.erase(key);
  for (auto& c : j["cells"]) c.erase("run_seconds");
  return j;
}
std::string without_speed(const std::string& text) {
  return std::regex_replace(text, std::regex(R"( in [0-9.]+ s: [0-9.]+ runs/s, [0-9.]+ seeds/s)"), " in T");
}
json html_data(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"data\">";
  const auto from = html.find(open) + open.size();
  json data = json::parse(html.substr(from, html.find("</script>", from) - from));
  for (const char* key : {"seconds", "seeds_per_second"}) data.erase(key);
  return data;
}
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size()) text.replace(at, from.size(), to);
  return text;
}

TEST_F(Merge, ThreeShardsMergeIntoTheUnshardedRun) {
  // crash-before-save: priority loses the upgrade in a few seeds only, so some shards never
  // see the hazard it must fire; half-loaded: priority's expected torn request fires in none
  // of these seeds, which only the whole sweep may judge.
  const std::string scenarios = scenario("crash-before-save") + " " + scenario("half-loaded");
  const int seeds = 6;
  const CommandResult full = run(scenarios, seeds, 1, 1);
  ASSERT_TRUE(full.status == 0 || full.status == 1) << full.output;
  std::vector<json> shards;
  for (int k = 1; k <= 3; ++k) {
    const CommandResult shard = run(scenarios, seeds, k, 3);
    ASSERT_TRUE(shard.status == 0 || shard.status == 1) << shard.output;
    shards.push_back(results(fmt("shard-{}", k)));
  }
  const CommandResult merged = hotsim("merge" + shard_files(3) + " --out merged");
  EXPECT_EQ(merged.status, full.status) << "unsharded:\n" << full.output << "\nmerged:\n" << merged.output;

  // What this sweep is chosen for (if the scenarios change, choose another sweep).
  const json whole = results("full");
  bool hazard_unseen_by_a_shard = false, missing_judged_only_whole = false;
  for (std::size_t c = 0; c < whole["cells"].size(); ++c)
    for (const auto& oracle : whole["cells"][c]["expected"]) {
      const bool fired = whole["cells"][c]["fired"].contains(oracle);
      for (const auto& s : shards) hazard_unseen_by_a_shard |= fired && !s["cells"][c]["fired"].contains(oracle);
      missing_judged_only_whole |= !fired;
    }
  EXPECT_TRUE(hazard_unseen_by_a_shard) << "no expected hazard fires in only some shards of this sweep";
  EXPECT_TRUE(missing_judged_only_whole) << "no expected hazard is missing from this sweep";
  EXPECT_EQ(full.status, 1) << full.output;
  for (const auto& s : shards) EXPECT_TRUE(s["ok"].get<bool>()) << "a shard does not judge missing hazards: " << s.dump(2);

  // The same results, report, summary, JUnit XML and repros.
  EXPECT_EQ(without_timing(results("merged")), without_timing(whole));
  EXPECT_EQ(without_speed(read(dir_ / "merged/summary.md")), without_speed(read(dir_ / "full/summary.md")));
  EXPECT_NE(read(dir_ / "merged/summary.md").find(fmt("{} runs ({} seeds)", whole["runs"].get<int>(), whole["seeds"].get<int>())),
            std::string::npos);
  const std::regex time_attribute(R"( time="[0-9.]+")");
  EXPECT_EQ(std::regex_replace(read(dir_ / "merged/junit.xml"), time_attribute, ""),
            replaced(std::regex_replace(read(dir_ / "full/junit.xml"), time_attribute, ""), "full/repros/", "merged/repros/"));
  EXPECT_EQ(html_data(read(dir_ / "merged/index.html")), json::parse(replaced(html_data(read(dir_ / "full/index.html")).dump(), "full/repros/", "merged/repros/")));
  std::vector<std::string> repros;
  for (const auto& e : fs::directory_iterator(dir_ / "full/repros")) {
    const std::string name = e.path().filename().string();
    repros.push_back(name);
    EXPECT_EQ(read(dir_ / "merged/repros" / name), read(e.path())) << name;
  }
  ASSERT_FALSE(repros.empty());
  EXPECT_EQ(static_cast<std::size_t>(std::distance(fs::directory_iterator(dir_ / "merged/repros"), fs::directory_iterator())),
            repros.size());
  // A copied repro replays from where the merge put it.
  const CommandResult replay = hotsim("replay merged/repros/" + repros.front());
  EXPECT_EQ(replay.status, 0) << replay.output;
  EXPECT_NE(replay.output.find("REPRODUCED"), std::string::npos) << replay.output;
}

// A small sweep in three shards for the refusals.
class MergeInput : public Merge {
 protected:
  void SetUp() override {
    Merge::SetUp();
    for (int k = 1; k <= 3; ++k) ASSERT_EQ(run(scenario("load-order"), 3, k, 3).status, 0);
  }
  void edit(int k, const std::function<void(json&)>& change) const {
    json j = results(fmt("shard-{}", k));
    change(j);
    write(dir_ / fmt("shard-{}/results.json", k), j.dump(2));
  }
  // Exit 2, nothing written, and the message names `file` and says `what`.
  void expect_refused(const std::string& args, const std::string& file, const std::string& what) const {
    const CommandResult r = hotsim("merge " + args + " --out merged");
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find("error: " + file), std::string::npos) << "names " << file << ":\n" << r.output;
    EXPECT_NE(r.output.find(what), std::string::npos) << "says " << what << ":\n" << r.output;
    EXPECT_FALSE(fs::exists(dir_ / "merged")) << r.output;
  }
};

TEST_F(MergeInput, TheShardsMerge) {
  const CommandResult r = hotsim("merge" + shard_files(3) + " --out merged");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(results("merged")["shard"], json({{"count", 1}, {"indices", {1}}}));
}

TEST_F(MergeInput, MalformedJsonIsRefused) {
  write(dir_ / "shard-2/results.json", read(dir_ / "shard-2/results.json").substr(0, 200));
  expect_refused(shard_files(3), "shard-2/results.json", "not JSON");
}

TEST_F(MergeInput, AnotherFormatVersionIsRefused) {
  edit(3, [](json& j) { j["format_version"] = 99; });
  expect_refused(shard_files(3), "shard-3/results.json: format_version: expected 1, found 99", "written by another hotsim");
}

TEST_F(MergeInput, AMistypedFieldIsRefusedSayingWhere) {
  edit(1, [](json& j) { j["cells"][2]["fired"] = json::array(); });
  expect_refused(shard_files(3), "shard-1/results.json: cells[2].fired", "expected an object");
}

TEST_F(MergeInput, ShardsOfAnotherHotsimVersionAreRefused) {
  edit(2, [](json& j) { j["hotsim_version"] = "0.0.1"; });
  expect_refused(shard_files(3), "shard-2/results.json", "written by hotsim 0.0.1, but shard-1/results.json by hotsim");
}

TEST_F(MergeInput, ShardsOfAnotherScenarioFileAreRefused) {
  edit(3, [](json& j) {
    for (auto& c : j["cells"]) c["scenario_checksum"] = "fnv1a64:0000000000000000";
  });
  expect_refused(shard_files(3), "shard-3/results.json", "shards of different scenario files");
}

TEST_F(MergeInput, TheSameShardTwiceIsRefused) {
  fs::copy(dir_ / "shard-1", dir_ / "again", fs::copy_options::recursive);
  expect_refused(shard_files(3) + " again/results.json", "again/results.json", "shard 1/3 again");
}

TEST_F(MergeInput, MissingShardsAreNamedAndAllowedOnlyOnRequest) {
  expect_refused("shard-1/results.json", "hotsim merge", "shards 2/3, 3/3 missing");
  const CommandResult r = hotsim("merge shard-1/results.json shard-3/results.json --allow-partial --out merged");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("missing 2/3"), std::string::npos) << r.output;
  EXPECT_TRUE(results("merged")["sharded"].get<bool>());
}

TEST_F(MergeInput, AMissingReproIsRefusedNamingItsResults) {
  std::size_t removed = 0;
  for (int k = 1; k <= 3; ++k)
    if (fs::exists(dir_ / fmt("shard-{}/repros", k))) removed += fs::remove_all(dir_ / fmt("shard-{}/repros", k));
  ASSERT_GT(removed, 0u) << "the sweep wrote no repro";
  const CommandResult r = hotsim("merge" + shard_files(3) + " --out merged");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("/results.json: its repro "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("cannot be read"), std::string::npos) << r.output;
}

TEST_F(MergeInput, UsageErrorsExit2) {
  EXPECT_EQ(hotsim("merge --out merged").status, 2);
  EXPECT_EQ(hotsim("merge shard-1/results.json").status, 2);
  const CommandResult r = hotsim("merge nowhere/results.json --out merged");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("nowhere/results.json: cannot read the file"), std::string::npos) << r.output;
}

}  // namespace
