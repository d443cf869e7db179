#include "reports/json.hpp"

#include <algorithm>

#include "reports/repro_files.hpp"
#include "reports/summary.hpp"

namespace reports {

nlohmann::json suite_json(const scenarios::SuiteResult& result, const std::map<std::string, std::string>& repro_files) {
  nlohmann::json cells = nlohmann::json::array();
  for (const auto& c : result.cells) {
    const Percentiles p = pause_percentiles(c), u = upgrade_pause_percentiles(c);
    nlohmann::json fired = nlohmann::json::object();
    for (const auto& [oracle, count] : c.fired) {
      fired[oracle] = {{"seeds", count},
                       {"first_seed", c.first_seed.at(oracle)},
                       {"seeds_to_first", c.seeds_to_first.at(oracle)},
                       {"expected", c.expected.contains(oracle)},
                       {"repro", repro_file(repro_files, c, oracle)}};
    }
    cells.push_back({{"scenario", c.scenario},
                     {"path", c.scenario_path},
                     {"policy", c.policy},
                     {"seeds", c.seeds_run},
                     {"expected", c.expected},
                     {"fired", fired},
                     {"requests_ok", c.requests_ok},
                     {"pause_ms", {{"p50", p.p50_ms}, {"p99", p.p99_ms}, {"max", p.max_ms}, {"samples", c.pauses.count()}}},
                     {"upgrade_pause_ms", {{"p50", u.p50_ms}, {"p99", u.p99_ms}, {"max", u.max_ms}, {"samples", c.upgrade_pauses.count()}}},
                     {"largest_image_bytes", c.largest_image},
                     {"fresh_image_bytes", c.fresh_image_bytes},
                     {"problems", c.problems},
                     {"ok", c.ok()}});
  }
  const Speed sp = speed(result);
  return {{"ok", result.ok()},
          {"runs", result.runs},
          {"seconds", result.seconds},
          {"seeds", sp.seeds},
          {"runs_per_second", sp.runs_per_second()},
          {"seeds_per_second", sp.seeds_per_second()},
          {"sharded", result.sharded},
          {"cells", cells}};
}

}  // namespace reports
