#include "cli/demo.hpp"

#include <fmt/format.h>

#include <chrono>

namespace cli {

using namespace std::chrono_literals;

DemoReport run_demo(const DemoOptions& options) {
  sim::WorldConfig config;
  config.seed = options.seed;
  config.strategy = options.strategy;
  config.limits.deadline = sim::Time(std::chrono::minutes(10));
  config.keep_trace_events = options.print_trace;
  sim::World world(config);
  DemoReport report;
  auto& fs = world.fs();
  fs.mkdir("load-package");
  fs.fsync_dir(".");

  constexpr int kUserBackground = 30;  // Squeak's userBackgroundPriority; sessions run here
  for (int s = 0; s < options.sessions; ++s) {
    world.spawn(fmt::format("session-{}", s), kUserBackground, [&world, &report] {
      while (world.now() < sim::Time(9min)) {
        world.sleep_for(sim::Duration(1s) * static_cast<int>(1 + world.choices().below(30)));
        ++report.requests;
        for (int send = 0; send < 5; ++send) world.yield();
      }
    });
  }
  // The deployer uploads three packages in chunks, then the trigger.
  world.spawn("deployer", kUserBackground, [&world, &fs] {
    world.sleep_for(sim::Duration(20s));
    for (int p = 0; p < 3; ++p) {
      const std::string path = fmt::format("load-package/Shop-{}.mcz", p);
      fs.write(path, "chunk-1;");
      world.sleep_for(sim::Duration(2s));
      fs.append(path, "chunk-2;");
    }
    fs.write("load-package/load", "");
  });
  // The post's loader at userBackgroundPriority + 1: poll every 5 s, install in directory
  // order, delete each package after installing it, delete the trigger, "save the image".
  world.spawn("code loader", kUserBackground + 1, [&world, &fs, &report] {
    while (world.now() < sim::Time(9min)) {
      world.sleep_for(sim::Duration(5s));
      if (!fs.exists("load-package/load")) continue;
      for (const std::string& name : fs.list("load-package")) {
        if (!name.ends_with(".mcz")) continue;
        world.note("install " + name);
        fs.read("load-package/" + name);
        ++report.packages_installed;
        fs.unlink("load-package/" + name);
      }
      fs.unlink("load-package/load");
      fs.write("image.snapshot", fmt::format("image with {} packages", report.packages_installed));
    }
  });
  if (options.crash) {
    world.spawn("power", kUserBackground + 2, [&world, &report] {
      world.sleep_for(sim::Duration(std::chrono::seconds(30 + world.choices().below(60))));
      report.disk_after_crash = world.crash_disk();
    });
  }
  report.result = world.run();
  if (options.print_trace) report.trace_dump = world.trace().dump();
  return report;
}

}  // namespace cli
