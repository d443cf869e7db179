// libFuzzer target: one seed of a whole scenario, from a scenario file and the package files
// of its app. Whatever the input, hotsim either refuses it before the run (ScenarioError from
// the parser, InputError from validation) or runs it to a report: no exception escapes a
// run, no assertion fails, no sanitizer fires.
//
// Input: one flag byte, then the scenario's TOML, then its files, each after a line
// "=== old/<name>" or "=== new/<name>". Flag bit 0: reseal every package file (replace its
// checksum trailer by a right one), so mutations reach the package rules and the run behind
// the checksum; the bits above it pick the policy among the scenario's. The scenario's app
// must be dir = "app"; the files are written to a temporary directory. One run of the
// scenario's first seed, kept short: sessions, duration and think times are capped.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "scenarios/engine.hpp"
#include "scenarios/scenario.hpp"
#include "scenarios/validate.hpp"
#include "upgrader/checksum.hpp"
#include "upgrader/package.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// This process's directory for one input's files; gone again once the input has run
// (libFuzzer ends without running atexit handlers, so nothing is left for them to clean).
struct WorkDir {
  fs::path path = fs::temp_directory_path() / ("hotsim-run-fuzzer-" + std::to_string(getpid()));
  WorkDir() {
    fs::remove_all(path);
    fs::create_directories(path / "app" / "old");
    fs::create_directories(path / "app" / "new");
  }
  ~WorkDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

bool plain_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && name.front() != '.' &&
         std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_'; });
}

// The package file with a right trailer in place of whatever it ended with.
std::string reseal(std::string text) {
  if (const auto at = text.rfind("# hotsim-checksum"); at != std::string::npos) text.erase(at);
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text + "# hotsim-checksum " + upgrader::checksum_text(text) + "\n";
}

// Splits the input; false if it names a file oddly.
bool split(const std::string& text, std::string& scenario, std::map<std::string, std::string>& files) {
  std::string* into = &scenario;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    const std::string line = text.substr(at, end - at);
    at = end + 1;
    if (line.rfind("=== ", 0) == 0) {
      const std::string path = line.substr(4);
      const auto slash = path.find('/');
      if (slash == std::string::npos || (path.substr(0, slash) != "old" && path.substr(0, slash) != "new") ||
          !plain_name(path.substr(slash + 1)) || files.contains(path))
        return false;
      into = &files[path];
      continue;
    }
    *into += line + "\n";
  }
  return true;
}

// A method that sends, directly or not, its own selector can take exponential time within
// the interpreter's depth bound: one request would run for hours. Not what this target is for.
bool recursive(const std::vector<upgrader::Package>& packages) {
  std::map<std::string, std::set<std::string>> sends;
  for (const auto& p : packages)
    for (const auto* methods : {&p.methods, &p.initializers})
      for (const auto& m : *methods)
        for (const auto& s : m.body)
          if (s.kind == upgrader::Step::Kind::Send) sends[m.selector].insert(s.name);
  std::set<std::string> done, active;
  std::function<bool(const std::string&)> cycle = [&](const std::string& sel) {
    if (active.contains(sel)) return true;
    if (!done.insert(sel).second) return false;
    active.insert(sel);
    for (const auto& next : sends[sel])
      if (cycle(next)) return true;
    active.erase(sel);
    return false;
  };
  for (const auto& [sel, _] : sends)
    if (cycle(sel)) return true;
  return false;
}

void cap(scenarios::Scenario& sc) {
  sc.sessions = std::min(sc.sessions, 4);
  sc.idle_sessions = std::min(sc.idle_sessions, 20);
  sc.duration = std::min<scenarios::Millis>(sc.duration, 8s);
  sc.deploy_at = std::min(sc.deploy_at, sc.duration);
  for (auto& at : sc.next_deploy_at) at = std::min(at, sc.duration);
  sc.think_min = std::clamp<scenarios::Millis>(sc.think_min, 100ms, 2s);
  sc.think_max = std::clamp<scenarios::Millis>(sc.think_max, sc.think_min, 2s);
  sc.poll_period = std::max<scenarios::Millis>(sc.poll_period, 100ms);
  sc.restart_delay = std::max<scenarios::Millis>(sc.restart_delay, 50ms);
  sc.chunks = std::min(sc.chunks, 8);
  sc.max_tries = std::min(sc.max_tries, 5);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool seal = (data[0] & 1) != 0;
  std::string scenario_text;
  std::map<std::string, std::string> files;
  if (!split(std::string(reinterpret_cast<const char*>(data) + 1, size - 1), scenario_text, files)) return 0;

  const WorkDir work;
  const fs::path& dir = work.path;
  for (const auto& [path, text] : files) std::ofstream(dir / "app" / path, std::ios::binary) << (seal ? reseal(text) : text);

  scenarios::Scenario sc;
  try {
    sc = scenarios::parse_scenario(scenario_text, (dir / "scenario.toml").string());
  } catch (const scenarios::ScenarioError&) {
    return 0;
  }
  // Only the files of this input: the app is ours, its file names plain.
  if (fs::path(sc.app_dir) != dir / "app") return 0;
  // Every release: files of this input ("old/<name>" or "new/<name>", relative to the app).
  const auto ours = [](const std::string& f) { return (f.starts_with("old/") || f.starts_with("new/")) && plain_name(f.substr(4)); };
  for (const auto* release : {&sc.old_packages, &sc.new_packages})
    if (!std::all_of(release->begin(), release->end(), ours)) return 0;
  for (const auto& release : sc.next_packages)
    if (!std::all_of(release.begin(), release.end(), ours)) return 0;
  cap(sc);
  if (!scenarios::input_problems(sc).empty()) return 0;  // refused before any run: fine

  std::vector<upgrader::Package> packages;
  for (const auto& [path, text] : files) {
    try {
      packages.push_back(upgrader::parse_package(seal ? reseal(text) : text, path));
    } catch (const upgrader::PackageError&) {
    }
  }
  if (recursive(packages)) return 0;

  // Validated: from here on, anything thrown is a bug of the harness.
  scenarios::RunSettings settings;
  settings.seed = sc.first_seed;
  settings.strategy = sc.strategy;
  (void)scenarios::run_scenario(sc, sc.policies[static_cast<std::size_t>(data[0] >> 1) % sc.policies.size()], settings);
  return 0;
}
