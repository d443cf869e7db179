// The rolling upgrade's own oracle (scenarios/engine/rollout.hpp), over every image's log:
//  - drained-upgrade: an image's live release changes only while the rollout has it out of
//    the balancer and no request of its own is in flight there. A change while in service
//    (the image upgraded before its turn, or after the rollout had put it back) or under a
//    request (the drain timed out) is an upgrade users met, which a rollout exists to avoid;
//    out of turn it is also two images upgrading at once. A process's first look at its
//    image (its boot) is not a change. Exercised when an image's release changed at all.
#include <fmt/format.h>

#include <map>

#include "scenarios/oracles/oracles.hpp"

namespace scenarios {

namespace {

bool out_of_service(const Observation& obs, const Mark& at) {
  for (const DrainSeen& d : obs.drains)
    if (d.from.step <= at.step && (!d.to || at.step <= d.to->step)) return true;
  return false;
}

// A request of this image under way when its image changed (it arrived before and ended after).
const RequestSeen* in_flight(const Observation& obs, const Mark& at) {
  for (const RequestSeen& r : obs.requests)
    if (r.start <= at.at && r.mark.step > at.step) return &r;
  return nullptr;
}

}  // namespace

void judge_rollout(const std::vector<Observation>& images, Verdicts& verdicts) {
  for (std::size_t i = 0; i < images.size(); ++i) {
    const Observation& obs = images[i];
    std::map<int, const ReleaseState*> last;  // per process: what it held
    for (const ImageChange& c : obs.image_changes) {
      auto [it, first] = last.try_emplace(c.process, &c.state);
      if (first) continue;
      if (*it->second == c.state) continue;
      it->second = &c.state;
      verdicts.exercise("drained-upgrade");
      const std::string now = c.state.torn() ? "a mixture of releases" : fmt::format("release {}", c.state.release);
      const std::string where = fmt::format("image-{}", i);
      if (!out_of_service(obs, c.mark)) {
        verdicts.violate("drained-upgrade", c.mark, where,
                         fmt::format("its live image changed to {} at {} while it was in service (the rollout had not drained it)",
                                     now, sim::format_time(c.mark.at.count())));
      } else if (const RequestSeen* r = in_flight(obs, c.mark)) {
        verdicts.violate("drained-upgrade", c.mark, where,
                         fmt::format("its live image changed to {} at {} under request {} of session-{} (the drain did not wait for it)",
                                     now, sim::format_time(c.mark.at.count()), r->number, r->session));
      }
    }
  }
}

}  // namespace scenarios
