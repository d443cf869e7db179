#pragma once
// JUnit XML for CI systems: one test case per scenario × policy, failed when its outcome
// differs from the declared expectation. A failure names, for each oracle that fired
// unexpectedly, the violation (oracle, where, when, why), the first seed it fired in and,
// when a repro was written, the command that replays it.
#include <string>

#include "reports/repro_files.hpp"
#include "scenarios/suite.hpp"

namespace reports {

std::string junit_xml(const scenarios::SuiteResult& result, const ReproFiles& repro_files = {});

}  // namespace reports
