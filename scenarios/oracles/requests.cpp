// The requests' oracles: what a user of the server sees while it upgrades.
//  - torn-request: a request ran code of two releases that no one release holds together
//    (with two releases: code only the old one has and code only the new one has).
//  - dnu-by-upgrade: a request failed and did not run entirely on the old release (so the
//    upgrade, not the app, broke it); failures on the old release alone are the app's own
//    (app-error, which always fails a suite).
//  - lost-session: a client's session was not in the image when its request arrived,
//    although the session had not been idle past its timeout (only housekeeping may drop it).
//  - pause-budget: the server's own work held a request back longer than the budget.
#include <fmt/format.h>

#include "scenarios/oracles/oracles.hpp"

namespace scenarios {

namespace {

std::string where(const RequestSeen& r) { return fmt::format("session-{} request {} #{}", r.session, r.number, r.selector); }

long long ms(sim::Duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

}  // namespace

void judge_requests(const Observation& obs, const OracleContext& ctx, Verdicts& verdicts) {
  const Scenario& sc = ctx.scenario;
  // Lost sessions can show only once the image was saved or restarted after the deploy.
  std::optional<sim::Time> sessions_at_risk;
  for (const auto& s : obs.snapshots)
    if (obs.deploy_started && s.mark.at >= *obs.deploy_started) {
      sessions_at_risk = s.mark.at;
      break;
    }
  if (!obs.boots.empty() && (!sessions_at_risk || obs.boots.front().mark.at < *sessions_at_risk))
    sessions_at_risk = obs.boots.front().mark.at;

  for (const RequestSeen& r : obs.requests) {
    if (r.torn) verdicts.violate("torn-request", r.mark, where(r), r.ran);  // even if it died after
    if (r.result == RequestSeen::Result::Refused) continue;
    if (r.overlapped_upgrade()) {
      verdicts.exercise("torn-request");
      verdicts.exercise("dnu-by-upgrade");
    }
    if (r.met_server_work) verdicts.exercise("pause-budget");  // it could have been held
    if (sessions_at_risk && r.start >= *sessions_at_risk) verdicts.exercise("lost-session");

    if (r.result == RequestSeen::Result::Failed) {
      if (!r.session_present) {
        if (r.idle <= sc.session_timeout) verdicts.violate("lost-session", r.mark, where(r), r.error);
      } else if (r.overlapped_upgrade() || !r.image_at_start.is_old()) {
        verdicts.violate("dnu-by-upgrade", r.mark, where(r), r.error);
      } else {
        verdicts.violate("app-error", r.mark, where(r), fmt::format("failed on the old release alone: {}", r.error));
      }
    }
    if (r.held > sc.max_pause)
      verdicts.violate("pause-budget", r.mark, where(r),
                       fmt::format("held back {} ms by the upgrade, budget {} ms", ms(r.held), sc.max_pause.count()));
  }
}

}  // namespace scenarios
