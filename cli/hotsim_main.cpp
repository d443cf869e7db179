// The hotsim command line. Exit codes: see cli/commands.hpp and the README.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <limits>
#include <thread>

#include "cli/commands.hpp"
#include "cli/demo.hpp"
#include "cli/live.hpp"
#include "cli/pkg.hpp"
#include "support/assert.hpp"
#include "support/exception_text.hpp"

namespace {

// Whole numbers in decimal only, within [min, max]: CLI11 alone takes "-1" for a huge
// unsigned value and "010" for 8.
CLI::Validator whole_number(std::uint64_t min, std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        const std::string expected = fmt::format("expected a whole number from {} to {}, got \"{}\"", min, max, text);
        if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos) return expected;
        errno = 0;
        const unsigned long long value = std::strtoull(text.c_str(), nullptr, 10);
        if (errno == ERANGE || value < min || value > max) return expected;
        text = std::to_string(value);  // no leading zeros: CLI11 would read "010" as octal
        return {};
      },
      fmt::format("{}..{}", min, max));
}

}  // namespace

int main(int argc, char** argv) {
  support::exit_on_assert_failure(3);  // an internal error: exit 3, not abort
  std::set_terminate([] {
    fmt::print(stderr, "internal error: terminate called ({})\n", support::exception_text(std::current_exception()));
    std::_Exit(3);
  });

  CLI::App app{"hotsim: a deterministic simulator for hot-upgrade safety"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "hotsim " HOTSIM_VERSION);

  cli::RunOptions run;
  run.jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  auto* run_cmd = app.add_subcommand("run", "run scenario suites and judge them against their expectations");
  run_cmd->add_option("inputs", run.inputs, "scenario files or directories")->required();
  run_cmd->add_option("--seeds", run.seeds, "seeds per scenario (overrides the files)")->transform(whole_number(1, 100000000));
  run_cmd->add_option("--seed", run.seed, "run this one seed")->transform(whole_number(0));
  run_cmd->add_option("--strategy", run.strategy, "random | pct | rr")->check(CLI::IsMember({"random", "pct", "rr"}));
  run_cmd->add_option("--shard", run.shard, "K/N: run the K-th of N deterministic slices of the seeds");
  run_cmd->add_option("--jobs", run.jobs, "worker threads")->transform(whole_number(1, 1024));
  run_cmd->add_option("--junit", run.junit, "write JUnit XML here");
  run_cmd->add_option("--json", run.json, "write JSON results here");
  run_cmd->add_option("--out", run.out, "write index.html, summary.md, results.json and repros/ here");
  run_cmd->add_option("--crash-points", run.crash_points, "all: crash at every file operation of each upgrade instead")
      ->check(CLI::IsMember({"all"}));
  run_cmd->add_option("--crash-states", run.crash_states, "crash points: explore at most this many crash states per point")
      ->transform(whole_number(1, 1'000'000));
  run_cmd->add_flag("--update-points", run.update_points,
                    "start the upgrade at every yield point the load reaches instead (with --crash-points: crash in each)");
  run_cmd->add_flag("--print-hashes", run.print_hashes, "print each run's trace hash (determinism checks)");
  run_cmd->add_option("--policies", run.policies, "run these policies (comma-separated) instead of each scenario's own")
      ->delimiter(',')
      ->allow_extra_args(false);  // one value per flag: the scenario files after it are not policies
  auto* swarm_flag = run_cmd->add_flag("--swarm", run.swarm,
                                       "swarm testing: each seed turns on its own random subset of hazards and faults "
                                       "(scenarios/README.md, \"Swarm\")");
  swarm_flag->excludes(run_cmd->get_option("--crash-points"))->excludes(run_cmd->get_option("--update-points"));

  cli::MergeOptions merge;
  auto* merge_cmd = app.add_subcommand("merge", "merge the results.json of the shards of one sweep into one report, judged as one run");
  merge_cmd->add_option("results", merge.files, "each shard's results.json (hotsim run --shard K/N --out DIR)")->required();
  merge_cmd->add_option("--out", merge.out, "write index.html, junit.xml, summary.md, results.json and repros/ here")->required();
  merge_cmd->add_flag("--allow-partial", merge.allow_partial, "merge although shards are missing; expected hazards are then not judged");

  cli::LiveCommandOptions live;
  auto* live_cmd = app.add_subcommand("live",
                                      "run scenarios on a real staging directory in real time (the real runtime binding, real "
                                      "processes killed with SIGKILL), judged by the same oracles");
  // CLI11's Range lets NaN through (every comparison with NaN is false): refuse it first.
  const CLI::Validator finite_number(
      [](std::string& text) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (end == text.c_str() || *end != '\0' || !std::isfinite(v)) return "expected a finite number, got \"" + text + "\"";
        return {};
      },
      "NUMBER");
  live_cmd->add_option("inputs", live.inputs, "scenario files or directories")->required();
  live_cmd->add_option("--time-scale", live.time_scale, "real seconds per scenario second (0.1: ten times faster)")
      ->check(finite_number)
      ->check(CLI::Range(0.01, 10.0));
  live_cmd->add_option("--seeds", live.seeds, "runs per scenario and policy")->transform(whole_number(1, 1000));
  live_cmd->add_option("--seed", live.seed, "the first seed (default: each scenario's own)")->transform(whole_number(0));
  live_cmd->add_option("--policies", live.policies, "run these policies (comma-separated) instead of each scenario's own")
      ->delimiter(',')
      ->allow_extra_args(false);
  live_cmd->add_option("--sessions", live.sessions, "client sessions instead of each scenario's own")
      ->transform(whole_number(1, 10000));
  live_cmd->add_option("--dir", live.dir, "make each run's directory here (default: $TMPDIR or /tmp)");
  live_cmd->add_flag("--keep", live.keep, "leave each run's directory (server files, event logs) behind");

  std::string repro_file, out_file;
  int max_attempts = 400, context = 25;
  auto* replay_cmd = app.add_subcommand("replay", "replay a repro and say whether it reproduced");
  replay_cmd->add_option("repro", repro_file, "repro file")->required();
  auto* shrink_cmd = app.add_subcommand("shrink", "minimise a repro and write the minimal one");
  shrink_cmd->add_option("repro", repro_file, "repro file")->required();
  shrink_cmd->add_option("--output", out_file, "where to write (default: <repro>.min.repro.toml)");
  shrink_cmd->add_option("--max-attempts", max_attempts, "runs to try at most")->transform(whole_number(1, 100000));
  auto* explain_cmd = app.add_subcommand("explain", "print the trace around a repro's violation");
  explain_cmd->add_option("repro", repro_file, "repro file")->required();
  explain_cmd->add_option("--context", context, "trace events before and after")->transform(whole_number(1, 100000));

  std::string perfetto_out;
  auto* trace_cmd = app.add_subcommand("trace", "replay a repro and write its trace for the Perfetto UI");
  trace_cmd->add_option("repro", repro_file, "repro file")->required();
  trace_cmd->add_option("--perfetto", perfetto_out, "Chrome trace-event JSON to write")->required();

  cli::DemoOptions demo;
  std::string strategy = "random";
  auto* demo_cmd = app.add_subcommand("demo", "run the polling-loader demo on the simulation kernel");
  demo_cmd->add_option("--seed", demo.seed, "seed of the choice stream")->transform(whole_number(0));
  demo_cmd->add_option("--strategy", strategy, "random | pct | rr")->check(CLI::IsMember({"random", "pct", "rr"}));
  demo_cmd->add_option("--sessions", demo.sessions, "concurrent sessions")->transform(whole_number(0, 100000));
  demo_cmd->add_flag("--trace", demo.print_trace, "print the whole trace");
  demo_cmd->add_flag("!--no-crash", demo.crash, "do not cut the power");

  std::vector<std::string> pkg_files;
  auto* pkg_cmd = app.add_subcommand("pkg", "package files: seal (write the checksum trailer) or check (files and release)");
  pkg_cmd->require_subcommand(1);
  auto* seal_cmd = pkg_cmd->add_subcommand("seal", "write each file's checksum trailer (replacing an old one)");
  seal_cmd->add_option("files", pkg_files, "package files")->required();
  auto* check_cmd = pkg_cmd->add_subcommand("check", "validate package files and their release's dependency graph");
  check_cmd->add_option("files", pkg_files, "package files of one release")->required();

  cli::GenAppOptions gen;
  auto* gen_cmd = app.add_subcommand("gen", "generate test inputs");
  gen_cmd->require_subcommand(1);
  auto* gen_app_cmd = gen_cmd->add_subcommand("app", "a Monticello-shaped app: OUT/old and OUT/new, deterministic from the seed");
  gen_app_cmd->add_option("--seed", gen.seed, "seed")->transform(whole_number(0));
  gen_app_cmd->add_option("--packages", gen.packages, "packages per release")->transform(whole_number(2, 2500));
  gen_app_cmd->add_option("--methods", gen.methods, "methods per release")->transform(whole_number(1, 1000000));
  gen_app_cmd->add_option("--depth", gen.depth, "layers: the longest dependency chain")->transform(whole_number(2, 2500));
  gen_app_cmd->add_option("--out", gen.out, "directory to write old/ and new/ into")->required();

  // Policies of one's own, from shared libraries (docs/policy-api.md): wherever a policy is named.
  std::vector<std::string> policy_libs;
  for (auto* cmd : {run_cmd, live_cmd, replay_cmd, shrink_cmd, explain_cmd, trace_cmd})
    cmd->add_option("--policy-lib", policy_libs, "load this shared library, which registers policies (repeatable)")
        ->allow_extra_args(false);

  // After a successful parse: run the chosen subcommand.
  auto dispatch = [&]() -> int {
    cli::load_policy_libraries(policy_libs);
    if (*run_cmd) {
      run.progress_bar = isatty(STDERR_FILENO) != 0;
      run.policy_libs = policy_libs;
      return cli::run_command(run);
    }
    if (*merge_cmd) return cli::merge_command(merge);
    if (*live_cmd) return cli::live_command(live);
    if (*replay_cmd) return cli::replay_command(repro_file);
    if (*shrink_cmd) return cli::shrink_command(repro_file, out_file, max_attempts);
    if (*explain_cmd) return cli::explain_command(repro_file, context);
    if (*trace_cmd) return cli::trace_command(repro_file, perfetto_out);
    if (*seal_cmd) return cli::pkg_seal_command(pkg_files);
    if (*check_cmd) return cli::pkg_check_command(pkg_files);
    if (*gen_app_cmd) return cli::gen_app_command(gen);
    if (*demo_cmd) {
      demo.strategy = *sim::parse_strategy(strategy);
      const cli::DemoReport report = cli::run_demo(demo);
      if (demo.print_trace) std::fputs(report.trace_dump.c_str(), stdout);
      fmt::print("demo seed={} strategy={} sessions={}\n", demo.seed, strategy, demo.sessions);
      fmt::print("  {}\n", report.result.summary());
      fmt::print("  {} requests served, {} package installs, {} choices drawn\n", report.requests,
                 report.packages_installed, report.result.choices.size());
      if (!report.disk_after_crash.empty()) fmt::print("  power cut: {}\n", report.disk_after_crash);
      fmt::print("  replay: hotsim demo --seed {} --strategy {} --sessions {}\n", demo.seed, strategy, demo.sessions);
      return report.result.outcome == sim::Outcome::Completed ? 0 : 1;
    }
    return 0;
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version print and succeed; every other parse error is a usage error.
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    return dispatch();
  } catch (const std::exception& e) {
    return cli::error_status(e);
  }
}
