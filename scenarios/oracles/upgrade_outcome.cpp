// The upgrade's outcome, judged on the end state and on what the server did with the batch.
// With several deploys (N -> N+1 -> N+2), the end state is judged against the release of
// the last deploy that wrote its trigger, and liveness from every trigger.
//  - eventual-upgrade: a batch that was completely staged and that the harness itself
//    installs (dependency order, from the files) is in the image at the end of the run,
//    after the last restart (judged when the run left the liveness budget after the last
//    trigger, the last restart and the last crash).
//  - refused-good-batch: an installable, completely staged batch was moved out of staging
//    (quarantined) instead of installed.
//  - bounded-retry: a batch that cannot be installed is tried exactly max_tries times
//    (counted from outside: polls that read a batch file or the trigger, in any process)
//    before it is moved aside; a crash may add one interrupted try, and so may a poll in
//    which a file operation failed.
//  - clean-completion: one poll period after the new release was durably saved (in every
//    copy of the image the policy keeps), the trigger and the batch's files are gone from
//    staging and none sits in quarantine (a poll later when a file operation failed after the
//    save); the batch is never read again; the upgrade cost at
//    most the snapshot saves the policy declares (when none of its file operations failed).
//    With several deploys, each deploy's batch files once its release is saved, the rest
//    for the last deploy.
//  - liveness: a triggered upgrade completes or reports failure (moves the batch aside)
//    within the budget (plus, for crashes --swarm added, what each cost: see
//    liveness_deadline), and once the upload is complete the trigger is not left staged for
//    more than max_retries_without_report poll periods of uptime with nothing done.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "scenarios/oracles/oracles.hpp"

namespace scenarios {

namespace {

long long secs(sim::Duration d) { return std::chrono::duration_cast<std::chrono::seconds>(d).count(); }

const FileOpSeen* first_moved_aside(const Observation& obs, sim::Time from) {
  for (const auto& op : obs.server_ops)
    if (op.moved_aside && op.mark.at >= from) return &op;
  return nullptr;
}

// When deploy d's upgrade settled: the live image first held its release (or a later one),
// or a batch was moved aside.
std::optional<sim::Time> settled_at(const Observation& obs, int deploy) {
  const sim::Time triggered = obs.triggers[static_cast<std::size_t>(deploy - 1)];
  std::optional<sim::Time> at;
  // A later deploy's release can be in the image before its trigger is: a policy that loads
  // every staged file took it with the deploy before.
  if (deploy > 1) {
    const ImageChange* before = nullptr;
    for (const auto& c : obs.image_changes)
      if (c.mark.at <= triggered) before = &c;
    if (before != nullptr && before->state.release >= deploy) at = triggered;
  }
  for (const auto& c : obs.image_changes)
    if (!at && c.mark.at >= triggered && c.state.release >= deploy) {
      at = c.mark.at;
      break;
    }
  if (const FileOpSeen* q = first_moved_aside(obs, triggered); q != nullptr && (!at || q->mark.at < *at)) at = q->mark.at;
  return at;
}

// The first empty trigger the operator's cron job staged after `from`, or the end of the run:
// past it, a staged or read trigger and a snapshot save are the cron job's, not the upgrade's.
sim::Time next_save_trigger(const Observation& obs, sim::Time from) {
  for (const sim::Time t : obs.save_triggers)
    if (t > from) return t;
  return obs.end.at + sim::Duration(1);
}

int crashes_between(const Observation& obs, sim::Time from, sim::Time to) {
  return static_cast<int>(std::count_if(obs.crashes.begin(), obs.crashes.end(),
                                        [&](const CrashSeen& c) { return c.mark.at >= from && c.mark.at <= to; }));
}

// The liveness deadline: the budget after the trigger. When --swarm added the crashes (the
// budget was written for a run without them), plus what each crash before it cost: its
// restart delay, a poll period until the restarted loader's first poll, and the time since its
// last poll began (at most a period); without it a crash late in a long build fails every
// policy, however sound. A scenario's own crashes get no such allowance: its budget was
// written for them (a policy that redoes its tries after each crash must still miss it).
sim::Time liveness_deadline(const Observation& obs, const OracleContext& ctx, sim::Time triggered) {
  const Scenario& sc = ctx.scenario;
  sim::Time deadline = triggered + sc.liveness;
  if (!ctx.crashes_added) return deadline;
  for (const CrashSeen& c : obs.crashes) {  // in time order: each extension may reach the next crash
    if (c.mark.at < triggered || c.mark.at > deadline) continue;
    sim::Duration lost{0};
    for (const PollSeen& p : obs.polls)
      if (p.process == c.process && p.mark.at <= c.mark.at) lost = c.mark.at - p.mark.at;
    deadline += sc.restart_delay + sc.poll_period + std::min<sim::Duration>(lost, sc.poll_period);
  }
  return deadline;
}

// Every deploy that wrote its trigger: its upgrade settles within the budget.
void judge_liveness(const Observation& obs, const OracleContext& ctx, Verdicts& verdicts) {
  const Scenario& sc = ctx.scenario;
  std::vector<std::optional<sim::Time>> settled;  // per deploy, from 1
  for (int d = 1; d <= static_cast<int>(obs.triggers.size()); ++d) {
    const sim::Time triggered = obs.triggers[static_cast<std::size_t>(d - 1)];
    settled.push_back(settled_at(obs, d));
    const sim::Time deadline = liveness_deadline(obs, ctx, triggered);
    if (settled.back() || obs.end.at >= deadline) verdicts.exercise("liveness");
    if (obs.end.at >= deadline && (!settled.back() || *settled.back() > deadline))
      verdicts.violate("liveness", obs.end, d == 1 ? "upgrade" : fmt::format("upgrade {}", d),
                       fmt::format("triggered at {}, neither completed nor reported failure within {} ms{}",
                                   sim::format_time(triggered.count()), sc.liveness.count(),
                                   deadline > triggered + sc.liveness
                                       ? fmt::format(" (by {}, with what its crashes cost)", sim::format_time(deadline.count()))
                                       : ""));
  }
  // The trigger left staged, poll after poll, with the upload complete and nothing done.
  std::optional<sim::Time> staged_since;
  int staged_for = 0;  // the deploy whose trigger it is: the last one written by then
  for (const PollSeen& p : obs.polls) {
    const auto d = static_cast<int>(std::count_if(obs.triggers.begin(), obs.triggers.end(),
                                                  [&](sim::Time t) { return t <= p.mark.at; }));
    const auto& done = d > 0 ? settled[static_cast<std::size_t>(d - 1)] : std::nullopt;
    const bool waiting = d > 0 && p.staging.any_trigger && !(done && *done <= p.mark.at);
    if (!waiting || d != staged_for) staged_since.reset();
    if (!waiting) continue;
    if (!staged_since) staged_since = p.mark.at, staged_for = d;
    // Time the server was down does not count: each crash since adds its restart delay and
    // the period until the restarted loader's first poll.
    const auto downtime = (sc.restart_delay + sc.poll_period) * crashes_between(obs, *staged_since, p.mark.at);
    if (p.mark.at - *staged_since > sc.poll_period * sc.max_retries_without_report + downtime) {
      verdicts.exercise("liveness");  // tripped, so it could be, whether or not the run outlasted the deadline
      verdicts.violate("liveness", p.mark, "staging",
                       fmt::format("the trigger has been staged for {} s: retried over and over, never reported",
                                   secs(p.mark.at - *staged_since)));
    }
  }
}

// Judged against the release of the last deploy that wrote its trigger.
void judge_eventual(const Observation& obs, const OracleContext& ctx, Verdicts& verdicts) {
  const int last = static_cast<int>(obs.triggers.size());
  if (!ctx.releases.installable[static_cast<std::size_t>(last)]) return;
  const sim::Time first = obs.triggers.front();
  verdicts.exercise("refused-good-batch");
  if (const FileOpSeen* q = first_moved_aside(obs, first))
    verdicts.violate("refused-good-batch", q->mark, q->path,
                     fmt::format("{} although the harness installs the whole batch in dependency order",
                                 q->op == "rename" ? "moved to " + q->to : "copied into quarantine"));
  // Judged once the budget has elapsed after the last restart, and after the last crash: a
  // server still down from a crash just before the end has had no restart yet.
  sim::Time from = obs.triggers.back();
  for (const auto& b : obs.boots) from = std::max(from, b.mark.at);
  for (const auto& c : obs.crashes) from = std::max(from, c.mark.at);
  if (obs.end.at - from < ctx.scenario.liveness) return;  // not enough time left to judge the end state
  verdicts.exercise("eventual-upgrade");
  if (!obs.server_up)
    verdicts.violate("eventual-upgrade", obs.end, "end of run", "the server is down at the end of the run");
  else if (!obs.final_image.is(last))
    verdicts.violate("eventual-upgrade", obs.end, "end of run",
                     ctx.releases.last() == 1
                         ? fmt::format("the image holds {} of the {} new packages at the end of the run", obs.final_image.count(),
                                       obs.final_image.held.size())
                         : fmt::format("the image holds {} at the end of the run, not release {} (deploy {}'s)",
                                       obs.final_image.torn() ? "a mixture of releases" : fmt::format("release {}", obs.final_image.release),
                                       last, last));
}

// The first deploy whose batch the harness cannot install (on the release before it) is
// tried exactly max_tries times.
void judge_bounded_retry(const Observation& obs, const OracleContext& ctx, Verdicts& verdicts) {
  int broken = 0;
  for (int d = 1; d <= static_cast<int>(obs.triggers.size()) && broken == 0; ++d)
    if (!ctx.releases.installable[static_cast<std::size_t>(d)]) broken = d;
  if (broken == 0) return;
  const sim::Time triggered = obs.triggers[static_cast<std::size_t>(broken - 1)];
  verdicts.exercise("bounded-retry");
  const FileOpSeen* aside = first_moved_aside(obs, triggered);
  const sim::Time until = std::min(aside ? aside->mark.at : obs.end.at, next_save_trigger(obs, triggered));
  std::set<std::pair<int, int>> attempts;  // (process, poll)
  for (const auto& op : obs.server_ops) {
    const bool batch =
        op.trigger || (op.batch_file >= 0 && ctx.releases.deploy_of[static_cast<std::size_t>(op.batch_file)] == broken);
    if (op.op == "read" && batch && op.mark.at >= triggered && op.mark.at <= until) attempts.emplace(op.process, op.poll);
  }
  const int tries = static_cast<int>(attempts.size());
  const int limit = ctx.scenario.max_tries;
  const int crashes = crashes_between(obs, triggered, until);
  // A poll in which a file operation failed (a full or failing disk) may add one too: the
  // try's count or the quarantine could not be written, and is written again next poll.
  // (An operation the process died in counts as failed too; that is the crash's one.)
  std::map<int, std::size_t> last_op;  // process -> index of its last operation
  for (std::size_t i = 0; i < obs.server_ops.size(); ++i) last_op[obs.server_ops[i].process] = i;
  auto died_in = [&](std::size_t i) {
    const int process = obs.server_ops[i].process;
    return last_op[process] == i &&
           std::any_of(obs.crashes.begin(), obs.crashes.end(), [&](const CrashSeen& c) { return c.process == process; });
  };
  std::set<std::pair<int, int>> faulted;
  for (std::size_t i = 0; i < obs.server_ops.size(); ++i) {
    const auto& op = obs.server_ops[i];
    if (op.failed && op.mark.at >= triggered && op.mark.at <= until && !died_in(i)) faulted.emplace(op.process, op.poll);
  }
  const int extra = crashes + static_cast<int>(faulted.size());
  std::string slack;
  if (crashes > 0) slack = fmt::format("{} for crashes", crashes);
  if (!faulted.empty()) slack += fmt::format("{}{} for polls with failed file operations", slack.empty() ? "" : ", ", faulted.size());
  if (!slack.empty()) slack = fmt::format(" (+{})", slack);
  if (aside && (tries < limit || tries > limit + extra))
    verdicts.violate("bounded-retry", aside->mark, aside->path,
                     fmt::format("moved aside after {} tries; the limit is {}{}", tries, limit, slack));
  if (!aside && tries > limit + extra)
    verdicts.violate("bounded-retry", obs.end, "staging",
                     fmt::format("tried {} times, limit {}{}, never moved aside", tries, limit, slack));
}

// Deploy d's upgrade, once its release (for the last deploy: exactly the last release) is
// durably saved: its batch files are gone and not read again one poll period later; the
// last deploy's trigger is gone too, nothing sits in quarantine, and the saves are counted.
void judge_clean_completion_of(const Observation& obs, const OracleContext& ctx, int deploy, Verdicts& verdicts) {
  const bool last = deploy == static_cast<int>(obs.triggers.size());
  const sim::Time triggered = obs.triggers[static_cast<std::size_t>(deploy - 1)];
  // Saved: every copy of the image the policy keeps holds the release durably. Until the last
  // one does, a policy with two copies rightly keeps staging (if the newer copy rots, the
  // boot takes the other one, and the staged batch is what restores the upgrade).
  auto holds = [&](const ReleaseState& st) { return last ? st.is(deploy) : st.release >= deploy; };
  const SnapshotSeen* done = nullptr;
  std::map<int, bool> copy_holds;  // copy -> whether its latest durable state holds the release
  for (const auto& s : obs.snapshots) {
    if (!s.durable) continue;
    copy_holds[s.copy] = holds(s.state);
    if (s.mark.at >= triggered && holds(s.state) &&
        std::all_of(copy_holds.begin(), copy_holds.end(), [](const auto& c) { return c.second; })) {
      done = &s;
      break;
    }
  }
  if (done == nullptr) return;
  verdicts.exercise("clean-completion");
  const int proc = done->process;
  // Shared staging in a cluster: judged a poll period after the last image saved the release.
  if (ctx.staging_shared && !ctx.staging_kept_until) return;
  const sim::Time deadline = std::max(done->mark.at, ctx.staging_kept_until.value_or(done->mark.at)) + ctx.scenario.poll_period;
  if (std::any_of(obs.crashes.begin(), obs.crashes.end(),
                  [&](const CrashSeen& c) { return c.process == proc && c.mark.at <= deadline; }))
    return;  // the server did not stay up for a poll period
  // The upgrade's cost in snapshot saves, by the process that completed it, when nothing
  // failed (a save that failed is written again). Counted for the last deploy: an earlier
  // upgrade's saves are counted up to the end of the run with it.
  const bool op_failed = std::any_of(obs.server_ops.begin(), obs.server_ops.end(), [&](const FileOpSeen& op) {
    return op.failed && op.process == proc && op.mark.at >= triggered && op.mark.at <= done->mark.at;
  });
  const sim::Time cron = next_save_trigger(obs, triggered);
  const auto saves = std::count_if(obs.snapshots.begin(), obs.snapshots.end(), [&](const SnapshotSeen& s) {
    return !s.durable && s.process == proc && s.mark.at >= triggered && s.mark.at < cron;
  });
  if (last && !op_failed && saves > ctx.declared_saves)
    verdicts.violate("clean-completion", obs.end, "image.snapshot",
                     fmt::format("the upgrade saved the snapshot {} times; the policy declares {}", saves, ctx.declared_saves));
  // Staging one poll period later: the first poll at or after the deadline, or the end.
  // A file operation that failed after the save (EIO, ENOSPC) leaves the cleanup to the next
  // poll: then staging is judged at the poll after that one (a poll sees staging as the
  // previous one left it).
  // Each failed cleanup before the judged poll moves it past the poll that redoes it.
  const PollSeen* judged_at = first_poll(obs, deadline, std::nullopt, proc);
  bool retry_ran = true;  // the poll that redoes a failed cleanup ran before the end
  for (;;) {
    const sim::Time until = judged_at != nullptr ? judged_at->mark.at : obs.end.at + sim::Duration(1);
    const FailedCleanup cleanup = failed_cleanup(obs, done->mark.at, until, proc);
    if (cleanup.failed == nullptr) break;
    const PollSeen* retry = cleanup.redone_by;
    retry_ran = retry != nullptr;
    const PollSeen* after = retry != nullptr ? first_poll(obs, deadline, retry->mark.at, proc) : nullptr;
    if (after != nullptr && judged_at != nullptr && after->mark.at <= judged_at->mark.at) break;
    judged_at = after;
    if (after == nullptr) break;
  }
  const StagingSeen* staging = nullptr;
  Mark seen = obs.end;
  if (judged_at != nullptr) {
    staging = &judged_at->staging;
    seen = judged_at->mark;
  } else {
    if (!retry_ran || obs.end.at < deadline || !obs.server_up || obs.last_process != proc) return;
    staging = &obs.final_staging;
  }
  const auto& of = ctx.releases.deploy_of;
  auto ours = [&](int batch_file) { return batch_file >= 0 && of[static_cast<std::size_t>(batch_file)] == deploy; };
  // With trigger = "early" the next deploy writes its trigger before its upload completes
  // (once this one's trigger is gone): from then on a staged or read trigger is not ours.
  const auto& written = obs.triggers_written;
  auto trigger_ours_at = [&](sim::Time t) {
    return last && t < cron && (static_cast<int>(written.size()) <= deploy || t < written[static_cast<std::size_t>(deploy)]);
  };
  int present = 0;  // this deploy's batch files, whole or not
  for (std::size_t k = 0; k < staging->there.size(); ++k) present += staging->there[k] && ours(static_cast<int>(k));
  const bool trigger = staging->any_trigger && trigger_ours_at(seen.at);
  if (trigger || present > 0)
    verdicts.violate("clean-completion", seen, "staging",
                     fmt::format("{} s after the {} was saved, staging still holds {}{}", secs(seen.at - done->mark.at),
                                 last ? "new release" : fmt::format("release of deploy {}", deploy), trigger ? "the trigger" : "",
                                 present > 0 ? fmt::format("{}{} batch files", trigger ? " and " : "", present) : ""));
  // Only what was moved aside once a deploy began: a leftover trigger quarantined long before
  // (a deploy late in the run, cron-save's at 00:15) is not the installed batch.
  if (last && staging->quarantined && obs.deploy_started && first_moved_aside(obs, *obs.deploy_started) != nullptr)
    verdicts.violate("clean-completion", seen, "quarantine", "the installed batch sits in quarantine");
  // The process that saved the release never reads its batch files again (a poll that only
  // finishes a failed cleanup reads the trigger, not the packages); after the judged poll it
  // reads neither.
  for (const auto& op : obs.server_ops)
    if (op.process == proc && op.op == "read" &&
        ((op.mark.at > done->mark.at && ours(op.batch_file)) ||
         (op.mark.at > seen.at && op.trigger && trigger_ours_at(op.mark.at))))
      verdicts.violate("clean-completion", op.mark, op.path, "the completed batch was read again");
}

void judge_clean_completion(const Observation& obs, const OracleContext& ctx, Verdicts& verdicts) {
  for (int d = 1; d <= static_cast<int>(obs.triggers.size()); ++d) judge_clean_completion_of(obs, ctx, d, verdicts);
}

}  // namespace

void judge_upgrade_outcome(const Observation& obs, const OracleContext& ctx, Verdicts& verdicts) {
  if (obs.triggers.empty()) return;  // nothing was asked for: every outcome oracle is vacuous
  judge_liveness(obs, ctx, verdicts);
  judge_eventual(obs, ctx, verdicts);
  judge_bounded_retry(obs, ctx, verdicts);
  judge_clean_completion(obs, ctx, verdicts);
}

}  // namespace scenarios
