#pragma once
// Which scenario files a list of inputs names: `hotsim run` and the testing helper
// (scenarios/policy_check.hpp) read them the same way.
#include <string>
#include <vector>

namespace scenarios {

// A file as given; a directory: its *.toml files, sorted by name.
std::vector<std::string> scenario_files(const std::vector<std::string>& inputs);

}  // namespace scenarios
