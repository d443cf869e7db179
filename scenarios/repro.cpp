#include "scenarios/repro.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "scenarios/swarm.hpp"
#include "upgrader/checksum.hpp"

namespace scenarios {

namespace fs = std::filesystem;

namespace {

// A run consumes its choices up to the end; a recording's tail of zeros (often most of a
// shrunk list) is written as a count, not spelled out. Bounded so a hostile file cannot ask
// for gigabytes.
constexpr std::int64_t kMaxTrailingZeros = 50'000'000;

const char* outcome_name(sim::SimFs::CrashOutcome o) {
  switch (o) {
    case sim::SimFs::CrashOutcome::KeepNothing: return "keep-nothing";
    case sim::SimFs::CrashOutcome::KeepEverything: return "keep-everything";
    case sim::SimFs::CrashOutcome::Drawn: return "drawn";
    case sim::SimFs::CrashOutcome::Enumerated: return "enumerated";
    case sim::SimFs::CrashOutcome::Sampled: return "sampled";
    case sim::SimFs::CrashOutcome::ProcessKill: return "process-kill";
  }
  return "drawn";
}

std::optional<std::string> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// TOML integers are signed 64-bit: a seed (or a choice) at or above 2^63 is written as a
// decimal string, so every unsigned 64-bit value survives the file exactly.
std::optional<std::uint64_t> parse_decimal(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, 10);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string render_choice(std::uint64_t v) {
  return v <= static_cast<std::uint64_t>(INT64_MAX) ? std::to_string(v) : fmt::format("\"{}\"", v);
}

// A TOML basic string. Written by hand: toml++ 3.3 renders a key holding a tab or a newline
// bare, and a string starting with a newline as a multi-line literal whose first newline the
// parser then drops (both found by the round-trip property).
std::string toml_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') out += {'\\', c};
    else if (u < 0x20 || u == 0x7f) out += fmt::format("\\u{:04X}", u);
    else out += c;
  }
  return out + "\"";
}

int line_of(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

// Reads one [table] of a repro: known keys only, typed values, errors with file:line.
class TableReader {
 public:
  TableReader(const toml::table& doc, const char* name, std::initializer_list<std::string_view> keys, const std::string& path)
      : path_(path), name_(name) {
    const toml::node* n = doc.get(name);
    if (n == nullptr || !n->is_table()) throw ScenarioError(path, 1, fmt::format("expected a [{}] table", name));
    t_ = n->as_table();
    line_ = line_of(*n);
    for (const auto& [k, v] : *t_) {
      bool known = false;
      for (auto key : keys) known = known || k.str() == key;
      if (!known) fail(v, fmt::format("unknown key '{}' in [{}]", k.str(), name));
    }
  }
  [[noreturn]] void fail(const toml::node& at, const std::string& what) const { throw ScenarioError(path_, line_of(at), what); }
  const toml::node* get(const char* key) const { return t_->get(key); }
  const toml::node& required(const char* key) const {
    const toml::node* n = t_->get(key);
    if (n == nullptr) throw ScenarioError(path_, line_, fmt::format("[{}] needs '{}'", name_, key));
    return *n;
  }
  std::string string(const toml::node& n, const char* key) const {
    if (!n.is_string()) fail(n, fmt::format("'{}': expected a string", key));
    return n.as_string()->get();
  }
  std::optional<std::string> string(const char* key) const {
    const toml::node* n = get(key);
    return n == nullptr ? std::nullopt : std::optional(string(*n, key));
  }
  // Exact integers only: toml++'s value<int64_t>() also converts floats, with undefined
  // behaviour for huge ones (found by the repro fuzzer).
  std::optional<std::int64_t> integer(const char* key, std::int64_t min, std::int64_t max) const {
    const toml::node* n = get(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_integer() || n->as_integer()->get() < min || n->as_integer()->get() > max)
      fail(*n, fmt::format("'{}': expected an integer from {} to {}", key, min, max));
    return n->as_integer()->get();
  }
  std::uint64_t unsigned_value(const toml::node& n, const char* key) const {
    if (n.is_integer() && n.as_integer()->get() >= 0) return static_cast<std::uint64_t>(n.as_integer()->get());
    if (n.is_string())
      if (const auto v = parse_decimal(n.as_string()->get())) return *v;
    fail(n, fmt::format("'{}': expected an unsigned 64-bit decimal (a string from \"0\" to \"18446744073709551615\")", key));
  }
  const toml::table& table() const { return *t_; }

 private:
  const std::string& path_;
  const char* name_;
  const toml::table* t_ = nullptr;
  int line_ = 1;
};

fs::path relative_to(const fs::path& file, const fs::path& dir) {
  return fs::absolute(file).lexically_normal().lexically_relative(dir);
}

}  // namespace

std::string violation_text(const RunReport& report, const std::string& oracle) {
  for (const auto& v : report.violations)
    if (v.oracle == oracle) return fmt::format("{} at {} [{}]: {}", v.oracle, v.where, sim::format_time(v.at.count()), v.why);
  return {};
}

std::string replay_command(const std::string& repro_path, const std::vector<std::string>& policy_libs) {
  std::string command = "hotsim replay";
  for (const auto& lib : policy_libs) command += " --policy-lib " + lib;
  return command + " " + repro_path;
}

Repro make_repro(const Scenario& scenario, const RunReport& report, const std::string& oracle, const RunSettings& settings) {
  auto same = [](const std::string& given, const std::string& actual, const char* what) {
    if (!given.empty() && given != actual)
      throw std::logic_error(fmt::format("make_repro: the settings name {} {}, the run was {}", what, given, actual));
  };
  same(settings.scenario_hash, scenario.checksum, "scenario");
  same(settings.policy, report.policy, "policy");
  Repro r;
  r.settings = settings;
  r.settings.scenario_hash = scenario.checksum;
  r.settings.policy = report.policy;
  r.settings.replay = report.run.choices;  // the recording: replaying it consumes exactly these
  r.settings.keep_trace = false;
  r.scenario_path = scenario.path;
  for (const std::string& file : scenario.package_files()) {
    const auto bytes = read_bytes(file);
    if (!bytes) throw std::runtime_error(fmt::format("{}: cannot read the package file to record its checksum", file));
    r.packages[file] = upgrader::checksum_text(*bytes);
  }
  r.oracle = oracle;
  r.violation = violation_text(report, oracle);
  r.trace_hash = report.run.trace_hash;
  return r;
}

std::string render_repro(const Repro& r) {
  // Every field of RunSettings, by name: adding one to the struct fails to compile here (and
  // in parse_repro) until it is written (and read back).
  const auto& [scenario_hash, policy, seed, replay, strategy, sessions, images, crash, crash_at_op, crash_outcome, crash_state,
               recovery_crash_at_op, upgrade_at_point, swarm, keep_trace] = r.settings;
  std::string out =
      "# hotsim repro: `hotsim replay <this file>` from any directory. Paths are relative to this\n"
      "# file; a scenario or package file whose checksum differs is refused (exit 3).\n";
  out += fmt::format("[repro]\nscenario = {}\noracle = {}\nviolation = {}\ntrace_hash = \"{:016x}\"\n", toml_string(r.scenario_path),
                     toml_string(r.oracle), toml_string(r.violation), r.trace_hash);
  out += "\n[repro.packages]  # every package file the scenario uses, old and new, and its checksum\n";
  for (const auto& [file, checksum] : r.packages) out += fmt::format("{} = {}\n", toml_string(file), toml_string(checksum));
  out += fmt::format("\n[settings]\nscenario_hash = {}\npolicy = {}\nseed = \"{}\"\nstrategy = \"{}\"\n", toml_string(scenario_hash),
                     toml_string(policy), seed, sim::to_string(strategy));
  if (sessions) out += fmt::format("sessions = {}\n", *sessions);
  if (images) out += fmt::format("images = {}  # of the scenario's cluster, the first ones\n", *images);
  if (crash) out += fmt::format("crash = {}\n", toml_string(*crash));
  if (crash_at_op) out += fmt::format("crash_at_op = {}\n", *crash_at_op);
  if (crash_outcome != sim::SimFs::CrashOutcome::Drawn) out += fmt::format("crash_outcome = \"{}\"\n", outcome_name(crash_outcome));
  if (crash_state != 0) out += fmt::format("crash_state = \"{}\"\n", crash_state);
  if (recovery_crash_at_op) out += fmt::format("recovery_crash_at_op = {}\n", *recovery_crash_at_op);
  if (!upgrade_at_point.empty()) out += fmt::format("upgrade_at_point = {}\n", toml_string(upgrade_at_point));
  if (!swarm.empty()) {
    std::vector<std::string> names;
    for (const auto& f : swarm) names.push_back(toml_string(f));
    out += fmt::format("swarm = [{}]  # hotsim run --swarm: these features on over the scenario's own\n", fmt::join(names, ", "));
  }
  if (keep_trace) out += "keep_trace = true\n";
  // The choices, 16 to a line (readable, diffable); a tail of zeros as its length.
  if (replay) {
    std::size_t size = replay->size();
    while (size > 0 && (*replay)[size - 1] == 0) --size;
    out += "choices = [";
    for (std::size_t i = 0; i < size; ++i) out += (i % 16 == 0 ? "\n  " : " ") + render_choice((*replay)[i]) + ",";
    out += size == 0 ? "]\n" : "\n]\n";
    if (size < replay->size()) out += fmt::format("choices_then_zeros = {}  # the run consumed this many more, all 0\n", replay->size() - size);
  }
  return out;
}

Repro parse_repro(const std::string& text, const std::string& path) {
  toml::table doc;
  try {
    doc = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw ScenarioError(path, static_cast<int>(e.source().begin.line), fmt::format("TOML: {}", e.description()));
  }
  for (const auto& [k, v] : doc)
    if (k.str() != "repro" && k.str() != "settings")
      throw ScenarioError(path, line_of(v), fmt::format("unknown section [{}]; expected [repro] and [settings]", k.str()));
  if (const toml::table* old = doc["repro"].as_table(); old != nullptr && !doc.contains("settings") && old->contains("policy"))
    throw ScenarioError(path, line_of(*doc.get("repro")),
                        "a repro in the format before [settings] (it names no package checksums): record the failure again");
  Repro r;
  const TableReader repro(doc, "repro", {"scenario", "oracle", "violation", "trace_hash", "packages"}, path);
  r.scenario_path = repro.string(repro.required("scenario"), "scenario");
  r.oracle = repro.string("oracle").value_or("");
  r.violation = repro.string("violation").value_or("");
  const toml::node& hash_node = repro.required("trace_hash");
  const std::string hash = repro.string(hash_node, "trace_hash");
  const auto [end, error] = std::from_chars(hash.data(), hash.data() + hash.size(), r.trace_hash, 16);
  if (hash.size() != 16 || error != std::errc() || end != hash.data() + hash.size())
    repro.fail(hash_node, "'trace_hash': expected 16 hex digits");
  if (const toml::node* packages = repro.get("packages")) {
    if (!packages->is_table()) repro.fail(*packages, "'packages': expected a table of \"path\" = \"checksum\"");
    for (const auto& [file, checksum] : *packages->as_table()) r.packages[std::string(file.str())] = repro.string(checksum, "packages");
  }

  const TableReader s(doc, "settings",
                      {"scenario_hash", "policy", "seed", "strategy", "sessions", "images", "crash", "crash_at_op", "crash_outcome", "crash_state",
                       "recovery_crash_at_op", "upgrade_at_point", "swarm", "keep_trace", "choices", "choices_then_zeros"},
                      path);
  // Every field of RunSettings, by name (see render_repro).
  auto& [scenario_hash, policy, seed, replay, strategy, sessions, images, crash, crash_at_op, crash_outcome, crash_state,
         recovery_crash_at_op, upgrade_at_point, swarm, keep_trace] = r.settings;
  scenario_hash = s.string(s.required("scenario_hash"), "scenario_hash");
  policy = s.string(s.required("policy"), "policy");
  seed = s.unsigned_value(s.required("seed"), "seed");
  if (const auto name = s.string("strategy")) {
    const auto parsed = sim::parse_strategy(*name);
    if (!parsed) s.fail(*s.get("strategy"), "'strategy': expected random, pct or rr");
    strategy = *parsed;
  }
  if (const auto n = s.integer("sessions", 0, 100000)) sessions = static_cast<int>(*n);
  // Here the bounds of any cluster; check_overrides holds it to the scenario's own count.
  if (const auto n = s.integer("images", 1, kMaxImages)) images = static_cast<int>(*n);
  if (const auto mode = s.string("crash")) {
    if (*mode != "none" && *mode != "at-install" && *mode != "random") s.fail(*s.get("crash"), "'crash': expected none, at-install or random");
    crash = *mode;
  }
  if (const auto op = s.integer("crash_at_op", 1, INT32_MAX)) crash_at_op = static_cast<int>(*op);
  if (const auto outcome = s.string("crash_outcome")) {
    bool known = false;
    for (auto o : {sim::SimFs::CrashOutcome::Drawn, sim::SimFs::CrashOutcome::KeepNothing, sim::SimFs::CrashOutcome::KeepEverything,
                   sim::SimFs::CrashOutcome::Enumerated, sim::SimFs::CrashOutcome::Sampled, sim::SimFs::CrashOutcome::ProcessKill})
      if (*outcome == outcome_name(o)) crash_outcome = o, known = true;
    if (!known)
      s.fail(*s.get("crash_outcome"),
             "'crash_outcome': expected drawn, keep-nothing, keep-everything, enumerated, sampled or process-kill");
  }
  if (s.get("crash_state") != nullptr) crash_state = s.unsigned_value(*s.get("crash_state"), "crash_state");
  if (const auto op = s.integer("recovery_crash_at_op", 1, INT32_MAX)) recovery_crash_at_op = static_cast<int>(*op);
  upgrade_at_point = s.string("upgrade_at_point").value_or("");
  if (const toml::node* n = s.get("swarm")) {
    if (!n->is_array()) s.fail(*n, "'swarm': expected an array of swarm feature names");
    for (const toml::node& f : *n->as_array()) swarm.push_back(s.string(f, "swarm"));
    if (const std::string problem = swarm_list_problem(swarm); !problem.empty()) s.fail(*n, fmt::format("'swarm': {}", problem));
    swarm = in_table_order(std::move(swarm));  // one spelling per subset: the order they apply in
  }
  if (const toml::node* n = s.get("keep_trace")) {
    if (!n->is_boolean()) s.fail(*n, "'keep_trace': expected true or false");
    keep_trace = n->as_boolean()->get();
  }
  if (const toml::node* n = s.get("choices")) {
    if (!n->is_array()) s.fail(*n, "'choices': expected an array of unsigned integers");
    replay.emplace();
    for (const toml::node& c : *n->as_array()) replay->push_back(s.unsigned_value(c, "choices"));
    if (const auto zeros = s.integer("choices_then_zeros", 0, kMaxTrailingZeros))
      replay->resize(replay->size() + static_cast<std::size_t>(*zeros), 0);
  } else if (s.get("choices_then_zeros") != nullptr) {
    s.fail(*s.get("choices_then_zeros"), "'choices_then_zeros' without 'choices'");
  }
  return r;
}

Repro load_repro(const std::string& path) {
  const auto text = read_bytes(path);
  if (!text) throw ScenarioError(path, 0, "cannot read the file");
  Repro r = parse_repro(*text, path);
  const fs::path dir = fs::path(path).parent_path();
  auto resolve = [&](const std::string& p) { return fs::path(p).is_relative() ? (dir / p).lexically_normal().string() : p; };
  r.scenario_path = resolve(r.scenario_path);
  std::map<std::string, std::string> packages;
  for (const auto& [file, checksum] : r.packages) packages[resolve(file)] = checksum;
  r.packages = std::move(packages);
  return r;
}

void save_repro(const Repro& repro, const std::string& path) {
  const fs::path dir = fs::absolute(path).lexically_normal().parent_path();
  fs::create_directories(dir);
  Repro stored = repro;
  stored.scenario_path = relative_to(repro.scenario_path, dir).string();
  stored.packages.clear();
  for (const auto& [file, checksum] : repro.packages) stored.packages[relative_to(file, dir).string()] = checksum;
  std::ofstream out(path, std::ios::binary);
  out << render_repro(stored);
  if (!out) throw std::runtime_error(fmt::format("{}: cannot write the repro", path));
}

std::string repro_file_name(const Repro& r, const std::string& scenario_name) {
  return fmt::format("{}-{}-{}-seed{}.repro.toml", scenario_name, r.settings.policy, r.oracle.empty() ? "run" : r.oracle, r.settings.seed);
}

InputChanged::InputChanged(std::string file, std::string expected, std::string found)
    : std::runtime_error(fmt::format("{}: not the file this repro was recorded with (expected {}, found {}); refusing to replay "
                                     "(restore the file, or record the failure again)",
                                     file, expected, found)),
      file_(std::move(file)) {}

Scenario load_recorded_scenario(const Repro& repro) {
  auto check = [](const std::string& file, const std::string& expected) {
    const auto bytes = read_bytes(file);
    if (!bytes) throw InputChanged(file, expected, "no readable file");
    if (const std::string found = upgrader::checksum_text(*bytes); found != expected) throw InputChanged(file, expected, found);
    return *bytes;
  };
  const std::string text = check(repro.scenario_path, repro.settings.scenario_hash);
  for (const auto& [file, checksum] : repro.packages) check(file, checksum);
  Scenario scenario = parse_scenario(text, repro.scenario_path);
  // The same scenario bytes must reach the same package files (same relative layout).
  std::set<fs::path> recorded;
  for (const auto& [file, checksum] : repro.packages) recorded.insert(fs::weakly_canonical(file));
  for (const std::string& file : scenario.package_files())
    if (!recorded.contains(fs::weakly_canonical(file)))
      throw InputChanged(file, "one of the package files this repro recorded",
                         "a file it did not record (copy the repro with its scenario and app, in the same relative layout)");
  return scenario;
}

void check_overrides(const Repro& repro, const Scenario& scenario, const std::string& repro_file) {
  const std::string problem = settings_problem(repro.settings, scenario);
  if (problem.empty()) return;
  // The file parsed once already; read again only to say where the setting is.
  int line = 0;
  try {
    const toml::table doc = toml::parse_file(repro_file);
    if (const toml::node* n = doc["settings"]["images"].node()) line = line_of(*n);
  } catch (const std::exception&) {  // gone since: the message alone still says what is wrong
  }
  throw ScenarioError(repro_file, line, problem);
}

ReplayVerdict judge_replay(const Repro& repro, const RunReport& replayed) {
  ReplayVerdict v;
  v.same_hash = replayed.run.trace_hash == repro.trace_hash;
  v.fired = repro.oracle.empty() || replayed.fired(repro.oracle);
  v.exact_choices = !replayed.run.replay_diverged;
  return v;
}

std::string ReplayVerdict::describe(const Repro& repro, const RunReport& replayed) const {
  const RunSettings& s = repro.settings;
  if (reproduced())
    return fmt::format("REPRODUCED: trace hash {:016x}; {} fired again ({} / {}, seed {}{})", replayed.run.trace_hash,
                       repro.oracle.empty() ? "nothing" : repro.oracle, s.policy, repro.scenario_path, s.seed,
                       s.swarm.empty() ? "" : ", swarm " + describe_swarm(s.swarm));
  std::string why = fmt::format("expected trace hash {:016x}, got {:016x}", repro.trace_hash, replayed.run.trace_hash);
  if (!repro.oracle.empty()) why += fmt::format("; {} {}", repro.oracle, fired ? "fired" : "did NOT fire");
  if (!exact_choices) why += "; the recorded choices ran out or held out-of-range values";
  return "DIVERGED: " + why;
}

}  // namespace scenarios
