#pragma once
// Point sweeps. Crash points: run the scenario once to count the server's file operations
// from the deploy until the upgrade has settled, then cut the power right before each of
// them in turn, once with nothing un-synced surviving, once with all of it, and once as the
// choice stream draws it (torn appends, a prefix of the journal); restart, and let the
// oracles judge. Update points (after Hayden et al., who tested an update at every update
// point a test reaches): run once to list the distinct yield points the load reaches, then
// start the upgrade at each of them in turn.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "scenarios/engine.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios {

struct CrashPointResult {
  std::string scenario;
  std::string policy;
  int points = 0;   // file operations, or yield points, enumerated
  int covered = 0;  // update points: those where the upgrade did start
  int runs = 0;     // crash points: points x crash outcomes; update points: points
  std::map<std::string, int> fired;                // oracle -> runs where it fired
  std::map<std::string, std::vector<int>> where;   // oracle -> points where it fired
  std::vector<std::string> examples;               // a few violations, with their point
  std::map<std::string, RunReport> first;          // oracle -> the first run where it fired
  std::map<std::string, RunSettings> first_settings;
};

enum class Sweep { CrashPoints, UpdatePoints };

std::vector<CrashPointResult> enumerate_points(Sweep sweep, const std::vector<Scenario>& scenarios, int jobs,
                                               const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});

inline std::vector<CrashPointResult> enumerate_crash_points(const std::vector<Scenario>& scenarios, int jobs,
                                                            const std::function<void(std::uint64_t, std::uint64_t)>& progress = {}) {
  return enumerate_points(Sweep::CrashPoints, scenarios, jobs, progress);
}

}  // namespace scenarios
