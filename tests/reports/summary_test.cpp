// The summary's names: runs/s against seeds/s computed from the cells, and a legend that
// explains every mark the tables print.
#include <gtest/gtest.h>

#include "reports/summary.hpp"

namespace {

scenarios::Cell cell(const std::string& scenario, const std::string& policy, int seeds) {
  scenarios::Cell c;
  c.scenario = scenario;
  c.policy = policy;
  c.seeds_run = seeds;
  return c;
}

TEST(Summary, RunsPerSecondIsPoliciesTimesSeedsPerSecond) {
  scenarios::SuiteResult r;
  for (const char* p : {"seed", "priority", "safe"}) {
    r.cells.push_back(cell("a", p, 10));
    r.cells.push_back(cell("b", p, 5));
  }
  r.runs = 45;  // (10 + 5) seeds × 3 policies
  r.seconds = 3;
  const reports::Speed sp = reports::speed(r);
  EXPECT_EQ(sp.seeds, 15u);
  EXPECT_DOUBLE_EQ(sp.runs_per_second(), 15.0);
  EXPECT_DOUBLE_EQ(sp.seeds_per_second(), 5.0);
  EXPECT_EQ(sp.describe(), "45 runs (15 seeds) in 3.0 s: 15.0 runs/s, 5.0 seeds/s");
  EXPECT_NE(reports::text_table(r).find("15.0 runs/s, 5.0 seeds/s"), std::string::npos) << reports::text_table(r);
  EXPECT_NE(reports::markdown(r).find("15.0 runs/s, 5.0 seeds/s"), std::string::npos);
}

TEST(Summary, LegendListsEveryMarkTheTablesPrint) {
  scenarios::Cell c = cell("a", "seed", 4);
  c.expected = {"torn-request", "lost-session"};
  c.allowed = {"pause-budget"};
  c.fired = {{"torn-request", 2}, {"pause-budget", 1}, {"dnu-by-upgrade", 3}};
  struct Case {
    std::string oracle;
    bool sharded;
    std::string mark;
  };
  const std::vector<Case> cases{{"torn-request", false, "x2"}, {"pause-budget", false, "~1"}, {"dnu-by-upgrade", false, "!3"},
                                {"lost-session", false, "?"},  {"lost-session", true, "-"},   {"liveness", false, "."}};
  const std::string text = reports::marks_legend(false), md = reports::marks_legend(true);
  for (const auto& k : cases) {
    const std::string m = reports::mark(c, k.oracle, k.sharded);
    EXPECT_EQ(m, k.mark);
    const std::string symbol = m.size() > 1 ? m.substr(0, 1) + "N" : m;  // a count follows: the legend says N
    EXPECT_NE(text.find(" " + symbol + " "), std::string::npos) << symbol << " missing from: " << text;
    EXPECT_NE(md.find("`" + symbol + "`"), std::string::npos) << symbol << " missing from: " << md;
  }
  // Under --swarm an undeclared oracle of a policy that declares hazards is reported (s), not
  // failed, and an expected one that never fired is not judged.
  c.swarm = true;
  EXPECT_EQ(reports::mark(c, "dnu-by-upgrade", false), "s3");
  EXPECT_EQ(reports::mark(c, "lost-session", false), ".");
  EXPECT_NE(text.find(" sN "), std::string::npos) << text;
  EXPECT_NE(md.find("`sN`"), std::string::npos) << md;
}

// --swarm: per scenario the distinct subsets, and for each oracle that fired the features on
// in the seeds where it did, failures marked.
TEST(Summary, SwarmLinesNameTheSubsetsAndTheFeaturesOnWhereAnOracleFired) {
  scenarios::SuiteResult r;
  for (const char* p : {"seed", "safe"}) {
    scenarios::Cell c = cell("a", p, 6);
    c.swarm = true;
    c.swarm_subsets = {"(none)", "eio-read", "eio-read+power-cuts-2", "power-cuts-2"};
    c.fired = {{"liveness", 3}};
    c.first_seed = {{"liveness", 1}};
    c.swarm_fired = {{"liveness", {{"eio-read", 1}, {"power-cuts-2", 3}}}};
    if (std::string(p) == "seed") c.expected = {"torn-request"};
    r.cells.push_back(c);
  }
  scenarios::judge(r);
  const std::string text = reports::text_table(r), md = reports::markdown(r);
  EXPECT_NE(text.find("a: 4 distinct subsets in 6 seeds"), std::string::npos) << text;
  EXPECT_NE(text.find("seed / liveness fired in 3 of 6 seeds; features on in those seeds: power-cuts-2 in 3, eio-read in 1"),
            std::string::npos) << text;
  EXPECT_NE(text.find("safe / liveness fired in 3 of 6 seeds (FAIL); features on in those seeds: power-cuts-2 in 3"),
            std::string::npos) << text;
  EXPECT_NE(md.find("### Swarm"), std::string::npos) << md;
  EXPECT_NE(md.find("safe / liveness fired in 3 of 6 seeds (**FAIL**)"), std::string::npos) << md;
  EXPECT_TRUE(r.cells[0].ok());
  EXPECT_FALSE(r.cells[1].ok());
}

}  // namespace
