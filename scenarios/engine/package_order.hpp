#pragma once
// The order in which the deployer uploads a deploy's packages, or lists them in its manifest,
// derived from the packages themselves. Shared by the simulated deployer and the live one.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "scenarios/oracles/evidence.hpp"

namespace scenarios {

// One deploy's packages (indices in Releases::new_packages) in the order `how` names:
// "dependency" (each after the deploy's packages it requires; ties in the scenario's order),
// its reverse, by file name, or shuffled with `below(n)` (a draw in [0, n)).
std::vector<std::size_t> package_order(const std::string& how, const Releases& releases, const std::vector<std::size_t>& batch,
                                       const std::function<std::size_t(std::size_t)>& below);

}  // namespace scenarios
