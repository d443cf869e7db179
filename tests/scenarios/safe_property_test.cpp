// Property: over generated apps (random package graphs, reshaped classes, new methods called
// across packages) and generated fault plans, `safe` never violates an oracle and always
// ends up with the new release installed.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <filesystem>
#include <fstream>

#include "scenarios/engine.hpp"
#include "upgrader/package.hpp"

namespace scenarios {
namespace {

using upgrader::Step;

Step step(Step::Kind kind, std::string name, std::string target = "self") {
  Step s{};
  s.kind = kind;
  s.name = std::move(name);
  s.target = std::move(target);
  return s;
}

struct GeneratedApp {
  std::vector<upgrader::Package> old_release, new_release;  // new: the changed packages only
};

GeneratedApp generate_app() {
  const int n = *rc::gen::inRange(2, 6);
  std::vector<std::vector<int>> requires_(static_cast<std::size_t>(n));
  for (int i = 1; i < n; ++i) {
    requires_[static_cast<std::size_t>(i)].push_back(i - 1);
    for (int j = 0; j < i - 1; ++j)
      if (*rc::gen::inRange(0, 3) == 0) requires_[static_cast<std::size_t>(i)].push_back(j);
  }
  std::vector<bool> changed(static_cast<std::size_t>(n));
  for (auto&& c : changed) c = *rc::gen::arbitrary<bool>();
  changed[static_cast<std::size_t>(*rc::gen::inRange(0, n))] = true;

  GeneratedApp app;
  for (int version = 1; version <= 2; ++version) {
    for (int i = 0; i < n; ++i) {
      const auto ui = static_cast<std::size_t>(i);
      const bool is_new = version == 2 && changed[ui];
      if (version == 2 && !is_new) continue;
      upgrader::Package p;
      p.name = "P" + std::to_string(i);
      p.version = is_new ? 2 : 1;
      upgrader::ClassDef c{"C" + std::to_string(i), "Object", {"count"}, {}, {}, 0};
      upgrader::MethodDef work{c.name, "work", {}, 0};
      Step add = step(Step::Kind::Add, "count");
      add.value = std::int64_t{1};
      work.body.push_back(add);
      Step cpu = step(Step::Kind::Cpu, "");
      cpu.micros = *rc::gen::inRange(0, 400);
      work.body.push_back(cpu);
      if (is_new) {  // reshaped, and a new method it calls on itself
        c.fields.push_back("extra");
        upgrader::MethodDef more{c.name, "more", {step(Step::Kind::Read, "extra")}, 0};
        p.methods.push_back(more);
        work.body.push_back(step(Step::Kind::Send, "more"));
      }
      for (int j : requires_[ui]) {
        const std::string link = "link" + std::to_string(j);
        c.fields.push_back(link);
        work.body.push_back(step(Step::Kind::New, "C" + std::to_string(j), link));
        work.body.push_back(step(Step::Kind::Send, "work", link));
        // New code calls new code of the packages it requires, and says so.
        const bool calls_new = is_new && changed[static_cast<std::size_t>(j)];
        if (calls_new) work.body.push_back(step(Step::Kind::Send, "more", link));
        p.requirements.push_back({"P" + std::to_string(j), calls_new ? 2 : 1});
      }
      p.classes.push_back(c);
      p.methods.push_back(work);
      if (i == n - 1) {  // the session class lives in the top package
        p.classes.push_back({"App", "Object", {"root"}, {}, {}, 0});
        upgrader::MethodDef serve{"App", "serve", {step(Step::Kind::New, "C" + std::to_string(i), "root"),
                                                   step(Step::Kind::Send, "work", "root")}, 0};
        p.methods.push_back(serve);
      }
      (version == 1 ? app.old_release : app.new_release).push_back(p);
    }
  }
  return app;
}

RC_GTEST_PROP(SafePolicy, NeverViolatesAnOracleOnGeneratedAppsAndFaultPlans, ()) {
  const GeneratedApp app = generate_app();
  const auto dir = std::filesystem::temp_directory_path() / ("hotsim-gen-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  Scenario sc;
  sc.path = (dir / "generated.toml").string();
  sc.name = "generated";
  sc.app_dir = dir.string();
  for (const auto* release : {&app.old_release, &app.new_release}) {
    const std::string sub = release == &app.old_release ? "old" : "new";
    std::filesystem::create_directories(dir / sub);
    for (const auto& p : *release) {
      const std::string file = p.name + "-" + std::to_string(p.version) + ".pkg";
      std::ofstream(dir / sub / file, std::ios::binary) << upgrader::render_package(p);
      (release == &app.old_release ? sc.old_packages : sc.new_packages).push_back(sub + "/" + file);
    }
  }
  sc.sessions = *rc::gen::inRange(1, 12);
  sc.requests = {"serve"};
  sc.session_class = "App";
  sc.think_min = Millis(*rc::gen::inRange(5, 50));
  sc.think_max = sc.think_min + Millis(*rc::gen::inRange(0, 300));
  sc.order = *rc::gen::element<std::string>("dependency", "reverse", "shuffled");
  sc.chunks = *rc::gen::inRange(1, 4);
  sc.crash = *rc::gen::element<std::string>("none", "at-install", "random");
  sc.crash_install = *rc::gen::inRange(1, static_cast<int>(sc.new_packages.size()) + 1);
  sc.crash_ppm = static_cast<std::uint32_t>(*rc::gen::inRange(100, 5000));
  sc.max_pause = Millis(60'000);
  sc.duration = Millis(30'000);
  sc.policies = {"safe"};
  sc.expect["safe"] = {};
  sc.allow["safe"] = {};

  RunSettings settings;
  settings.seed = *rc::gen::arbitrary<std::uint64_t>();
  const RunReport report = run_scenario(sc, "safe", settings);
  std::filesystem::remove_all(dir);
  for (const auto& v : report.violations) RC_FAIL(v.oracle + " at " + v.where + ": " + v.why);
  // A crash in the run's last restart delay leaves the server down at the end (rapidcheck
  // found one at 29.2 s of 30): then eventual-upgrade judged it, above.
  RC_ASSERT(report.upgraded || !report.up_at_end);
}

}  // namespace
}  // namespace scenarios
