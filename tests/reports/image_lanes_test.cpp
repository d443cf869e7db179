// The HTML report of a cluster run shows one lane per image: which image served each request
// (on the last release or an older one) and when each image booted, crashed, changed release
// and saved. A single image's timeline and page carry no lanes, as before clusters; the lanes
// survive results.json (what `hotsim merge` reads back).
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "reports/html.hpp"
#include "reports/json.hpp"
#include "scenarios/engine.hpp"

namespace {

const std::string kDefault = std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/";

// The first seed's replay, trace kept, where `policy` fires `oracle`, as the report's timeline.
reports::Timeline timeline(const std::string& scenario, const std::string& policy, const std::string& oracle) {
  const scenarios::Scenario sc = scenarios::load_scenario(kDefault + scenario + ".toml");
  for (std::uint64_t seed = 0; seed < 16; ++seed) {
    scenarios::RunSettings s;
    s.seed = seed;
    s.keep_trace = true;
    const scenarios::RunReport r = scenarios::run_scenario(sc, policy, s);
    if (r.fired(oracle)) return reports::timeline_of(r, oracle, "hotsim replay x.repro.toml");
  }
  ADD_FAILURE() << scenario << ": no seed of 16 fired " << oracle;
  return {};
}

// The data the page's script draws from.
nlohmann::json page_data(const reports::Timeline& t) {
  const std::string page = reports::html_report({}, {}, {t}, "");
  const std::string open = R"(<script type="application/json" id="data">)";
  const std::size_t from = page.find(open);
  EXPECT_NE(from, std::string::npos);
  if (from == std::string::npos) return {};
  const std::size_t to = page.find("</script>", from);
  return nlohmann::json::parse(page.substr(from + open.size(), to - from - open.size()));
}

TEST(ImageLanes, AClusterTimelineHasALanePerImageWithItsRequestsAndEvents) {
  const reports::Timeline t = timeline("several-images-shared-staging", "seed", "converged");
  ASSERT_EQ(t.images, (std::vector<std::string>{"image-0", "image-1", "image-2"}));
  std::map<int, std::set<std::string>> kinds;  // lane -> what it shows
  for (const auto& p : t.image_points) {
    ASSERT_GE(p.fiber, 0);
    ASSERT_LT(p.fiber, 3);
    kinds[p.fiber].insert(p.kind);
  }
  for (int lane = 0; lane < 3; ++lane) {
    EXPECT_TRUE(kinds[lane].contains("request on an older release") || kinds[lane].contains("request on the last release")) << lane;
    EXPECT_TRUE(kinds[lane].contains("release")) << lane;
  }
  // converged: one image took the batch and the others were left behind on the old release.
  int upgraded = 0;
  for (int lane = 0; lane < 3; ++lane) upgraded += kinds[lane].contains("request on the last release") ? 1 : 0;
  EXPECT_GE(upgraded, 1);
  EXPECT_LT(upgraded, 3);
  EXPECT_TRUE(kinds[0].contains("crash") || kinds[1].contains("crash") || kinds[2].contains("crash"))
      << "every image's process may die once in this scenario, and one did";

  const nlohmann::json data = page_data(t);
  ASSERT_EQ(data["timelines"].size(), 1u);
  const auto& page = data["timelines"][0];
  EXPECT_EQ(page["images"], nlohmann::json({"image-0", "image-1", "image-2"}));
  std::set<int> lanes;
  for (const auto& p : page["lanes"]) lanes.insert(p["y"].get<int>());
  EXPECT_EQ(lanes, (std::set<int>{0, 1, 2})) << "one lane per image, each with something on it";
}

TEST(ImageLanes, ASingleImageTimelineAndPageHaveNoLanes) {
  const reports::Timeline t = timeline("crash-before-save", "seed", "lost-upgrade");
  EXPECT_TRUE(t.images.empty());
  EXPECT_TRUE(t.image_points.empty());
  const nlohmann::json data = page_data(t);
  ASSERT_EQ(data["timelines"].size(), 1u);
  EXPECT_FALSE(data["timelines"][0].contains("images"));
  EXPECT_FALSE(data["timelines"][0].contains("lanes"));
}

TEST(ImageLanes, TheLanesSurviveResultsJson) {
  reports::ResultsFile file;
  file.hotsim_version = "test";
  file.timelines = {timeline("several-images-shared-staging", "seed", "converged"), timeline("crash-before-save", "seed", "lost-upgrade")};
  const reports::ResultsFile back = reports::parse_results(reports::results_json(file, "results.json").dump(), "results.json");
  ASSERT_EQ(back.timelines.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(back.timelines[i].images, file.timelines[i].images);
    ASSERT_EQ(back.timelines[i].image_points.size(), file.timelines[i].image_points.size());
    for (std::size_t k = 0; k < file.timelines[i].image_points.size(); ++k) {
      EXPECT_EQ(back.timelines[i].image_points[k].fiber, file.timelines[i].image_points[k].fiber);
      EXPECT_EQ(back.timelines[i].image_points[k].kind, file.timelines[i].image_points[k].kind);
      EXPECT_EQ(back.timelines[i].image_points[k].detail, file.timelines[i].image_points[k].detail);
    }
  }
}

}  // namespace
