#pragma once
// The oracles: what "safe" means, as pure functions of what a run showed (the recorder's
// observation log, scenarios/engine/observation.hpp) and of the releases the package files
// define. They never see the upgrader's own bookkeeping and never run during a run, so
// judging cannot change a schedule. One file per family:
//  - requests.cpp:        torn-request, dnu-by-upgrade, lost-session, pause-budget
//  - upgrade_outcome.cpp: eventual-upgrade, refused-good-batch, bounded-retry,
//                         clean-completion, liveness
//  - durability.cpp:      lost-upgrade (recoverable at restart), restart-fidelity,
//                         cannot-boot, torn-package, image-growth
//  - local_change.cpp:    lost-local-change
//  - cluster.cpp:         converged, version-skew (several images: the others run per image)
//  - rollout.cpp:         drained-upgrade (a rolling upgrade's images)
// Each also says whether the run exercised it: an oracle that nothing in the run could have
// tripped proves nothing (a suite fails a scenario whose expected oracles are all vacuous).
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "scenarios/engine/observation.hpp"
#include "scenarios/oracles/evidence.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios {

struct Violation {
  std::string oracle;  // one of oracle_names()
  std::string where;   // session, request, file, restart
  sim::Time at{0};
  std::string why;
  std::uint64_t step = 0;        // scheduler step where it was seen
  std::size_t trace_index = 0;   // position in the trace where it was seen
};

// What the oracles need besides the log.
struct OracleContext {
  const Scenario& scenario;
  const Releases& releases;
  int declared_saves = 1;          // the policy's snapshot saves per upgrade
  std::uint64_t fresh_image_bytes = 0;  // the new release alone, no sessions
  std::string snapshot_path;            // where the server saves its image
  // --swarm added the run's crashes: the liveness budget was written without them, so what
  // each crash cost does not count against it (upgrade_outcome.cpp, liveness_deadline).
  bool crashes_added = false;
  std::string local_changes_report;  // where the server names the local changes it overwrote
  // A cluster sharing one staging directory: the batch rightly stays staged until every
  // image has saved the release (clean-completion judges staging from then on; never, when
  // one image never did).
  bool staging_shared = false;
  std::optional<sim::Time> staging_kept_until;
};

class Verdicts {
 public:
  // One report per oracle and place is enough to replay it.
  void violate(const std::string& oracle, const Mark& mark, std::string where, std::string why);
  void exercise(const std::string& oracle) { exercised.insert(oracle); }

  std::vector<Violation> violations;
  std::set<std::string> exercised;
};

void judge_requests(const Observation& obs, const OracleContext& ctx, Verdicts& verdicts);
void judge_upgrade_outcome(const Observation& obs, const OracleContext& ctx, Verdicts& verdicts);
void judge_durability(const Observation& obs, const OracleContext& ctx, Verdicts& verdicts);
void judge_local_changes(const Observation& obs, const OracleContext& ctx, Verdicts& verdicts);

// The cluster's own oracles, over every image's log (index = image).
void judge_cluster(const std::vector<Observation>& images, const OracleContext& ctx, Verdicts& verdicts);
// A rolling upgrade's: every image's release changes only while it is drained (rollout.cpp).
void judge_rollout(const std::vector<Observation>& images, Verdicts& verdicts);
// When the last image had durably saved `release` in every copy of its image (or, when a file
// operation failed in its saving poll, began the next poll, which finishes its cleanup);
// nullopt when one never did.
std::optional<sim::Time> saved_everywhere(const std::vector<Observation>& images, int release);

// Every oracle over one run, violations in the order they happened.
Verdicts judge(const Observation& obs, const OracleContext& ctx);

// The moment the upgrade was first asked for: the first deploy's trigger, if it was written.
inline std::optional<sim::Time> triggered_at(const Observation& obs) {
  return obs.triggers.empty() ? std::nullopt : std::optional<sim::Time>(obs.triggers.front());
}

}  // namespace scenarios
