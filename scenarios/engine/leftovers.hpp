#pragma once
// What an earlier deploy left in staging before a run begins (the scenario's `leftovers`),
// as files: shared by the simulated deployer and the live one, which stage them alike.
#include <string>
#include <utility>
#include <vector>

#include "scenarios/oracles/evidence.hpp"
#include "scenarios/scenario.hpp"
#include "upgrader/policy.hpp"

namespace scenarios {

// (name in the staging directory, bytes), in the order they are staged.
std::vector<std::pair<std::string, std::string>> leftover_files(const Scenario& scenario, const Releases& releases,
                                                                const std::string& trigger_name,
                                                                upgrader::Policy::Trigger format);

}  // namespace scenarios
