#pragma once
// Running other policies than a scenario's own [run] policies (`hotsim run --policies`, the
// testing helper): the same world, judged the same way.
#include <string>
#include <vector>

#include "scenarios/scenario.hpp"

namespace scenarios {

// Makes `policies` the scenario's policies. One the scenario names keeps its [expect] and
// [allow]; any other must fire nothing, as the file format treats a policy with no [expect]
// table. The scenario's hazards (what any of its own policies must fire) stay, so a new
// policy whose runs never exercise them still fails as vacuous. Throws ScenarioError naming
// `source` (where the list came from) for an unknown policy or one given twice.
void override_policies(Scenario& scenario, const std::vector<std::string>& policies, const std::string& source);

}  // namespace scenarios
