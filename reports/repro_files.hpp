#pragma once
// The repro files a run wrote, as every report writer looks them up: keyed by
// "scenario/policy/oracle" (one repro per cell and oracle: the first seed where it fired).
#include <map>
#include <string>

#include "scenarios/suite.hpp"

namespace reports {

using ReproFiles = std::map<std::string, std::string>;

inline std::string repro_key(const std::string& scenario, const std::string& policy, const std::string& oracle) {
  return scenario + "/" + policy + "/" + oracle;
}

// The repro written for this cell's oracle, or "" if none was.
inline std::string repro_file(const ReproFiles& files, const scenarios::Cell& cell, const std::string& oracle) {
  const auto it = files.find(repro_key(cell.scenario, cell.policy, oracle));
  return it == files.end() ? std::string() : it->second;
}

}  // namespace reports
