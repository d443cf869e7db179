// Issue 14, operator habits: the daily load curve, the 2am cron save on an empty trigger,
// and a hot fix typed into the production image (a local change). Parsing is held to
// file:line errors; the runs to what the scenarios claim.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "scenarios/engine.hpp"
#include "scenarios/load_curve.hpp"
#include "scenarios/scenario.hpp"
#include "scenarios/time_of_day.hpp"
#include "scenarios/validate.hpp"
#include "upgrader/local_change.hpp"
#include "upgrader/package.hpp"

namespace scenarios {
namespace {

using namespace std::chrono_literals;

const std::string kDir = std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default";

std::string base(const std::string& extra) {
  return "[scenario]\nname = \"t\"\n[app]\ndir = \"../apps/shop\"\nold = [\"Shop-Kernel-1.pkg\"]\nnew = [\"Shop-Kernel-2.pkg\"]\n" + extra;
}

// ---- times of day and the load curve ---------------------------------------------------

RC_GTEST_PROP(TimeOfDay, EveryMinuteOfTheDayRoundTrips, ()) {
  const int hours = *rc::gen::inRange(0, 24), minutes = *rc::gen::inRange(0, 60);
  const std::string text = fmt::format("{:02}:{:02}", hours, minutes);
  const auto parsed = parse_time_of_day(text);
  RC_ASSERT(parsed.has_value());
  RC_ASSERT(*parsed == std::chrono::hours(hours) + std::chrono::minutes(minutes));
  RC_ASSERT(format_time_of_day(*parsed) == text);
}

RC_GTEST_PROP(TimeOfDay, AnythingButHHMMIsRefused, (std::string text)) {
  const auto digit = [&](std::size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  const bool shaped = text.size() == 5 && text[2] == ':' && digit(0) && digit(1) && digit(3) && digit(4);
  const bool valid = shaped && std::stoi(text.substr(0, 2)) < 24 && std::stoi(text.substr(3, 2)) < 60;
  RC_ASSERT(parse_time_of_day(text).has_value() == valid);
}

TEST(TimeOfDay, OutOfRangeAndBadShapesAreRefused) {
  for (const char* bad : {"24:00", "23:60", "2:00", "02:0", "02-00", " 02:00", "02:00 ", "", "ab:cd"})
    EXPECT_FALSE(parse_time_of_day(bad).has_value()) << bad;
}

// A step function over the day: each point's weight from its time until the next point's,
// the last one's before the first point (round midnight), on every day of the run.
RC_GTEST_PROP(LoadCurve, TheWeightIsThePointBeforeOnEveryDay, ()) {
  auto minutes = *rc::gen::unique<std::vector<int>>(rc::gen::inRange(0, 24 * 60));
  RC_PRE(!minutes.empty());
  std::sort(minutes.begin(), minutes.end());
  LoadCurve curve;
  for (int m : minutes) curve.points.push_back({std::chrono::minutes(m), *rc::gen::inRange(1, 1000) / 10.0});
  const int day = *rc::gen::inRange(0, 7);
  const int at = *rc::gen::inRange(0, 24 * 60);
  double expected = curve.points.back().weight;
  for (const auto& p : curve.points)
    if (p.at <= std::chrono::minutes(at)) expected = p.weight;
  RC_ASSERT(curve.weight_at(std::chrono::hours(24 * day) + std::chrono::minutes(at)) == expected);
}

TEST(LoadCurve, NoCurveLeavesThinkTimesAsDrawn) {
  const LoadCurve flat;
  EXPECT_EQ(flat.think(1234ms, 3h), 1234ms);
  const LoadCurve office = named_load_curve("office-hours");
  EXPECT_EQ(office.think(1000ms, 9h), 1000ms);
  EXPECT_EQ(office.think(1000ms, 3h), 50000ms) << "night: 0.02, fifty times slower";
  EXPECT_EQ(office.think(1000ms, 24h + 3h), 50000ms) << "the next night too";
}

// A parsed list of points is the list written; any weight or time out of range, or out of
// order, is refused at the point's line.
RC_GTEST_PROP(LoadCurve, ParsedExactlyWhenValid, ()) {
  const auto n = *rc::gen::inRange<std::size_t>(1, 6);
  std::vector<int> minutes;
  std::vector<int> weights;  // in thousandths
  for (std::size_t i = 0; i < n; ++i) {
    minutes.push_back(*rc::gen::inRange(0, 24 * 60));
    weights.push_back(*rc::gen::inRange(0, 1'000'001 + 500));
  }
  std::vector<std::string> points;
  for (std::size_t i = 0; i < n; ++i)
    points.push_back(fmt::format("  [\"{}\", {}.{:03}],\n", format_time_of_day(std::chrono::minutes(minutes[i])), weights[i] / 1000,
                                 weights[i] % 1000));
  const std::string text = base(fmt::format("[load]\ncurve = [\n{}]\n", fmt::join(points, "")));
  std::size_t first_bad = n;
  for (std::size_t i = 0; i < n && first_bad == n; ++i)
    if (weights[i] < 1 || weights[i] > 1'000'000 || (i > 0 && minutes[i] <= minutes[i - 1])) first_bad = i;
  try {
    const Scenario s = parse_scenario(text, kDir + "/curve.toml");
    RC_ASSERT(first_bad == n);
    RC_ASSERT(s.curve.points.size() == n);
    for (std::size_t i = 0; i < n; ++i) {
      RC_ASSERT(s.curve.points[i].at == std::chrono::minutes(minutes[i]));
      RC_ASSERT(s.curve.points[i].weight == weights[i] / 1000.0);
    }
  } catch (const ScenarioError& e) {
    RC_ASSERT(first_bad < n);
    RC_ASSERT(e.line() == 9 + static_cast<int>(first_bad));  // the bad point's own line
  }
}

TEST(OperatorHabits, BadNewKeysSayFileLineAndWhatWasExpected) {
  struct Case {
    std::string text;
    int line;
    const char* expected;
  } cases[] = {
      {base("[load]\ncurve = \"weekends\"\n"), 8, "'curve': unknown curve \"weekends\""},
      {base("[load]\ncurve = []\n"), 8, "'curve': expected a named curve or a list"},
      {base("[load]\ncurve = 3\n"), 8, "'curve': expected a named curve or a list"},
      {base("[load]\ncurve = [[\"8:00\", 1]]\n"), 8, "each point is [\"HH:MM\", weight]"},
      {base("[load]\ncurve = [[\"08:00\"]]\n"), 8, "each point is [\"HH:MM\", weight]"},
      {base("[load]\ncurve = [[\"08:00\", \"busy\"]]\n"), 8, "a point's weight is a number"},
      {base("[load]\ncurve = [[\"08:00\", 0]]\n"), 8, "'curve': weight 0 at 08:00: expected 0.001 to 1000"},
      {base("[load]\ncurve = [\n  [\"08:00\", 1],\n  [\"07:00\", 1],\n]\n"), 10, "07:00 comes after 08:00"},
      {base("[deploy]\ncron = \"2am\"\n"), 8, "'cron': expected a time of day \"HH:MM\""},
      {base("[deploy]\ncron = 200\n"), 8, "'cron': expected a time of day"},
      {base("[deploy]\ncron = \"02:00\"\n[run]\nduration_ms = 60000\n"), 8, "'cron': the job at 02:00 first runs after the upload"},
      {base("local_change = \"local/nope.pkg\"\n"), 7, "'local_change': no package file"},
      {base("local_change = \"local/\"\n"), 7, "'local_change': no package file"},
      {base("local_change = 5\n"), 7, "'local_change': expected a string"},
      {base("local_change = \"/etc/hotfix.pkg\"\n"), 7, "leads out of the app directory"},
      {base("local_change = \"../shop/local/Cart-addItem-hotfix.pkg\"\n"), 7, "leads out of the app directory"},
  };
  for (const Case& c : cases) {
    try {
      parse_scenario(c.text, kDir + "/bad.toml");
      ADD_FAILURE() << "accepted:\n" << c.text;
    } catch (const ScenarioError& e) {
      EXPECT_EQ(e.line(), c.line) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.expected), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).rfind(kDir + "/bad.toml:", 0), 0u) << e.what();
    }
  }
}

// ---- the local change ------------------------------------------------------------------

upgrader::Package hotfix() {
  return read_package_file(std::string(HOTSIM_SOURCE_DIR) + "/scenarios/apps/shop/local/Cart-addItem-hotfix.pkg");
}

TEST(LocalChange, TypedInMethodsBelongToNoPackageAndAReplacementIsNamed) {
  const Scenario sc = load_scenario(kDir + "/local-change.toml");
  const Releases releases = read_releases(sc.app_dir, sc.old_packages, sc.new_packages);
  upgrader::Image image;
  ASSERT_TRUE(install_in_dependency_order(image, releases.old_packages).empty());
  upgrader::type_in_methods(image, hotfix());
  const auto before = image.current();
  EXPECT_TRUE(before->gap().empty()) << before->gap();
  EXPECT_TRUE(holds_local_change(*before, hotfix().methods.front()));
  auto next = std::make_shared<upgrader::Release>(*before);
  EXPECT_TRUE(upgrader::overwritten_local_changes(*before, *next).empty()) << "a copy keeps it";
  for (const auto& p : releases.new_packages)
    if (p.name == "Shop-Kernel") next->apply(p, false);
  EXPECT_TRUE(upgrader::overwritten_local_changes(*before, *next).empty()) << "Shop-Kernel 2 leaves Cart alone";
  for (const auto& p : releases.new_packages)
    if (p.name == "Shop-Model") next->apply(p, false);
  EXPECT_EQ(upgrader::overwritten_local_changes(*before, *next), std::vector<std::string>{"Cart>>addItem"});
}

TEST(LocalChange, AHotFixForAClassTheImageLacksIsRefusedWithItsLine) {
  upgrader::Image image;  // no Cart in it
  try {
    upgrader::type_in_methods(image, hotfix());
    ADD_FAILURE() << "typed into an image without Cart";
  } catch (const upgrader::LoadError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("Cart-addItem-hotfix.pkg:"), std::string::npos) << what;
    EXPECT_NE(what.find("method Cart>>addItem for a class that is not in the image"), std::string::npos) << what;
  }
}

TEST(LocalChange, SeedOverwritesItSilentlySafeNamesIt) {
  const Scenario sc = load_scenario(kDir + "/local-change.toml");
  EXPECT_TRUE(input_problems(sc).empty());
  for (std::uint64_t seed = 0; seed < 2; ++seed) {
    RunSettings settings;
    settings.seed = seed;
    const RunReport seed_run = run_scenario(sc, "seed", settings);
    EXPECT_TRUE(seed_run.fired("lost-local-change")) << "seed " << seed;
    const RunReport safe_run = run_scenario(sc, "safe", settings);
    EXPECT_TRUE(safe_run.exercised.contains("lost-local-change")) << "seed " << seed;
    EXPECT_TRUE(safe_run.upgraded) << "safe still upgrades: the batch overwrites the hot fix, and says so";
    EXPECT_TRUE(safe_run.violations.empty()) << safe_run.violations.front().oracle << ": " << safe_run.violations.front().why;
  }
}

// ---- the cron save ---------------------------------------------------------------------

TEST(CronSave, The2amSaveIsBackNearTheFreshImageOnlyWithHousekeeping) {
  const Scenario sc = load_scenario(kDir + "/cron-save.toml");
  ASSERT_TRUE(sc.cron.has_value());
  RunSettings settings;
  settings.seed = 0;
  const RunReport safe_run = run_scenario(sc, "safe", settings);
  ASSERT_GE(safe_run.image_sizes.size(), 2u) << "the upgrade's save at 00:15 and the cron job's at 02:00";
  EXPECT_TRUE(safe_run.exercised.contains("image-growth"));
  EXPECT_FALSE(safe_run.fired("image-growth"));
  EXPECT_LT(safe_run.image_sizes.back(), safe_run.image_sizes.front()) << "the night's sessions expired before the 2am save";
  EXPECT_LE(static_cast<double>(safe_run.image_sizes.back()), sc.max_image_growth * static_cast<double>(safe_run.fresh_image_bytes));
  const RunReport seed_run = run_scenario(sc, "seed", settings);
  ASSERT_GE(seed_run.image_sizes.size(), 2u);
  EXPECT_TRUE(seed_run.fired("image-growth")) << "nothing in the post's loader expires a session";
}

TEST(CronSave, SameSeedSameTraceHash) {
  const Scenario sc = load_scenario(kDir + "/cron-save.toml");
  RunSettings settings;
  settings.seed = 1;
  EXPECT_EQ(run_scenario(sc, "priority", settings).run.trace_hash, run_scenario(sc, "priority", settings).run.trace_hash);
  EXPECT_EQ(run_scenario(sc, "priority", settings, Judging::Off).run.trace_hash,
            run_scenario(sc, "priority", settings).run.trace_hash)
      << "judging never changes a schedule";
}

// Three images share the staging directory the cron job writes to: every image must save on
// the empty trigger, not only the first to see it. The post's loader removes the trigger as
// it takes it, so the other images never save that night; safe acknowledges per image and
// the last one removes it.
TEST(CronSave, EveryImageOfAClusterSavesOnTheEmptyTrigger) {
  Scenario sc = load_scenario(kDir + "/cron-save.toml");
  sc.images = 3;
  sc.cluster_staging = "shared";
  RunSettings settings;
  settings.seed = 0;
  settings.sessions = 3;
  const auto no_save = [](const RunReport& r) {
    return std::count_if(r.violations.begin(), r.violations.end(), [](const Violation& v) {
      return v.oracle == "image-growth" && v.why.find("brought no save") != std::string::npos;
    });
  };
  const RunReport seed_run = run_scenario(sc, "seed", settings);
  EXPECT_GE(no_save(seed_run), 1) << "the first image to see the trigger removes it before the others poll";
  const RunReport safe_run = run_scenario(sc, "safe", settings);
  EXPECT_EQ(no_save(safe_run), 0);
  EXPECT_FALSE(safe_run.fired("image-growth"));
  EXPECT_FALSE(safe_run.fired("clean-completion")) << "the trigger and every acknowledgement are gone at the end";
}

// A restart restores each session's last-active time from the snapshot, though clients used
// it since in the process that died. safe counts a restored session as active from the
// restart, so the 2am housekeeping never expires a session in use (lost-session fired in
// swarm seed 0 before, with these features: a power cut, a process kill, disk faults).
TEST(CronSave, RestoredSessionsAreNotExpiredForTheDowntime) {
  const Scenario sc = load_scenario(kDir + "/cron-save.toml");
  int restarted = 0;
  for (std::uint64_t seed = 0; seed < 6; ++seed) {
    RunSettings settings;
    settings.seed = seed;
    settings.swarm = {"chunked-upload", "leftover-earlier-build", "power-cuts-1", "process-kill", "no-fsync-uploads", "disk-full", "ext4-ordered"};
    const RunReport run = run_scenario(sc, "safe", settings);
    restarted += run.crashes > 0 ? 1 : 0;
    EXPECT_FALSE(run.fired("lost-session")) << "seed " << seed;
    EXPECT_TRUE(run.violations.empty()) << "seed " << seed << ": " << run.violations.front().oracle << ": " << run.violations.front().why;
  }
  EXPECT_GE(restarted, 1) << "some seed must restart the server, or this test shows nothing";
}

}  // namespace
}  // namespace scenarios
