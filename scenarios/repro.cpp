#include "scenarios/repro.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <cstdint>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <toml++/toml.h>

namespace scenarios {

RunSettings Repro::settings(bool keep_trace) const {
  RunSettings s;
  s.seed = seed;
  s.replay = choices;
  s.strategy = strategy;
  s.keep_trace = keep_trace;
  s.sessions = sessions;
  s.crash = crash;
  s.crash_at_op = crash_at_op;
  s.crash_outcome = crash_outcome;
  return s;
}

Repro make_repro(const Scenario& scenario, const RunReport& report, const std::string& oracle, const RunSettings& settings) {
  Repro r;
  r.scenario_path = scenario.path;
  r.scenario_checksum = scenario.checksum;
  r.policy = report.policy;
  r.seed = report.seed;
  r.strategy = report.strategy;
  r.sessions = settings.sessions;
  r.crash = settings.crash;
  r.crash_at_op = settings.crash_at_op;
  r.crash_outcome = settings.crash_outcome;
  r.oracle = oracle;
  for (const auto& v : report.violations)
    if (v.oracle == oracle) {
      r.violation = fmt::format("{} at {} [{}]: {}", v.oracle, v.where, sim::format_time(v.at.count()), v.why);
      break;
    }
  r.trace_hash = report.run.trace_hash;
  r.choices = report.run.choices;
  return r;
}

std::string render_repro(const Repro& r) {
  toml::table t;
  t.insert("scenario", r.scenario_path);
  t.insert("scenario_checksum", r.scenario_checksum);
  t.insert("policy", r.policy);
  t.insert("seed", static_cast<std::int64_t>(r.seed));
  t.insert("strategy", std::string(sim::to_string(r.strategy)));
  if (r.sessions) t.insert("sessions", *r.sessions);
  if (r.crash) t.insert("crash", *r.crash);
  if (r.crash_at_op) {
    t.insert("crash_at_op", *r.crash_at_op);
    t.insert("crash_outcome", r.crash_outcome == sim::SimFs::CrashOutcome::KeepNothing      ? "keep-nothing"
                              : r.crash_outcome == sim::SimFs::CrashOutcome::KeepEverything ? "keep-everything"
                                                                                            : "drawn");
  }
  t.insert("oracle", r.oracle);
  t.insert("violation", r.violation);
  t.insert("trace_hash", fmt::format("{:016x}", r.trace_hash));
  std::ostringstream out;
  out << "# hotsim repro: replay with `hotsim replay <this file>`\n[repro]\n" << t << "\n";
  // The choices, 16 to a line: a long list stays readable and diffable.
  out << "choices = [";
  for (std::size_t i = 0; i < r.choices.size(); ++i) out << (i % 16 == 0 ? "\n  " : " ") << r.choices[i] << ",";
  out << (r.choices.empty() ? "]\n" : "\n]\n");
  return out.str();
}

Repro parse_repro(const std::string& text, const std::string& path) {
  toml::table doc;
  try {
    doc = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw ScenarioError(path, static_cast<int>(e.source().begin.line), fmt::format("TOML: {}", e.description()));
  }
  const toml::table* t = doc["repro"].as_table();
  if (t == nullptr) throw ScenarioError(path, 1, "expected a [repro] table");
  const int line = static_cast<int>(doc.get("repro")->source().begin.line);
  auto str = [&](const char* key, bool required) -> std::optional<std::string> {
    const toml::node* n = t->get(key);
    if (n == nullptr) {
      if (required) throw ScenarioError(path, line, fmt::format("[repro] needs '{}'", key));
      return std::nullopt;
    }
    if (!n->is_string()) throw ScenarioError(path, static_cast<int>(n->source().begin.line), fmt::format("'{}': expected a string", key));
    return n->as_string()->get();
  };
  static const std::set<std::string> keys{"scenario", "scenario_checksum", "policy", "seed", "strategy", "sessions", "crash",
                                          "crash_at_op", "crash_outcome", "oracle", "violation", "trace_hash", "choices"};
  for (const auto& [k, v] : *t)
    if (!keys.contains(std::string(k.str())))
      throw ScenarioError(path, static_cast<int>(v.source().begin.line), fmt::format("unknown key '{}' in [repro]", k.str()));
  Repro r;
  r.scenario_path = *str("scenario", true);
  r.scenario_checksum = str("scenario_checksum", false).value_or("");
  r.policy = *str("policy", true);
  r.oracle = str("oracle", false).value_or("");
  r.violation = str("violation", false).value_or("");
  r.crash = str("crash", false);
  const auto strategy = sim::parse_strategy(str("strategy", false).value_or("random"));
  if (!strategy) throw ScenarioError(path, line, "'strategy': expected random, pct or rr");
  r.strategy = *strategy;
  // Exact integers only: toml++'s value<int64_t>() also converts floats, with undefined
  // behaviour for huge ones (found by the repro fuzzer).
  auto integer = [&](const toml::node* n) -> std::optional<std::int64_t> {
    if (n == nullptr || !n->is_integer()) return std::nullopt;
    return n->as_integer()->get();
  };
  const auto seed = integer(t->get("seed"));
  if (!seed || *seed < 0) throw ScenarioError(path, line, "[repro] needs 'seed' (a non-negative integer)");
  r.seed = static_cast<std::uint64_t>(*seed);
  if (const auto s = integer(t->get("sessions"))) {
    if (*s < 0 || *s > 100000) throw ScenarioError(path, line, "'sessions': expected 0 to 100000");
    r.sessions = static_cast<int>(*s);
  }
  if (const auto op = integer(t->get("crash_at_op"))) {
    if (*op < 1 || *op > INT32_MAX) throw ScenarioError(path, line, "'crash_at_op': expected a positive integer");
    r.crash_at_op = static_cast<int>(*op);
  }
  if (const auto outcome = str("crash_outcome", false)) {
    if (*outcome == "keep-nothing") r.crash_outcome = sim::SimFs::CrashOutcome::KeepNothing;
    else if (*outcome == "keep-everything") r.crash_outcome = sim::SimFs::CrashOutcome::KeepEverything;
    else if (*outcome == "drawn") r.crash_outcome = sim::SimFs::CrashOutcome::Drawn;
    else throw ScenarioError(path, line, "'crash_outcome': expected keep-nothing, keep-everything or drawn");
  }
  const std::string hash = str("trace_hash", true).value();
  try {
    std::size_t used = 0;
    r.trace_hash = std::stoull(hash, &used, 16);
    if (used != hash.size() || hash.size() != 16) throw std::invalid_argument(hash);
  } catch (const std::exception&) {
    throw ScenarioError(path, static_cast<int>(t->get("trace_hash")->source().begin.line), "'trace_hash': expected 16 hex digits");
  }
  const toml::array* choices = (*t)["choices"].as_array();
  if (choices == nullptr) throw ScenarioError(path, line, "[repro] needs 'choices' (an array of integers)");
  for (const toml::node& c : *choices) {
    const auto v = integer(&c);
    if (!v || *v < 0) throw ScenarioError(path, static_cast<int>(c.source().begin.line), "'choices': expected non-negative integers");
    r.choices.push_back(static_cast<std::uint64_t>(*v));
  }
  return r;
}

// In the file, the scenario path is relative to the repro's own directory, so repros can be
// committed and replayed from anywhere.
Repro load_repro(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScenarioError(path, 0, "cannot read the file");
  std::ostringstream text;
  text << in.rdbuf();
  Repro r = parse_repro(text.str(), path);
  const std::filesystem::path scenario(r.scenario_path);
  if (scenario.is_relative())
    r.scenario_path = (std::filesystem::path(path).parent_path() / scenario).lexically_normal().string();
  return r;
}

void save_repro(const Repro& repro, const std::string& path) {
  Repro stored = repro;
  const auto dir = std::filesystem::absolute(std::filesystem::path(path)).parent_path();
  stored.scenario_path = std::filesystem::absolute(repro.scenario_path).lexically_relative(dir).string();
  std::ofstream out(path, std::ios::binary);
  out << render_repro(stored);
  if (!out) throw std::runtime_error(fmt::format("{}: cannot write the repro", path));
}

std::string repro_file_name(const Repro& r, const std::string& scenario_name) {
  return fmt::format("{}-{}-{}-seed{}.repro.toml", scenario_name, r.policy, r.oracle.empty() ? "run" : r.oracle, r.seed);
}

}  // namespace scenarios
