// The JUnit XML of a real run in which `seed` trips an oracle its scenario does not declare:
// parsed with expat, its failure must name the violation, the seed and a replay command whose
// repro reproduces.
#include <expat.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "cli/commands.hpp"
#include "helpers/temp_dir.hpp"
#include "scenarios/repro.hpp"

namespace {

namespace fs = std::filesystem;

struct TestCase {
  std::string classname, name;
  bool failed = false;
  std::string message, body;
};

// Every <testcase> of a JUnit file, with its <failure>'s message attribute and text.
std::vector<TestCase> parse_junit(const std::string& xml) {
  struct State {
    std::vector<TestCase> cases;
    bool in_failure = false;
  } state;
  XML_Parser parser = XML_ParserCreate("UTF-8");
  XML_SetUserData(parser, &state);
  XML_SetElementHandler(
      parser,
      [](void* data, const XML_Char* element, const XML_Char** attributes) {
        auto& s = *static_cast<State*>(data);
        std::map<std::string, std::string> a;
        for (int i = 0; attributes[i] != nullptr; i += 2) a[attributes[i]] = attributes[i + 1];
        if (std::string(element) == "testcase") s.cases.push_back({a["classname"], a["name"], false, "", ""});
        if (std::string(element) == "failure" && !s.cases.empty()) {
          s.cases.back().failed = true;
          s.cases.back().message = a["message"];
          s.in_failure = true;
        }
      },
      [](void* data, const XML_Char* element) {
        if (std::string(element) == "failure") static_cast<State*>(data)->in_failure = false;
      });
  XML_SetCharacterDataHandler(parser, [](void* data, const XML_Char* text, int length) {
    auto& s = *static_cast<State*>(data);
    if (s.in_failure) s.cases.back().body.append(text, static_cast<std::size_t>(length));
  });
  const bool ok = XML_Parse(parser, xml.data(), static_cast<int>(xml.size()), 1) == XML_STATUS_OK;
  const std::string error = ok ? "" : XML_ErrorString(XML_GetErrorCode(parser));
  XML_ParserFree(parser);
  if (!ok) throw std::runtime_error("junit.xml is not well-formed XML: " + error);
  return state.cases;
}

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(JUnit, FailureCarriesViolationSeedAndReplayCommand) {
  const testing_support::TempDir tmp("hotsim-junit-test");
  const fs::path dir = tmp.path;
  // half-loaded with nothing declared for `seed`, which tears requests: an undeclared outcome.
  std::string scenario = read(fs::path(HOTSIM_SOURCE_DIR) / "scenarios/default/half-loaded.toml");
  const std::string declared = "[expect.seed]\nfire = [\"dnu-by-upgrade\", \"torn-request\"]";
  ASSERT_NE(scenario.find(declared), std::string::npos);
  scenario.replace(scenario.find(declared), declared.size(), "[expect.seed]\nfire = []");
  scenario = std::regex_replace(scenario, std::regex("dir = \"\\.\\./apps/shop\""),
                                "dir = \"" + std::string(HOTSIM_SOURCE_DIR) + "/scenarios/apps/shop\"");
  scenario = std::regex_replace(scenario, std::regex("policies = \\[[^\\]]*\\]"), "policies = [\"seed\", \"safe\"]");
  scenario = std::regex_replace(scenario, std::regex("\\[expect\\.priority\\]\nfire = \\[[^\\]]*\\]"), "");
  std::ofstream(dir / "half-loaded.toml") << scenario;

  cli::RunOptions o;
  o.inputs = {(dir / "half-loaded.toml").string()};
  o.seeds = 4;
  o.jobs = 2;
  o.out = (dir / "out").string();
  o.junit = (dir / "junit.xml").string();
  ASSERT_EQ(cli::run_command(o), 1);

  const std::vector<TestCase> cases = parse_junit(read(dir / "junit.xml"));
  ASSERT_EQ(cases.size(), 2u);
  const TestCase& seed = cases[0];
  EXPECT_EQ(seed.classname, "half-loaded");
  EXPECT_EQ(seed.name, "seed");
  ASSERT_TRUE(seed.failed);
  EXPECT_FALSE(cases[1].failed) << cases[1].message;

  // Both oracles `seed` trips here are undeclared; each gets a block: the violation as its
  // oracle describes it (oracle, where, when, why), the first seed it fired in, and a replay
  // command naming a repro under --out DIR/repros/ that holds that seed and reproduces.
  for (const std::string oracle : {"torn-request", "dnu-by-upgrade"}) {
    std::smatch m;
    ASSERT_TRUE(std::regex_search(seed.body, m, std::regex(oracle + R"( fired unexpectedly in \d+ of 4 seeds\n)"
                                                                    R"(  violation: )" + oracle + R"( at \S.* \[[^\]]+\]: \S.*\n)"
                                                                    R"(  seed: (\d+)\n)"
                                                                    R"(  replay: hotsim replay (\S+)\n)")))
        << seed.body;
    const std::string seed_text = m[1], repro_file = m[2];
    EXPECT_EQ(fs::path(repro_file).parent_path(), dir / "out" / "repros");
    const scenarios::Repro repro = scenarios::load_repro(repro_file);
    EXPECT_EQ(repro.oracle, oracle);
    EXPECT_EQ(seed_text, std::to_string(repro.settings.seed));
    EXPECT_NE(seed.body.find("  violation: " + repro.violation + "\n"), std::string::npos) << repro.violation;
    EXPECT_EQ(cli::replay_command(repro_file), 0);  // the command it gives reproduces
  }
  // The message, one line: the first of them with its seed and replay command.
  EXPECT_TRUE(std::regex_match(seed.message, std::regex(R"(\S+ at \S.* \[[^\]]+\]: .+ \(seed \d+\); replay: hotsim replay \S+\.repro\.toml)")))
      << seed.message;
}

}  // namespace
