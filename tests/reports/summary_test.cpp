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
}

}  // namespace
