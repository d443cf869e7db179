#pragma once
// Point sweeps.
//
// Crash points: run the scenario once to count the server's file operations from the deploy
// until the upgrade has settled, then crash at each of them in turn and one past the last
// (same seed, so operation N is the same operation as in the counting run; a write there is
// torn). At each point explore the crash states the persistence model allows: all of them
// when there are at most `max_states` (depth first over the crash's decisions, like ACE's
// bounded exploration), else the two extremes plus states sampled from the seed; and once a
// process kill that keeps the page cache. Restart, and let the oracles judge every state.
//
// Update points (after Hayden et al., who tested an update at every update point a test
// reaches): run once to list the distinct yield points the load reaches, then start the
// upgrade at each of them in turn. Both together (crash points × update points): at each
// update point, crash at each file operation of that upgrade (extremes and one sample).
#include <cstdint>
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
  int points = 0;   // file operations (+1: past the last), yield points, or their product
  int covered = 0;  // update points: those where the upgrade did start
  int runs = 0;     // runs made (every crash state is a run)
  std::vector<int> states;                         // crash points: states explored at each point
  std::map<std::string, int> fired;                // oracle -> runs where it fired
  std::map<std::string, std::vector<int>> where;   // oracle -> points where it fired
  std::vector<std::string> examples;               // a few violations, with their point
  std::map<std::string, RunReport> first;          // oracle -> the first run where it fired
  std::map<std::string, RunSettings> first_settings;
};

enum class Sweep { CrashPoints, UpdatePoints, CrashAtUpdatePoints };

struct SweepOptions {
  int jobs = 1;
  std::uint64_t max_states = 8;  // crash states explored per crash point at most
};

std::vector<CrashPointResult> enumerate_points(Sweep sweep, const std::vector<Scenario>& scenarios, SweepOptions options,
                                               const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});

inline std::vector<CrashPointResult> enumerate_crash_points(const std::vector<Scenario>& scenarios, int jobs,
                                                            const std::function<void(std::uint64_t, std::uint64_t)>& progress = {}) {
  return enumerate_points(Sweep::CrashPoints, scenarios, {jobs}, progress);
}

}  // namespace scenarios
