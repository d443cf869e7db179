// The cluster's oracles, over the logs of all its images (scenarios/engine/cluster.hpp); every
// other oracle judges each image's own log.
//  - converged: once the liveness budget has elapsed after the last trigger, restart and
//    crash, every image is up and holds the last deploy's release (none left behind), and
//    from the first image to serve it to the last no more than [cluster] max_mixed_ms passed.
//  - version-skew: a session's requests never go back a release: once one ran on release r,
//    none of its later ones runs on an older one, whichever image serves it.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "scenarios/oracles/oracles.hpp"

namespace scenarios {

namespace {

std::string image_name(std::size_t i) { return fmt::format("image-{}", i); }

// When the image first held `release` after the first trigger (its live image).
std::optional<sim::Time> first_held(const Observation& obs, int release) {
  if (obs.triggers.empty()) return std::nullopt;
  for (const ImageChange& c : obs.image_changes)
    if (c.mark.at >= obs.triggers.front() && c.state.is(release)) return c.mark.at;
  return std::nullopt;
}

void judge_converged(const std::vector<Observation>& images, const OracleContext& ctx, Verdicts& verdicts) {
  int target = 0;
  sim::Time from{0};
  for (const Observation& o : images) {
    target = std::max(target, static_cast<int>(o.triggers.size()));
    if (!o.triggers.empty()) from = std::max(from, o.triggers.back());
    for (const BootSeen& b : o.boots) from = std::max(from, b.mark.at);
    for (const CrashSeen& c : o.crashes) from = std::max(from, c.mark.at);
  }
  // A batch the harness cannot install is bounded-retry's business, not convergence's.
  if (target == 0 || !ctx.releases.installable[static_cast<std::size_t>(target)]) return;
  const Mark& end = images.front().end;
  if (end.at - from < ctx.scenario.liveness) return;  // no time left to judge the end state
  verdicts.exercise("converged");
  std::vector<std::optional<sim::Time>> held;
  for (std::size_t i = 0; i < images.size(); ++i) {
    const Observation& o = images[i];
    held.push_back(first_held(o, target));
    if (!o.server_up)
      verdicts.violate("converged", o.end, image_name(i), "the image is down at the end of the run");
    else if (!o.final_image.is(target))
      verdicts.violate("converged", o.end, image_name(i),
                       fmt::format("left behind: it holds {} at the end of the run, not release {}",
                                   o.final_image.torn() ? "a mixture of releases" : fmt::format("release {}", o.final_image.release),
                                   target));
  }
  // The mixed-release window: from the first image on the release to the last.
  std::size_t first = images.size(), last = images.size();
  for (std::size_t i = 0; i < images.size(); ++i) {
    if (!held[i]) continue;
    if (first == images.size() || *held[i] < *held[first]) first = i;
    if (last == images.size() || *held[i] > *held[last]) last = i;
  }
  if (first == images.size()) return;
  // An image that never got there leaves the window open until the end.
  sim::Time closed = *held[last];
  std::string late = image_name(last);
  for (std::size_t i = 0; i < images.size(); ++i)
    if (!held[i]) closed = end.at, late = image_name(i);
  if (closed - *held[first] > ctx.scenario.max_mixed)
    verdicts.violate("converged", end, "cluster",
                     fmt::format("the images served different releases for {} ms ({} on release {} at {}, {} {}), more than "
                                 "max_mixed_ms = {}",
                                 (closed - *held[first]).count() / 1'000'000, image_name(first), target,
                                 sim::format_time(held[first]->count()), late,
                                 closed == end.at && !held[last] ? "never" : fmt::format("at {}", sim::format_time(closed.count())),
                                 ctx.scenario.max_mixed.count()));
}

void judge_version_skew(const std::vector<Observation>& images, Verdicts& verdicts) {
  // Each session's requests in its own order (a client sends one at a time).
  std::map<int, std::vector<const RequestSeen*>> by_session;
  for (const Observation& o : images)
    for (const RequestSeen& r : o.requests)
      if (r.result == RequestSeen::Result::Served) by_session[r.session].push_back(&r);
  std::optional<sim::Time> triggered;
  for (const Observation& o : images)
    if (!o.triggers_written.empty() && (!triggered || o.triggers_written.front() < *triggered)) triggered = o.triggers_written.front();
  for (auto& [session, requests] : by_session) {
    std::sort(requests.begin(), requests.end(), [](const RequestSeen* a, const RequestSeen* b) { return a->number < b->number; });
    const RequestSeen* newest = nullptr;  // the request that ran the newest release so far
    const RequestSeen* previous = nullptr;
    for (const RequestSeen* r : requests) {
      // Moved to another image once an upgrade was asked for: it could have met two releases.
      if (previous != nullptr && previous->image != r->image && triggered && r->start >= *triggered) verdicts.exercise("version-skew");
      previous = r;
      const ReleaseState& ran = r->image_at_end;
      if (ran.torn() || !(ran == r->image_at_start)) continue;  // torn or mid-upgrade: torn-request's business
      if (newest != nullptr && ran.release < newest->image_at_end.release)
        verdicts.violate("version-skew", r->mark, fmt::format("session-{}", session),
                         fmt::format("request {} ran on release {} ({}) after request {} ran on release {} ({})", r->number,
                                     ran.release, image_name(static_cast<std::size_t>(r->image)), newest->number,
                                     newest->image_at_end.release, image_name(static_cast<std::size_t>(newest->image))));
      if (newest == nullptr || ran.release > newest->image_at_end.release) newest = r;
    }
  }
}

}  // namespace

std::optional<sim::Time> saved_everywhere(const std::vector<Observation>& images, int release) {
  sim::Time latest{0};
  for (const Observation& o : images) {
    if (o.triggers.empty()) return std::nullopt;
    // Saved: every copy of the image the policy keeps holds the release durably.
    std::map<int, bool> copy_holds;
    std::optional<sim::Time> done;
    for (const SnapshotSeen& s : o.snapshots) {
      if (!s.durable) continue;
      copy_holds[s.copy] = s.state.is(release);
      if (s.mark.at >= o.triggers.front() && s.state.is(release) &&
          std::all_of(copy_holds.begin(), copy_holds.end(), [](const auto& c) { return c.second; })) {
        done = s.mark.at;
        break;
      }
    }
    if (!done) return std::nullopt;
    // A file operation that failed in the saving poll (its acknowledgement's fsync) leaves
    // that image's part of the cleanup to its next poll (one step, any process of the image:
    // clean-completion follows later failures itself from there).
    const PollSeen* next = first_poll(o, *done, *done);
    const FailedCleanup cleanup =
        failed_cleanup(o, *done, next != nullptr ? std::optional<sim::Time>(next->mark.at) : std::nullopt);
    sim::Time ready = *done;
    if (cleanup.failed != nullptr) ready = cleanup.redone_by != nullptr ? cleanup.redone_by->mark.at : cleanup.failed->mark.at;
    latest = std::max(latest, ready);
  }
  return latest;
}

void judge_cluster(const std::vector<Observation>& images, const OracleContext& ctx, Verdicts& verdicts) {
  if (images.size() < 2) return;
  judge_converged(images, ctx, verdicts);
  judge_version_skew(images, verdicts);
  if (ctx.scenario.rolling()) judge_rollout(images, verdicts);
}

}  // namespace scenarios
