#pragma once
// Input validation before any run starts, so that no input kills the harness mid-run: every
// package file of a scenario's app parses and verifies (trailer, checksum, syntax), the old
// release installs in dependency order and serves the scenario's requests, and every policy
// to run exists. A new package that parses but cannot be installed (an unmet dependency, a
// missing superclass) is not refused: shipping one is the hazard a scenario may be about.
#include <stdexcept>
#include <string>
#include <vector>

#include "scenarios/scenario.hpp"

namespace scenarios {

// Every problem found, one "file:line: what was expected" per entry.
class InputError : public std::runtime_error {
 public:
  explicit InputError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

// The problems of one scenario's inputs for its own policies (empty: it can run).
std::vector<std::string> input_problems(const Scenario& scenario);
// The same for a run of `policy` named in `source` (a repro), which need not be one of the
// scenario's own policies.
std::vector<std::string> input_problems(const Scenario& scenario, const std::string& policy, const std::string& source);

// Throws InputError with the problems of every scenario, if any.
void validate(const std::vector<Scenario>& scenarios);
void validate(const Scenario& scenario, const std::string& policy, const std::string& source);

}  // namespace scenarios
