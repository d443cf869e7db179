// The hotsim command line.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>

#include "cli/demo.hpp"

int main(int argc, char** argv) {
  CLI::App app{"hotsim: a deterministic simulator for hot-upgrade safety"};
  app.require_subcommand(1);

  cli::DemoOptions demo;
  std::string strategy = "random";
  auto* demo_cmd = app.add_subcommand("demo", "run the polling-loader demo on the simulation kernel");
  demo_cmd->add_option("--seed", demo.seed, "seed of the choice stream");
  demo_cmd->add_option("--strategy", strategy, "random | pct | rr")
      ->check(CLI::IsMember({"random", "pct", "rr"}));
  demo_cmd->add_option("--sessions", demo.sessions, "concurrent sessions")->check(CLI::Range(0, 100000));
  demo_cmd->add_flag("--trace", demo.print_trace, "print the whole trace");
  demo_cmd->add_flag("!--no-crash", demo.crash, "do not cut the power");

  CLI11_PARSE(app, argc, argv);

  if (*demo_cmd) {
    demo.strategy = *sim::parse_strategy(strategy);
    const cli::DemoReport report = cli::run_demo(demo);
    if (demo.print_trace) std::fputs(report.trace_dump.c_str(), stdout);
    fmt::print("demo seed={} strategy={} sessions={}\n", demo.seed, strategy, demo.sessions);
    fmt::print("  {}\n", report.result.summary());
    fmt::print("  {} requests served, {} package installs, {} choices drawn\n", report.requests,
               report.packages_installed, report.result.choices.size());
    if (!report.disk_after_crash.empty()) fmt::print("  power cut: {}\n", report.disk_after_crash);
    fmt::print("  replay: hotsim demo --seed {} --strategy {} --sessions {}\n", demo.seed, strategy,
               demo.sessions);
    return report.result.outcome == sim::Outcome::Completed ? 0 : 1;
  }
  return 0;
}
