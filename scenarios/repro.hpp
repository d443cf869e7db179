#pragma once
// A repro file: the RunSettings of one run, stored whole (its choices are the run's
// recording), the input files it read with their checksums, and what it showed (the oracle,
// the violation, the trace hash) so a replay can say whether it reproduced.
//
// In the file, paths are relative to the repro file's own directory: a repro copied elsewhere
// together with its scenario and app (same relative layout) replays from any directory. A
// replay refuses to run when the scenario or a package file is not byte for byte the one
// recorded (InputChanged), so a changed input is never a silent divergence.
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "scenarios/engine.hpp"
#include "scenarios/run_settings.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios {

struct Repro {
  RunSettings settings;           // settings.replay: the choices the run consumed, in order
  std::string scenario_path;      // its checksum is settings.scenario_hash
  // Every package file the scenario uses, old and new: path -> upgrader::checksum_text of its
  // bytes. Paths (here and scenario_path) are usable from the current directory in memory and
  // relative to the repro file in the file.
  std::map<std::string, std::string> packages;
  std::string oracle;              // the violation this repro shows ("": a run that showed nothing)
  std::string violation;           // its description
  std::uint64_t trace_hash = 0;

  bool operator==(const Repro&) const = default;
};

// The first violation of `oracle` in a run as one line: "<oracle> at <where> [<time>]: <why>"
// ("" if it did not fire). Repros, JUnit failures and the HTML report all describe it so.
std::string violation_text(const RunReport& report, const std::string& oracle);

// The repro of a run: `settings` are those it ran with; their choices become the recording.
Repro make_repro(const Scenario& scenario, const RunReport& report, const std::string& oracle, const RunSettings& settings);
std::string render_repro(const Repro& repro);
// Errors say file:line and what was expected (ScenarioError). Paths are kept as written.
Repro parse_repro(const std::string& text, const std::string& path);
// Reads a repro file; its paths are resolved against the file's own directory.
Repro load_repro(const std::string& path);
// Writes the repro with its paths relative to the directory of `path` (created if missing).
void save_repro(const Repro& repro, const std::string& path);
// The command that replays a repro: "hotsim replay [--policy-lib LIB]... FILE". A policy
// from a shared library replays only with that library loaded.
std::string replay_command(const std::string& repro_path, const std::vector<std::string>& policy_libs = {});
// A stable file name: <scenario>-<policy>-<oracle>-seed<N>.repro.toml
std::string repro_file_name(const Repro& repro, const std::string& scenario_name);

// An input of a repro is not the file it was recorded with (or is gone).
class InputChanged : public std::runtime_error {
 public:
  InputChanged(std::string file, std::string expected, std::string found);
  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

// The scenario a repro runs, after checking that it and every package file it uses are the
// ones recorded. Throws InputChanged naming the first file that differs.
Scenario load_recorded_scenario(const Repro& repro);

// A repro's overrides checked against the scenario it runs (settings_problem): an images
// override above the scenario's own count is refused with the repro file and the line of the
// setting (ScenarioError), before any run.
void check_overrides(const Repro& repro, const Scenario& scenario, const std::string& repro_file);

// Whether a replay reproduced its repro: the same trace hash, the oracle fired again, and the
// recorded choices were consumed exactly (none missing, none out of range). replay, explain,
// trace and shrink all judge with this one function.
struct ReplayVerdict {
  bool same_hash = false;
  bool fired = false;
  bool exact_choices = false;
  bool reproduced() const { return same_hash && fired && exact_choices; }
  std::string describe(const Repro& repro, const RunReport& replayed) const;  // REPRODUCED: … / DIVERGED: …
};
ReplayVerdict judge_replay(const Repro& repro, const RunReport& replayed);

}  // namespace scenarios
