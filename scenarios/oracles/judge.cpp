#include <algorithm>

#include "scenarios/oracles/oracles.hpp"

namespace scenarios {

void Verdicts::violate(const std::string& oracle, const Mark& mark, std::string where, std::string why) {
  for (const auto& v : violations)
    if (v.oracle == oracle && v.where == where) return;
  violations.push_back({oracle, std::move(where), mark.at, std::move(why), mark.step, mark.trace_index});
}

Verdicts judge(const Observation& obs, const OracleContext& ctx) {
  Verdicts verdicts;
  judge_requests(obs, ctx, verdicts);
  judge_upgrade_outcome(obs, ctx, verdicts);
  judge_durability(obs, ctx, verdicts);
  judge_local_changes(obs, ctx, verdicts);
  std::stable_sort(verdicts.violations.begin(), verdicts.violations.end(),
                   [](const Violation& a, const Violation& b) { return a.step < b.step; });
  return verdicts;
}

}  // namespace scenarios
