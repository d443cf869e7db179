// The repro file format: any RunSettings (and the rest of a repro) survives render → parse
// exactly, seeds at or above 2^63 included; bad files are clear errors with file:line.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <optional>
#include <string>

#include "scenarios/repro.hpp"
#include "scenarios/swarm.hpp"

namespace {

// Valid UTF-8 (TOML files are UTF-8): ASCII with control characters, and any other scalar value.
rc::Gen<std::string> utf8_string() {
  return rc::gen::map(rc::gen::container<std::vector<std::uint32_t>>(
                          rc::gen::oneOf(rc::gen::inRange<std::uint32_t>(0, 0x80), rc::gen::inRange<std::uint32_t>(0x80, 0xD800),
                                         rc::gen::inRange<std::uint32_t>(0xE000, 0x110000))),
                      [](const std::vector<std::uint32_t>& code_points) {
                        std::string out;
                        for (const std::uint32_t c : code_points) {
                          if (c < 0x80) {
                            out += static_cast<char>(c);
                          } else if (c < 0x800) {
                            out += static_cast<char>(0xC0 | (c >> 6));
                            out += static_cast<char>(0x80 | (c & 0x3F));
                          } else if (c < 0x10000) {
                            out += static_cast<char>(0xE0 | (c >> 12));
                            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
                            out += static_cast<char>(0x80 | (c & 0x3F));
                          } else {
                            out += static_cast<char>(0xF0 | (c >> 18));
                            out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
                            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
                            out += static_cast<char>(0x80 | (c & 0x3F));
                          }
                        }
                        return out;
                      });
}

// Any unsigned 64-bit value, with the edges of TOML's signed integers drawn often.
rc::Gen<std::uint64_t> any_u64() {
  return rc::gen::oneOf(rc::gen::arbitrary<std::uint64_t>(),
                        rc::gen::element<std::uint64_t>(0, 1, INT64_MAX, std::uint64_t{1} << 63, UINT64_MAX - 1, UINT64_MAX));
}

// Inside rc::gen::exec: a value of g, or none.
template <typename T>
std::optional<T> maybe(const rc::Gen<T>& g) {
  if (*rc::gen::arbitrary<bool>()) return *g;
  return std::nullopt;
}

}  // namespace

namespace rc {

template <>
struct Arbitrary<scenarios::RunSettings> {
  static Gen<scenarios::RunSettings> arbitrary() {
    return gen::exec([] {
      scenarios::RunSettings s;
      // Every field by name, like the renderer: a new field fails to compile here until it is
      // generated, and then the property checks that the file keeps it.
      auto& [scenario_hash, policy, seed, replay, strategy, sessions, images, crash, crash_at_op, crash_outcome, crash_state,
             recovery_crash_at_op, upgrade_at_point, swarm, keep_trace] = s;
      scenario_hash = *utf8_string();
      policy = *gen::oneOf(gen::element<std::string>("seed", "priority", "safe"), utf8_string());
      seed = *any_u64();
      if (*gen::arbitrary<bool>()) {
        // Recorded choices, often ending in a run of zeros (written as a count).
        auto choices = *gen::container<std::vector<std::uint64_t>>(gen::oneOf(gen::inRange<std::uint64_t>(0, 1000), any_u64()));
        choices.resize(choices.size() + *gen::inRange<std::size_t>(0, 50), 0);
        replay = std::move(choices);
      }
      strategy = *gen::element(sim::Strategy::RandomWalk, sim::Strategy::Pct, sim::Strategy::RoundRobin);
      sessions = maybe(gen::inRange(0, 100001));
      images = maybe(gen::inRange(1, scenarios::kMaxImages + 1));
      crash = maybe(gen::element<std::string>("none", "at-install", "random"));
      crash_at_op = maybe(gen::inRange(1, INT32_MAX));
      crash_outcome = *gen::element(sim::SimFs::CrashOutcome::Drawn, sim::SimFs::CrashOutcome::KeepNothing,
                                    sim::SimFs::CrashOutcome::KeepEverything, sim::SimFs::CrashOutcome::Enumerated,
                                    sim::SimFs::CrashOutcome::Sampled, sim::SimFs::CrashOutcome::ProcessKill);
      crash_state = *gen::oneOf(gen::just<std::uint64_t>(0), any_u64());
      recovery_crash_at_op = maybe(gen::inRange(1, INT32_MAX));
      upgrade_at_point = *gen::oneOf(gen::just(std::string()), gen::element<std::string>("Cart>>addItem", "ShopSession>>buy"), utf8_string());
      swarm = *gen::arbitrary<bool>() ? scenarios::drawn_features(*any_u64()) : std::vector<std::string>{};  // table order
      keep_trace = *gen::arbitrary<bool>();
      return s;
    });
  }
};

}  // namespace rc

namespace scenarios {

// How rapidcheck shows a counterexample: as the file it renders to.
void showValue(const RunSettings& settings, std::ostream& os) {
  Repro r;
  r.settings = settings;
  os << render_repro(r);
}

namespace {

RC_GTEST_PROP(ReproFile, AnyRunSettingsSurvivesTheFileExactly, (const RunSettings& settings)) {
  Repro r;
  r.settings = settings;
  r.scenario_path = "../default/load-order.toml";
  r.trace_hash = 0x0123456789abcdefULL;
  const Repro back = parse_repro(render_repro(r), "prop.repro.toml");
  RC_ASSERT(back.settings == settings);
}

RC_GTEST_PROP(ReproFile, AnyReproSurvivesTheFileExactly, (const RunSettings& settings)) {
  Repro r;
  r.settings = settings;
  r.scenario_path = *utf8_string();
  r.oracle = *utf8_string();
  r.violation = *utf8_string();
  r.trace_hash = *any_u64();
  for (const auto& file : *rc::gen::container<std::vector<std::string>>(utf8_string())) r.packages[file] = *utf8_string();
  const Repro back = parse_repro(render_repro(r), "prop.repro.toml");
  RC_ASSERT(back == r);
}

TEST(ReproFile, SeedsFrom2To63AreWrittenAsDecimalStringsAndReadBackExactly) {
  Repro r;
  r.settings.seed = UINT64_MAX;
  const std::string text = render_repro(r);
  EXPECT_NE(text.find("seed = \"18446744073709551615\""), std::string::npos) << text;
  EXPECT_EQ(parse_repro(text, "x").settings.seed, UINT64_MAX);
  r.settings.seed = std::uint64_t{1} << 63;
  EXPECT_EQ(parse_repro(render_repro(r), "x").settings.seed, std::uint64_t{1} << 63);
}

TEST(ReproFile, ATailOfZeroChoicesIsACount) {
  Repro r;
  r.settings.replay = std::vector<std::uint64_t>{4, 0, 7};
  r.settings.replay->resize(10'003, 0);
  const std::string text = render_repro(r);
  EXPECT_NE(text.find("choices = [\n  4, 0, 7,\n]\nchoices_then_zeros = 10000"), std::string::npos) << text;
  EXPECT_EQ(parse_repro(text, "x").settings.replay, r.settings.replay);
  r.settings.replay->clear();
  EXPECT_EQ(parse_repro(render_repro(r), "x").settings.replay, std::vector<std::uint64_t>{});
  r.settings.replay.reset();  // no choices: the run draws from its seed
  EXPECT_EQ(parse_repro(render_repro(r), "x").settings.replay, std::nullopt);
}

const char* const kMinimal =
    "[repro]\nscenario = 'a.toml'\ntrace_hash = '0000000000000000'\n"
    "[settings]\nscenario_hash = 'fnv1a64:0000000000000000'\npolicy = 'seed'\nseed = '1'\n";

// A hand-written list in any order reads back in the table's order: one spelling per subset.
TEST(ReproFile, SwarmFeaturesReadBackInTheTablesOrder) {
  const Repro r = parse_repro(std::string(kMinimal) + "swarm = ['ext4-ordered', 'upload-name', 'power-cuts-2']\n", "x");
  EXPECT_EQ(r.settings.swarm, (std::vector<std::string>{"upload-name", "power-cuts-2", "ext4-ordered"}));
  EXPECT_TRUE(parse_repro(kMinimal, "x").settings.swarm.empty());
}

TEST(ReproFile, BadFilesAreClearErrorsWithTheirLine) {
  EXPECT_NO_THROW(parse_repro(kMinimal, "x"));
  auto error_of = [](const std::string& text) {
    try {
      parse_repro(text, "r.repro.toml");
    } catch (const ScenarioError& e) {
      return std::pair{e.line(), std::string(e.what())};
    }
    return std::pair{0, std::string("no error")};
  };
  auto [line, what] = error_of(std::string(kMinimal) + "hash = 3\n");
  EXPECT_EQ(line, 8);
  EXPECT_NE(what.find("unknown key 'hash' in [settings]"), std::string::npos) << what;
  std::tie(line, what) = error_of(std::string(kMinimal) + "choices = [1, -1]\n");
  EXPECT_NE(what.find("'choices': expected an unsigned 64-bit decimal"), std::string::npos) << what;
  std::tie(line, what) = error_of(std::string(kMinimal) + "choices = [1, '18446744073709551616']\n");  // 2^64
  EXPECT_NE(what.find("'choices': expected an unsigned 64-bit decimal"), std::string::npos) << what;
  std::tie(line, what) = error_of(std::string(kMinimal) + "choices = []\nchoices_then_zeros = 1000000000000\n");
  EXPECT_NE(what.find("'choices_then_zeros': expected an integer from 0 to"), std::string::npos) << what;
  std::tie(line, what) = error_of(std::string(kMinimal) + "crash_outcome = 'some'\n");
  EXPECT_EQ(line, 8);
  EXPECT_NE(what.find("'crash_outcome': expected drawn, keep-nothing, keep-everything, enumerated, sampled or process-kill"), std::string::npos) << what;
  std::tie(line, what) = error_of("[repro]\nscenario = 'a'\ntrace_hash = 'zz'\n[settings]\n");
  EXPECT_EQ(line, 3);
  EXPECT_NE(what.find("'trace_hash': expected 16 hex digits"), std::string::npos) << what;
  std::tie(line, what) = error_of("[repro]\nscenario = 'a'\ntrace_hash = '0000000000000000'\n");
  EXPECT_NE(what.find("expected a [settings] table"), std::string::npos) << what;
  std::tie(line, what) = error_of("[repro]\nscenario = 'a'\npolicy = 'seed'\nseed = 3\ntrace_hash = '0000000000000000'\nchoices = []\n");
  EXPECT_NE(what.find("a repro in the format before [settings]"), std::string::npos) << what;
  std::tie(line, what) = error_of(std::string(kMinimal) + "swarm = ['disk-full', 'moon-phase']\n");
  EXPECT_EQ(line, 8);
  EXPECT_NE(what.find("'swarm': unknown swarm feature \"moon-phase\"; expected any of upload-shuffled"), std::string::npos) << what;
  std::tie(line, what) = error_of(std::string(kMinimal) + "swarm = ['upload-name', 'upload-reverse']\n");
  EXPECT_NE(what.find("\"upload-name\" and \"upload-reverse\" are alternatives (upload-order)"), std::string::npos) << what;
  std::tie(line, what) = error_of(std::string(kMinimal) + "swarm = ['eio-read', 'eio-read']\n");
  EXPECT_NE(what.find("\"eio-read\" is given twice"), std::string::npos) << what;
  std::tie(line, what) = error_of(std::string(kMinimal) + "swarm = 'disk-full'\n");
  EXPECT_NE(what.find("'swarm': expected an array of swarm feature names"), std::string::npos) << what;
  // An images override: 1 to the most a cluster has here (the scenario's own count is checked
  // against the scenario, by check_overrides).
  for (const char* images : {"0", "99", "-1", "'2'", "2.0"}) {
    std::tie(line, what) = error_of(std::string(kMinimal) + "images = " + images + "\n");
    EXPECT_EQ(line, 8) << images;
    EXPECT_NE(what.find("'images': expected an integer from 1 to 8"), std::string::npos) << images << ": " << what;
  }
  EXPECT_EQ(parse_repro(std::string(kMinimal) + "images = 2\n", "x").settings.images, 2);
  for (const char* seed : {"'-1'", "-1", "'+1'", "' 1'", "'1x'", "''", "1.5", "'18446744073709551616'"}) {
    std::string text = kMinimal;
    text.replace(text.find("seed = '1'"), 10, std::string("seed = ") + seed);
    std::tie(line, what) = error_of(text);
    EXPECT_NE(what.find("'seed': expected an unsigned 64-bit decimal"), std::string::npos) << seed << ": " << what;
  }
}

}  // namespace
}  // namespace scenarios
