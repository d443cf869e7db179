#pragma once
// Machine-readable results of a suite run (nlohmann::json).
#include <nlohmann/json.hpp>

#include "scenarios/suite.hpp"

namespace reports {

nlohmann::json suite_json(const scenarios::SuiteResult& result, const std::map<std::string, std::string>& repro_files);

}  // namespace reports
