// The large release (issue 13): the committed app is exactly what the generator makes, it
// has the size and shape the issue asks for, `hotsim pkg check/seal` judge files and a
// release's graph with file:line, and `safe` builds it below request priority without
// holding requests and without starving under sustained load.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "cli/pkg.hpp"
#include "helpers/temp_dir.hpp"
#include "scenarios/engine.hpp"
#include "scenarios/generate_app.hpp"
#include "scenarios/scenario.hpp"
#include "upgrader/release.hpp"

namespace scenarios {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}
const fs::path kApp = fs::path(HOTSIM_SOURCE_DIR) / "scenarios/apps/large";
const std::string kScenario = std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/large-release.toml";

// The committed files are generated, not edited: `hotsim gen app --seed 1 --out scenarios/apps/large`.
TEST(LargeRelease, CommittedAppIsWhatTheGeneratorMakes) {
  const GeneratedApp app = generate_app(GenOptions{});
  for (const auto& [sub, release] : {std::pair{"old", &app.old_release}, std::pair{"new", &app.new_release}}) {
    std::set<std::string> on_disk;
    for (const auto& e : fs::directory_iterator(kApp / sub))
      if (e.path().extension() == ".pkg") on_disk.insert(e.path().filename().string());
    std::set<std::string> generated;
    for (const auto& [name, bytes] : render_release(*release)) {
      generated.insert(name);
      EXPECT_EQ(read_text(kApp / sub / name), bytes) << sub << "/" << name << " differs from the generator's output; regenerate it";
    }
    EXPECT_EQ(on_disk, generated) << sub;
  }
}

TEST(LargeRelease, HasTheSizeAndShapeOfARealBaseline) {
  const GeneratedApp app = generate_app(GenOptions{});
  EXPECT_GE(app.new_release.size(), 40u);
  EXPECT_GE(app.longest_chain, 8);
  std::size_t methods = 0, class_side = 0, extensions = 0, binary = 0;
  std::set<std::string> defined;
  for (const auto& p : app.new_release)
    for (const auto& c : p.classes) defined.insert(c.name);
  for (const auto& p : app.new_release)
    for (const auto& m : p.methods) {
      ++methods;
      class_side += upgrader::is_metaclass(m.class_name);
      extensions += !defined.contains(upgrader::instance_side(m.class_name));
      binary += !std::isalpha(static_cast<unsigned char>(m.selector.front()));
    }
  EXPECT_GE(methods, 5000u);
  EXPECT_GT(class_side, 0u);
  EXPECT_GT(extensions, 0u);
  EXPECT_GT(binary, 0u);
  // Name order is not a dependency order.
  std::set<std::string> before;
  bool out_of_order = false;
  for (const auto& p : app.new_release) {
    for (const auto& r : p.requirements) out_of_order |= !before.contains(r.package);
    before.insert(p.name);
  }
  EXPECT_TRUE(out_of_order);
  // Both releases are whole on a fresh image.
  for (const char* sub : {"old", "new"}) {
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(kApp / sub)) files.push_back(e.path().string());
    EXPECT_EQ(cli::check_packages(files), std::vector<std::string>{}) << sub;
  }
}

// Any seed and size gives a release that checks clean, and the same options the same bytes.
RC_GTEST_PROP(LargeRelease, GeneratedAppsAreWholeAndDeterministic, ()) {
  GenOptions o;
  o.seed = *rc::gen::inRange<std::uint64_t>(0, 1'000'000);
  o.depth = *rc::gen::inRange(2, 8);
  o.packages = o.depth + *rc::gen::inRange(0, 10);
  o.methods = *rc::gen::inRange(1, 400);
  GeneratedApp a;
  try {
    a = generate_app(o);
  } catch (const std::invalid_argument& e) {
    RC_DISCARD(e.what());  // names that happen to sort in dependency order
  }
  RC_ASSERT(render_release(a.new_release) == render_release(generate_app(o).new_release));
  RC_ASSERT(a.longest_chain == o.depth);
  for (const auto* release : {&a.old_release, &a.new_release}) {
    upgrader::Release r = upgrader::Release::fresh();
    const auto left = upgrader::apply_in_dependency_order(r, *release);
    RC_ASSERT(left.empty());
    RC_ASSERT(r.gap().empty());
  }
}

using testing_support::TempDir;

TEST(PkgCommand, SealThenCheckAGoodRelease) {
  TempDir dir;
  const std::string a = dir.write("A.pkg", "[package]\nname = \"A\"\nversion = \"A-ramon.3\"\n[[class]]\nname = \"Base\"\n");
  const std::string b = dir.write("B.pkg",
                                  "[package]\nname = \"B\"\nversion = 1\nrequires = [ { package = \"A\", version = \">= 2, < 4\" } ]\n"
                                  "[[class]]\nname = \"Sub\"\nsuperclass = \"Base\"\n"
                                  "[[method]]\nclass = \"String\"\nselector = \",\"\nbody = []\n");
  EXPECT_EQ(cli::check_packages({a, b}).size(), 2u) << "unsealed files are refused";
  EXPECT_EQ(cli::pkg_seal_command({a, b}), 0);
  EXPECT_EQ(cli::check_packages({a, b}), std::vector<std::string>{});
  EXPECT_EQ(cli::pkg_check_command({b, a}), 0);
}

TEST(PkgCommand, EveryBrokenFileOrGraphIsNamedWithFileAndLine) {
  TempDir dir;
  const auto pkg = [&](const std::string& name, const std::string& body) {
    return dir.write(name, upgrader::seal_package_text(body));
  };
  struct Case {
    std::vector<std::string> files;
    std::string expected;
  };
  const std::string a = pkg("A.pkg", "[package]\nname = \"A\"\nversion = 1\nrequires = [ { package = \"B\" } ]\n");
  const std::string b = pkg("B.pkg", "[package]\nname = \"B\"\nversion = 1\n\nrequires = [ { package = \"A\" } ]\n");
  const std::string c = pkg("C.pkg", "[package]\nname = \"C\"\nversion = 1\nrequires = [ { package = \"Nowhere\", version = 2 } ]\n");
  const std::string d = pkg("D.pkg", "[package]\nname = \"D\"\nversion = 1\nrequires = [ { package = \"E\", version = \"< 3\" } ]\n");
  const std::string e = pkg("E.pkg", "[package]\nname = \"E\"\nversion = 7\n");
  const std::string f = pkg("F.pkg", "[package]\nname = \"F\"\nversion = 1\n[[class]]\nname = \"X\"\nsuperclass = \"Missing\"\n");
  const std::string e2 = pkg("E2.pkg", "# again\n[package]\nname = \"E\"\nversion = 8\n");
  const std::string torn = dir.write("T.pkg", upgrader::seal_package_text("[package]\nname = \"T\"\nversion = 1\n").substr(0, 30));
  const Case cases[] = {
      {{a, b}, a + ":4: dependency cycle A -> B -> A"},
      {{c}, c + ":4: C requires Nowhere >= 2, which none of the files provides"},
      {{d, e}, d + ":4: D requires E >= 0, <= 2, but " + e + " has version 7"},
      {{f}, f + ":4: superclass 'Missing' of 'X' is not loaded"},
      {{e, e2}, e2 + ":3: package E is also defined by " + e},
      {{torn}, torn + ":"},
  };
  for (const Case& k : cases) {
    const auto problems = cli::check_packages(k.files);
    ASSERT_EQ(problems.size(), 1u) << fmt::format("{}", fmt::join(problems, "\n"));
    EXPECT_EQ(problems[0].rfind(k.expected, 0), 0u) << problems[0] << "\nexpected it to begin with: " << k.expected;
    EXPECT_EQ(cli::pkg_check_command(k.files), 2);
  }
}

TEST(PkgCommand, SealRefusesAFileThatDoesNotParse) {
  TempDir dir;
  const std::string bad = dir.write("Bad.pkg", "[package]\nname = \"A\"\n");
  EXPECT_EQ(cli::pkg_seal_command({bad}), 2);
  EXPECT_EQ(read_text(bad), "[package]\nname = \"A\"\n") << "a file that does not parse is left as it was";
}

// `[app] old = "old/"` takes every package file of the directory, in name order.
TEST(LargeRelease, TheScenarioTakesWholeDirectories) {
  const Scenario sc = load_scenario(kScenario);
  EXPECT_EQ(sc.old_packages.size(), generate_app(GenOptions{}).old_release.size());
  EXPECT_TRUE(std::is_sorted(sc.new_packages.begin(), sc.new_packages.end()));
  EXPECT_EQ(sc.old_packages.front().rfind("old/", 0), 0u) << "paths relative to the app directory";
  EXPECT_THROW(parse_scenario(read_text(kScenario).replace(read_text(kScenario).find("old = \"old/\""), 12, "old = \"v9/\""),
                              kScenario),
               ScenarioError)
      << "no such directory";
}

// Safe builds below request priority and yields per method: a request waits at most one
// method's compile slice, and under sustained load the build still finishes (the liveness
// oracle would fire if it starved). Requests are about 8 times denser than the default scenario's.
TEST(LargeRelease, SafeNeverHoldsARequestForItsBuildAndFinishesUnderSustainedLoad) {
  Scenario sc = load_scenario(kScenario);
  sc.sessions = 40;
  sc.think_min = Millis(5);
  sc.think_max = Millis(40);
  sc.policies = {"safe"};
  for (std::uint64_t seed = 0; seed < 2; ++seed) {
    RunSettings settings;
    settings.seed = seed;
    const RunReport r = run_scenario(sc, "safe", settings);
    for (const Violation& v : r.violations) ADD_FAILURE() << "seed " << seed << ": " << v.oracle << " at " << v.where << ": " << v.why;
    EXPECT_TRUE(r.exercised.contains("liveness")) << "the upgrade was never triggered";
    EXPECT_TRUE(r.upgraded) << "seed " << seed << ": the build starved";
    ASSERT_FALSE(r.upgrade_pauses.empty()) << "no request overlapped the upgrade";
    EXPECT_LE(*std::max_element(r.pauses.begin(), r.pauses.end()), std::chrono::duration_cast<sim::Duration>(sc.compile_per_method))
        << "a request waited longer than one method's compile slice";
  }
}

}  // namespace
}  // namespace scenarios
