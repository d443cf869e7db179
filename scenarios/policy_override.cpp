#include "scenarios/policy_override.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "upgrader/policy.hpp"

namespace scenarios {

void override_policies(Scenario& scenario, const std::vector<std::string>& policies, const std::string& source) {
  if (policies.empty()) throw ScenarioError(source, 0, "expected at least one policy");
  const std::vector<std::string> known = upgrader::policy_names();
  for (auto it = policies.begin(); it != policies.end(); ++it) {
    if (std::find(known.begin(), known.end(), *it) == known.end())
      throw ScenarioError(source, 0, fmt::format("unknown policy \"{}\"; expected one of {} (or a --policy-lib that registers it)",
                                                 *it, fmt::join(known, ", ")));
    if (std::find(policies.begin(), it, *it) != it)
      throw ScenarioError(source, 0, fmt::format("policy \"{}\" given twice", *it));
  }
  scenario.policies = policies;
  // The other policies' [expect] entries stay: they name the scenario's hazards.
  for (const auto& p : policies) {
    scenario.expect.try_emplace(p);
    scenario.allow.try_emplace(p);
  }
}

}  // namespace scenarios
