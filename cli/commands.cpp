#include "cli/commands.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "cli/progress.hpp"
#include "reports/html.hpp"
#include "reports/json.hpp"
#include "reports/merge.hpp"
#include "reports/perfetto.hpp"
#include "reports/junit.hpp"
#include "reports/summary.hpp"
#include "scenarios/crash_points.hpp"
#include "scenarios/parallel.hpp"
#include "scenarios/policy_override.hpp"
#include "scenarios/repro.hpp"
#include "scenarios/scenario_files.hpp"
#include "scenarios/shrink.hpp"
#include "scenarios/suite.hpp"
#include "scenarios/validate.hpp"
#include "upgrader/package.hpp"
#include "upgrader/policy_library.hpp"

namespace cli {

namespace fs = std::filesystem;

std::vector<std::string> scenario_files(const std::vector<std::string>& inputs) { return scenarios::scenario_files(inputs); }

void load_policy_libraries(const std::vector<std::string>& libraries) {
  for (const auto& lib : libraries) {
    const std::vector<std::string> added = upgrader::load_policy_library(lib);
    fmt::print(stderr, "{}: registered {}\n", lib, fmt::join(added, ", "));
  }
}

namespace {

bool is_input_error(const std::exception& e) {
  if (const auto* failed = dynamic_cast<const scenarios::TaskFailed*>(&e)) {
    try {
      std::rethrow_exception(failed->cause());
    } catch (const std::exception& cause) {
      return is_input_error(cause);
    } catch (...) {
      return false;
    }
  }
  return dynamic_cast<const scenarios::InputError*>(&e) != nullptr || dynamic_cast<const reports::ResultsError*>(&e) != nullptr || dynamic_cast<const scenarios::ScenarioError*>(&e) != nullptr ||
         dynamic_cast<const upgrader::PackageError*>(&e) != nullptr || dynamic_cast<const fs::filesystem_error*>(&e) != nullptr ||
         dynamic_cast<const upgrader::PolicyLibraryError*>(&e) != nullptr;
}

void write_text(const std::string& path, const std::string& text) {
  if (const auto dir = fs::path(path).parent_path(); !dir.empty()) fs::create_directories(dir);
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw fs::filesystem_error("cannot write", path, std::make_error_code(std::errc::io_error));
}

scenarios::Shard parse_shard(const std::string& text) {
  int k = 0, n = 0;
  char slash = 0;
  std::istringstream in(text);
  if (!(in >> k >> slash >> n) || slash != '/' || n < 1 || k < 1 || k > n || !in.eof())
    throw scenarios::ScenarioError("--shard", 0, fmt::format("expected K/N with 1 <= K <= N, got \"{}\"", text));
  return {k, n};
}

// Where a run writes its repros: DIR/repros/ with --out DIR, otherwise ./hotsim-repros/
// (scenarios/README.md, "Repros"). Paths inside a repro are relative to the repro itself.
std::string repro_dir(const RunOptions& o) { return o.out.empty() ? "hotsim-repros" : (fs::path(o.out) / "repros").string(); }

std::string write_repro(const RunOptions& o, const std::string& prefix, const scenarios::Repro& repro, const std::string& scenario) {
  const std::string path = (fs::path(repro_dir(o)) / (prefix + scenarios::repro_file_name(repro, scenario))).string();
  scenarios::save_repro(repro, path);
  return path;
}

std::string repro_count_line(const RunOptions& o, std::size_t written) {
  return written > 0 ? fmt::format("repros: {} written to {}/ (replay one with: hotsim replay FILE)\n", written, repro_dir(o)) : "";
}

void print_repro_count(const RunOptions& o, std::size_t written) { fmt::print("{}", repro_count_line(o, written)); }

// Where a suite's results go besides stdout (each "" for not at all).
struct Outputs {
  std::string junit, json, out;
  std::vector<std::string> policy_libs;  // named in the replay commands printed
};

// A suite's results, as `hotsim run` and `hotsim merge` both report them: the table and every
// undeclared violation with its replay command on stdout, then the files asked for. Returns
// the exit status: 0 every outcome as declared, 1 otherwise.
int write_results(const reports::ResultsFile& file, const Outputs& to, const std::string& repro_line) {
  const scenarios::SuiteResult& result = file.result;
  fmt::print("{}", reports::text_table(result));
  for (const auto& cell : result.cells)
    for (const auto& [oracle, count] : cell.fired) {
      const std::string path = reports::repro_file(file.repro_files, cell, oracle);
      if (!cell.fails_on(oracle) || path.empty()) continue;
      fmt::print("UNEXPECTED {} / {}: {}\n    {}\n", cell.scenario, cell.policy, cell.violation.at(oracle),
                 scenarios::replay_command(path, to.policy_libs));
    }
  fmt::print("{}", repro_line);
  if (!to.junit.empty()) write_text(to.junit, reports::junit_xml(result, file.repro_files));
  if (!to.json.empty()) write_text(to.json, reports::results_json(file, to.json).dump(2) + "\n");
  if (!to.out.empty()) {
    const std::string results = (fs::path(to.out) / "results.json").string();
    write_text(results, reports::results_json(file, results).dump(2) + "\n");
    write_text((fs::path(to.out) / "summary.md").string(), reports::markdown(result));
    const std::string chart_js = reports::bundled_chart_js();
    if (chart_js.empty()) fmt::print(stderr, "warning: Chart.js (libjs-chart.js) is missing: the report's charts will not draw\n");
    write_text((fs::path(to.out) / "index.html").string(), reports::html_report(result, file.repro_files, file.timelines, chart_js));
    fmt::print("results written to {}/ (index.html, summary.md, results.json{}, repros/)\n", to.out,
               to.junit == (fs::path(to.out) / "junit.xml").string() ? ", junit.xml" : "");
  }
  fmt::print("{}\n", result.ok() ? "suite: every outcome as expected" : "suite: UNEXPECTED OUTCOMES (see FAIL lines)");
  return result.ok() ? 0 : 1;
}

// Progress on stderr (cli/progress.hpp): on a terminal a bar redrawn in place, otherwise a
// line every 5 s of wall clock; both with runs done, runs/s and the ETA.
std::function<void(std::uint64_t, std::uint64_t)> progress_printer(bool terminal) {
  const auto started = std::chrono::steady_clock::now();
  auto throttle = std::make_shared<ProgressThrottle>(terminal);
  return [terminal, started, throttle](std::uint64_t done, std::uint64_t total) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const auto line = throttle->update(done, total, elapsed);
    if (!line) return;
    if (terminal) fmt::print(stderr, "\r{}\x1b[K{}", *line, done >= total ? "\n" : "");
    else fmt::print(stderr, "progress: {}\n", *line);
  };
}

// `hotsim run --crash-points all` / `--update-points`: safe must come out clean at every
// point; what the other policies lose is reported as findings.
int point_sweep_command(const std::vector<scenarios::Scenario>& all, const RunOptions& o) {
  const bool crashes = !o.crash_points.empty();
  const auto sweep = crashes && o.update_points ? scenarios::Sweep::CrashAtUpdatePoints
                     : o.update_points         ? scenarios::Sweep::UpdatePoints
                                               : scenarios::Sweep::CrashPoints;
  const char* kind = crashes && o.update_points ? "crash points at update points" : o.update_points ? "update points" : "crash points";
  std::vector<scenarios::Scenario> loaded;
  for (const auto& sc : all)
    if (sc.point_sweeps) loaded.push_back(sc);
    else fmt::print("{}: not swept ([run] point_sweeps = false)\n", sc.name);
  const auto results = scenarios::enumerate_points(sweep, loaded, {std::max(1, o.jobs), o.crash_states},
                                                   progress_printer(o.progress_bar));
  bool ok = true;
  std::size_t repros = 0;
  nlohmann::json json = nlohmann::json::array();
  fmt::print("{:<20} {:<9} {:>6} {:>7} {:>6} {:>11}  oracles fired (runs)\n", "scenario", "policy", "points", "covered", "runs",
             "states/pt");
  for (const auto& r : results) {
    std::string fired;
    for (const auto& [oracle, n] : r.fired) fired += fmt::format("{}{} ({})", fired.empty() ? "" : ", ", oracle, n);
    const bool clean = r.fired.empty();
    if (r.policy == "safe" && !clean) ok = false;
    // How many crash states each point explored: the least and the most.
    const std::string states = r.states.empty() ? "-"
                               : fmt::format("{}..{}", *std::min_element(r.states.begin(), r.states.end()),
                                             *std::max_element(r.states.begin(), r.states.end()));
    fmt::print("{:<20} {:<9} {:>6} {:>7} {:>6} {:>11}  {}{}\n", r.scenario, r.policy, r.points,
               sweep == scenarios::Sweep::UpdatePoints ? std::to_string(r.covered) : "-", r.runs, states, clean ? "none" : fired,
               r.policy == "safe" && !clean ? fmt::format("   FAIL: safe must come out clean at every one of its {}", kind) : "");
    for (const auto& e : r.examples) fmt::print("    {}\n", e);
    const scenarios::Scenario& sc = *std::find_if(loaded.begin(), loaded.end(), [&](const auto& s) { return s.name == r.scenario; });
    for (const auto& [oracle, report] : r.first) {
      const scenarios::Repro repro = scenarios::make_repro(sc, report, oracle, r.first_settings.at(oracle));
      const std::string path = write_repro(o, o.update_points ? "updatepoint-" : "crashpoint-", repro, sc.name);
      ++repros;
      fmt::print("    first {}: {}\n", oracle, scenarios::replay_command(path, o.policy_libs));
    }
    json.push_back({{"scenario", r.scenario}, {"policy", r.policy}, {"points", r.points}, {"covered", r.covered}, {"runs", r.runs},
                    {"states_per_point", r.states}, {"fired", r.fired}, {"points_by_oracle", r.where}, {"examples", r.examples}});
  }
  if (!o.json.empty()) write_text(o.json, json.dump(2) + "\n");
  print_repro_count(o, repros);
  fmt::print("{}: {}\n", kind, ok ? "safe came out clean at every one" : "SAFE FAILED AT SOME POINT");
  return ok ? 0 : 1;
}

int suite_command(const std::vector<scenarios::Scenario>& loaded, const RunOptions& o);

}  // namespace

int error_status(const std::exception& e) {
  if (!is_input_error(e)) {
    fmt::print(stderr, "internal error: {}\n", e.what());
    return 3;
  }
  const std::string what = e.what();
  for (std::size_t at = 0, end; at < what.size(); at = end + 1) {
    end = std::min(what.find('\n', at), what.size());
    fmt::print(stderr, "error: {}\n", what.substr(at, end - at));
  }
  return 2;
}

int run_command(const RunOptions& o) {
  try {
    std::vector<scenarios::Scenario> loaded;
    for (const auto& f : scenario_files(o.inputs)) {
      loaded.push_back(scenarios::load_scenario(f));
      if (!o.policies.empty()) scenarios::override_policies(loaded.back(), o.policies, "--policies");
    }
    if (loaded.empty()) throw scenarios::ScenarioError("hotsim run", 0, "no scenario files in the inputs");
    scenarios::validate(loaded);  // every input, before any run starts
    if (!o.crash_points.empty() || o.update_points) return point_sweep_command(loaded, o);
    return suite_command(loaded, o);
  } catch (const std::exception& e) {
    return error_status(e);
  }
}

namespace {

int suite_command(const std::vector<scenarios::Scenario>& loaded, const RunOptions& o) {
  scenarios::SuiteOptions options;
  options.seeds = o.seeds;
  options.seed = o.seed;
  if (o.strategy) options.strategy = sim::parse_strategy(*o.strategy);
  options.shard = parse_shard(o.shard);
  options.jobs = std::max(1, o.jobs);
  options.swarm = o.swarm;

  scenarios::SuiteResult result = scenarios::run_suite(loaded, options, progress_printer(o.progress_bar));

  // Repros: every unexpected violation, and with --out one example of each expected hazard.
  std::map<std::string, std::string> repro_files;
  std::vector<reports::Timeline> timelines;
  for (const auto& cell : result.cells) {
    const scenarios::Scenario& sc = *std::find_if(loaded.begin(), loaded.end(), [&](const auto& s) { return s.name == cell.scenario; });
    for (const auto& [oracle, report] : cell.example) {
      const bool unexpected = cell.fails_on(oracle);
      if (!unexpected && o.out.empty()) continue;
      const scenarios::Repro repro = scenarios::make_repro(sc, report, oracle, cell.example_settings.at(oracle));
      const std::string path = write_repro(o, "", repro, sc.name);
      repro_files[reports::repro_key(cell.scenario, cell.policy, oracle)] = path;
      if (!o.out.empty()) {  // the report shows the fibers around the violation: replay with the trace kept
        scenarios::RunSettings traced_settings = repro.settings;
        traced_settings.keep_trace = true;
        const scenarios::RunReport traced = scenarios::run_scenario(sc, traced_settings.policy, traced_settings);
        timelines.push_back(reports::timeline_of(traced, oracle, scenarios::replay_command(path, o.policy_libs)));
      }
    }
  }

  if (o.print_hashes)
    for (const auto& cell : result.cells)
      for (const auto& [seed, hash] : cell.trace_hashes) fmt::print("HASH {} {} {} {:016x}\n", cell.scenario, cell.policy, seed, hash);
  reports::ResultsFile file;
  file.hotsim_version = HOTSIM_VERSION;
  file.shards.count = options.shard.count;
  file.shards.indices = {options.shard.index};
  file.sweep = {o.seeds, o.seed, o.strategy, o.swarm};
  file.result = std::move(result);
  file.repro_files = std::move(repro_files);
  file.timelines = std::move(timelines);
  return write_results(file, {o.junit, o.json, o.out, o.policy_libs}, repro_count_line(o, file.repro_files.size()));
}

// The repros a merged report links to, copied into DIR/repros/: each read and saved again, so
// the paths inside it are rewritten relative to its new place and it replays from there.
// Every one is read before any is written; a missing one is refused, naming the results file.
reports::ReproFiles copy_repros(const reports::Merged& merged, const std::vector<reports::ResultsFile>& shards, const std::string& out) {
  std::map<std::string, scenarios::Repro> loaded;
  for (const auto& [key, source] : merged.results.repro_files) {
    try {
      loaded.emplace(key, scenarios::load_repro(source));
    } catch (const std::exception& e) {
      std::string named_by;
      for (const auto& f : shards)
        if (f.repro_files.contains(key) && f.repro_files.at(key) == source) named_by = f.path;
      throw reports::ResultsError(named_by, fmt::format("its repro {} cannot be read ({}): copy each shard's repros/ along with its "
                                                        "results.json", source, e.what()));
    }
  }
  reports::ReproFiles copied;
  for (const auto& [key, repro] : loaded) {
    const std::string name = fs::path(merged.results.repro_files.at(key)).filename().string();
    const std::string path = (fs::path(out) / "repros" / name).string();
    scenarios::save_repro(repro, path);
    copied[key] = path;
  }
  return copied;
}

}  // namespace

int merge_command(const MergeOptions& o) {
  try {
    std::vector<reports::ResultsFile> shards;
    for (const auto& f : o.files) shards.push_back(reports::load_results(f));
    reports::Merged merged = reports::merge_results(shards, {o.allow_partial});
    reports::ResultsFile& file = merged.results;
    file.repro_files = copy_repros(merged, shards, o.out);
    for (auto& t : file.timelines)
      t.replay_command = file.repro_files.contains(t.key) ? "hotsim replay " + file.repro_files.at(t.key) : "";
    std::string shards_line = fmt::format("merged {} results file{} of {} shard{}", shards.size(), shards.size() > 1 ? "s" : "",
                                          shards.front().shards.count, shards.front().shards.count > 1 ? "s" : "");
    if (!merged.missing.empty()) {
      std::string missing;
      for (const int k : merged.missing) missing += fmt::format("{}{}/{}", missing.empty() ? "" : ", ", k, shards.front().shards.count);
      shards_line += fmt::format("; missing {} (--allow-partial: expected hazards are not judged)", missing);
    }
    fmt::print("{}\n", shards_line);
    const std::string repro_line =
        file.repro_files.empty() ? "" : fmt::format("repros: {} copied to {}/ (replay one with: hotsim replay FILE)\n",
                                                    file.repro_files.size(), (fs::path(o.out) / "repros").string());
    return write_results(file, {(fs::path(o.out) / "junit.xml").string(), "", o.out, {}}, repro_line);
  } catch (const std::exception& e) {
    return error_status(e);
  }
}

namespace {

// A repro replayed in this process: its inputs checked first (InputChanged when one is not the
// recorded file), then run with the settings it stores, judged by the one verdict function.
struct Replayed {
  scenarios::Repro repro;
  scenarios::RunReport report;
  scenarios::ReplayVerdict verdict;
};

Replayed replay(const std::string& file, bool keep_trace) {
  Replayed r;
  r.repro = scenarios::load_repro(file);
  const scenarios::Scenario scenario = scenarios::load_recorded_scenario(r.repro);
  scenarios::validate(scenario, r.repro.settings.policy, file);
  scenarios::check_overrides(r.repro, scenario, file);
  scenarios::RunSettings settings = r.repro.settings;
  settings.keep_trace = keep_trace;  // observation only: the trace hash is the same either way
  r.report = scenarios::run_scenario(scenario, settings.policy, settings);
  r.verdict = scenarios::judge_replay(r.repro, r.report);
  return r;
}

// A changed input is refused, never replayed into a silent divergence: exit 3.
int refuse(const scenarios::InputChanged& e) {
  fmt::print(stderr, "REFUSED: {}\n", e.what());
  return 3;
}

}  // namespace

int replay_command(const std::string& file) {
  try {
    const Replayed r = replay(file, false);
    for (const auto& v : r.report.violations)
      fmt::print("  {} at {} [{}]: {}\n", v.oracle, v.where, sim::format_time(v.at.count()), v.why);
    fmt::print("{}\n", r.verdict.describe(r.repro, r.report));
    return r.verdict.reproduced() ? 0 : 3;
  } catch (const scenarios::InputChanged& e) {
    return refuse(e);
  } catch (const std::exception& e) {
    return error_status(e);
  }
}

int shrink_command(const std::string& file, const std::string& out_file, int max_attempts) {
  try {
    const scenarios::Repro input = scenarios::load_repro(file);
    const scenarios::Scenario scenario = scenarios::load_recorded_scenario(input);
    scenarios::validate(scenario, input.settings.policy, file);
    scenarios::check_overrides(input, scenario, file);
    scenarios::ShrinkStats stats;
    fmt::print("shrinking {} ({} with {} choices)\n", file, input.oracle, input.settings.replay ? input.settings.replay->size() : 0);
    const scenarios::Repro minimal = scenarios::shrink(input, max_attempts, stats, [](const std::string& line) { fmt::print("{}\n", line); });
    std::string out = out_file;
    if (out.empty()) {
      out = file;
      const auto at = out.rfind(".repro.toml");
      out = (at == std::string::npos ? out : out.substr(0, at)) + ".min.repro.toml";
    }
    scenarios::save_repro(minimal, out);
    fmt::print("minimal repro: {}sessions {} -> {}, choices {} -> {}{}, {} runs tried\n",
               stats.images_before > 1 ? fmt::format("images {} -> {}, ", stats.images_before, stats.images_after) : "",
               stats.sessions_before, stats.sessions_after, stats.choices_before, stats.choices_after,
               stats.swarm_before > 0 ? fmt::format(", swarm features {} -> {}", stats.swarm_before, stats.swarm_after) : "",
               stats.attempts);
    // What was written must replay, from where it was written: check it as `hotsim replay` would.
    const Replayed check = replay(out, false);
    fmt::print("{}\n  hotsim replay {}\n", check.verdict.describe(check.repro, check.report), out);
    return check.verdict.reproduced() ? 0 : 3;
  } catch (const scenarios::InputChanged& e) {
    return refuse(e);
  } catch (const std::exception& e) {
    return error_status(e);
  }
}

int explain_command(const std::string& file, int context) {
  try {
    const Replayed r = replay(file, true);
    fmt::print("{}, policy {}, seed {}: {}\n", r.repro.scenario_path, r.repro.settings.policy, r.repro.settings.seed, r.report.run.summary());
    fmt::print("{}\n", r.verdict.describe(r.repro, r.report));
    const int status = r.verdict.reproduced() ? 0 : 3;
    std::vector<std::string> lines;
    for (std::size_t at = 0, next; at < r.report.trace.size(); at = next + 1) {
      next = r.report.trace.find('\n', at);
      if (next == std::string::npos) next = r.report.trace.size();
      lines.push_back(r.report.trace.substr(at, next - at));
    }
    const std::string needle = "VIOLATION " + r.repro.oracle;
    auto hit = std::find_if(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(needle) != std::string::npos; });
    if (r.repro.oracle.empty() || hit == lines.end()) {
      fmt::print("the replay shows no {} violation; the trace has {} events\n", r.repro.oracle.empty() ? "recorded" : r.repro.oracle,
                 lines.size());
      return status;
    }
    const auto index = static_cast<std::size_t>(hit - lines.begin());
    const std::size_t from = index > static_cast<std::size_t>(context) ? index - static_cast<std::size_t>(context) : 0;
    const std::size_t to = std::min(lines.size(), index + static_cast<std::size_t>(context) + 1);
    fmt::print("trace events {}..{} of {} (the violation is marked >>):\n", from, to - 1, lines.size());
    for (std::size_t i = from; i < to; ++i) fmt::print("{} {}\n", i == index ? ">>" : "  ", lines[i]);
    return status;
  } catch (const scenarios::InputChanged& e) {
    return refuse(e);
  } catch (const std::exception& e) {
    return error_status(e);
  }
}

int trace_command(const std::string& file, const std::string& out) {
  try {
    const Replayed r = replay(file, true);
    write_text(out, reports::perfetto_trace(r.report).dump() + "\n");
    fmt::print("{}: {} trace events of {} / {} seed {}; open it in ui.perfetto.dev\n{}\n", out, r.report.events.size(),
               r.repro.scenario_path, r.repro.settings.policy, r.repro.settings.seed, r.verdict.describe(r.repro, r.report));
    return r.verdict.reproduced() ? 0 : 3;
  } catch (const scenarios::InputChanged& e) {
    return refuse(e);
  } catch (const std::exception& e) {
    return error_status(e);
  }
}

}  // namespace cli
