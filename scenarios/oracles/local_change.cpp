// Local changes: methods typed into the production image (a hot fix made in a browser, in
// no package). The post assumes there are none; an upgrade that replaces one loses it for
// good, since nothing staged or packaged holds it.
//  - lost-local-change: a live image stopped running a local change and, at the end of the
//    run, it is not back in the image and nothing on disk names it (the server's
//    local-change report, one line "Class>>selector: ..." per method). Overwriting is the
//    batch's right; doing it without saying so is the violation. Exercised when a deploy
//    that wrote its trigger uploads a package defining the method.
#include <fmt/format.h>

#include <algorithm>

#include "scenarios/oracles/oracles.hpp"

namespace scenarios {

namespace {

bool redefined_by_a_deploy(const LocalChangeSeen& change, const Observation& obs, const Releases& releases) {
  for (std::size_t k = 0; k < releases.new_packages.size(); ++k) {
    if (releases.deploy_of[k] > static_cast<int>(obs.triggers.size())) continue;  // never asked for
    const auto& methods = releases.new_packages[k].methods;
    if (std::any_of(methods.begin(), methods.end(), [&](const upgrader::MethodDef& m) {
          return m.class_name == change.class_name && m.selector == change.selector;
        }))
      return true;
  }
  return false;
}

}  // namespace

void judge_local_changes(const Observation& obs, const OracleContext& ctx, Verdicts& verdicts) {
  for (const LocalChangeSeen& change : obs.local_changes) {
    if (redefined_by_a_deploy(change, obs, ctx.releases)) verdicts.exercise("lost-local-change");
    if (!change.lost || change.in_final_image || change.reported) continue;
    verdicts.violate("lost-local-change", *change.lost, change.method,
                     fmt::format("{}, typed into the image and in no package, stopped running at {} and nothing names it "
                                 "(no line for it in {})",
                                 change.method, sim::format_time(change.lost->at.count()), ctx.local_changes_report));
  }
}

}  // namespace scenarios
