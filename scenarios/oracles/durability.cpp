// What survives a crash, and what the disk holds.
//  - lost-upgrade (recoverable at restart): after a crash that came once the upgrade was
//    asked for (and not refused), every package of the release asked for (the last deploy
//    triggered before the crash) that a deploy uploaded is in the booted image or staged
//    whole, and if any is only staged, the trigger that loads it is there too, as deployed.
//  - restart-fidelity: the booted image is the one the snapshot on disk holds, and that is
//    the last snapshot made durable before the crash or one saved after it.
//  - cannot-boot: the server does not boot from what the crash left.
//  - torn-package: the image holds code attributed to a new package that differs from its
//    file (a partially written package was installed).
//  - image-growth: a snapshot saved after the deploy grew past the budget (vs the new
//    release alone). With the operator's cron job ([deploy] cron) the budget is the cron
//    save's: the snapshot each empty trigger after the deploy made (the post's 2am save "to
//    get back a smaller image") must be back within it, and an empty trigger the image never
//    saved for (within the liveness budget, the image up at the end) is a violation too;
//    saves under load before it are the trade-off the post accepts.
#include <fmt/format.h>

#include <algorithm>

#include "scenarios/oracles/oracles.hpp"

namespace scenarios {

namespace {

void judge_restarts(const Observation& obs, const OracleContext& ctx, Verdicts& verdicts) {
  for (const BootSeen& boot : obs.boots) {
    // The crash this boot recovers from: the last one before it (a crash during an earlier
    // recovery leaves that boot unfinished and unrecorded).
    const CrashSeen* last = nullptr;
    for (const CrashSeen& c : obs.crashes)
      if (c.mark.at <= boot.mark.at) last = &c;
    if (last == nullptr) continue;
    const CrashSeen& crash = *last;
    const bool image_rotted = std::any_of(obs.media_faults.begin(), obs.media_faults.end(), [&](const MediaFaultSeen& m) {
      return m.mark.at >= crash.mark.at && m.mark.at <= boot.mark.at && m.file == ctx.snapshot_path;
    });
    verdicts.exercise("cannot-boot");
    verdicts.exercise("restart-fidelity");
    if (!boot.ok) {
      verdicts.violate("cannot-boot", boot.mark, "restart", fmt::format("the image cannot boot: {}", boot.error));
      continue;
    }
    // Restart fidelity: the image on disk, and the right one.
    if (boot.disk_image && *boot.disk_image != boot.booted_image)
      verdicts.violate("restart-fidelity", boot.mark, "restart", "the booted image differs from the snapshot on disk");
    const SnapshotSeen* durable = nullptr;
    for (const auto& s : obs.snapshots)
      if (s.durable && s.mark.at <= crash.mark.at) durable = &s;
    if (durable != nullptr) {
      // The image on disk (the first copy that reads back, as the boot takes them): the last
      // durable snapshot or one saved after it, never bytes no save ever wrote.
      bool allowed = boot.disk_image && *boot.disk_image == durable->image_hash;
      for (const auto& s : obs.snapshots) {
        if (!s.disk_image_matches(boot)) continue;
        if (!s.durable && s.mark.at >= durable->mark.at && s.mark.at <= crash.mark.at) allowed = true;
        // The newest copy rotted: an older durable copy is the best anyone can boot.
        if (image_rotted && s.durable && s.mark.at <= crash.mark.at) allowed = true;
      }
      if (!allowed)
        verdicts.violate("restart-fidelity", boot.mark, "restart",
                         !boot.disk_snapshot ? fmt::format("the snapshot made durable at {} is gone; booted an empty image",
                                                           sim::format_time(durable->mark.at.count()))
                                             : fmt::format("booted neither the snapshot made durable at {} nor one saved after it",
                                                           sim::format_time(durable->mark.at.count())));
    }
    // Recoverable at restart: only once the upgrade was asked for, durably, and not refused;
    // judged against the release of the last deploy that had written its trigger.
    const auto asked = static_cast<int>(std::count_if(obs.triggers.begin(), obs.triggers.end(),
                                                      [&](sim::Time t) { return t <= crash.mark.at; }));
    if (asked == 0 || !obs.deploy_durable) continue;
    if (std::any_of(obs.server_ops.begin(), obs.server_ops.end(),
                    [&](const FileOpSeen& op) { return op.moved_aside && op.mark.at <= crash.mark.at; }))
      continue;
    verdicts.exercise("lost-upgrade");
    bool only_staged = false;
    for (const std::size_t k : ctx.releases.contents[static_cast<std::size_t>(asked)]) {
      const auto& pkg = ctx.releases.new_packages[k];
      const bool in_image = boot.state.held[k], staged = boot.staging.whole[k];
      if (!in_image && !staged)
        verdicts.violate("lost-upgrade", boot.mark, "restart",
                         fmt::format("{} {} is neither in the restarted image nor staged whole", pkg.name, pkg.version));
      only_staged = only_staged || (!in_image && staged);
    }
    if (only_staged && !boot.staging.trigger)
      verdicts.violate("lost-upgrade", boot.mark, "restart",
                       "packages are staged but the trigger that would load them is gone or changed");
  }
}

}  // namespace

void judge_durability(const Observation& obs, const OracleContext& ctx, Verdicts& verdicts) {
  judge_restarts(obs, ctx, verdicts);

  if (std::any_of(obs.server_ops.begin(), obs.server_ops.end(), [](const FileOpSeen& op) { return op.partial; }))
    verdicts.exercise("torn-package");
  for (const TornSeen& t : obs.torn) verdicts.violate("torn-package", t.mark, t.package, t.what);

  const Scenario& sc = ctx.scenario;
  if (sc.max_image_growth <= 0 || ctx.fresh_image_bytes == 0 || !obs.deploy_started) return;
  std::vector<const SnapshotSeen*> judged;
  if (sc.cron) {
    for (const sim::Time t : obs.save_triggers) {
      if (t < *obs.deploy_started) continue;
      const auto saved = std::find_if(obs.snapshots.begin(), obs.snapshots.end(),
                                      [&](const SnapshotSeen& s) { return !s.durable && s.mark.at >= t; });
      if (saved != obs.snapshots.end()) {
        judged.push_back(&*saved);
      } else if (obs.server_up && t + sc.liveness <= obs.end.at) {
        // No save at all: the image keeps whatever it grew to under load until the next night.
        verdicts.exercise("image-growth");
        verdicts.violate("image-growth", obs.end, "image.snapshot",
                         fmt::format("the cron job's empty trigger at {} brought no save within the {} ms liveness budget",
                                     sim::format_time(t.count()), sc.liveness.count()));
      }
    }
  } else {
    for (const auto& s : obs.snapshots)
      if (!s.durable && s.mark.at >= *obs.deploy_started) judged.push_back(&s);
  }
  const SnapshotSeen* largest = nullptr;
  for (const SnapshotSeen* s : judged)
    if (largest == nullptr || s->bytes > largest->bytes) largest = s;
  if (largest == nullptr) return;
  verdicts.exercise("image-growth");
  const double growth = static_cast<double>(largest->bytes) / static_cast<double>(ctx.fresh_image_bytes);
  if (growth > sc.max_image_growth)
    verdicts.violate("image-growth", largest->mark, "image.snapshot",
                     fmt::format("{}saved image of {} bytes is {:.2f}x the fresh image ({} bytes), budget {:.2f}x",
                                 sc.cron ? "the cron job's " : "", largest->bytes, growth, ctx.fresh_image_bytes,
                                 sc.max_image_growth));
}

}  // namespace scenarios
