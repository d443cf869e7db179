#pragma once
// JUnit XML for CI systems: one test case per scenario × policy, failed when its outcome
// differs from the declared expectation.
#include <string>

#include "scenarios/suite.hpp"

namespace reports {

std::string junit_xml(const scenarios::SuiteResult& result);

}  // namespace reports
