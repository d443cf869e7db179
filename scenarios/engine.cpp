#include "scenarios/engine.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "scenarios/engine/deployer.hpp"
#include "scenarios/engine/fault_plan.hpp"
#include "scenarios/engine/load_generator.hpp"
#include "scenarios/engine/recorder.hpp"
#include "scenarios/engine/server_processes.hpp"
#include "scenarios/swarm.hpp"
#include "upgrader/local_change.hpp"
#include "upgrader/snapshot.hpp"

namespace scenarios {

bool RunReport::fired(const std::string& oracle) const {
  return std::any_of(violations.begin(), violations.end(), [&](const Violation& v) { return v.oracle == oracle; });
}

upgrader::ServerConfig server_config(const Scenario& sc) {
  upgrader::ServerConfig c;
  c.poll_period = sc.poll_period;
  c.compile_cost_per_method = sc.compile_per_method;
  c.session_timeout = sc.session_timeout;
  c.max_tries = sc.max_tries;
  return c;
}

std::uint64_t fresh_image_bytes(const Releases& releases) {
  upgrader::Image fresh;
  for (int d = 1; d <= releases.last(); ++d) {
    std::vector<upgrader::Package> batch;
    for (const std::size_t k : releases.uploaded_by(d)) batch.push_back(releases.new_packages[k]);
    install_in_dependency_order(fresh, batch);
  }
  return upgrader::encode_snapshot(fresh).size();
}

namespace {

constexpr int kOutside = 100;  // deployer, power: other processes, never held up by the image

upgrader::PolicyFactory policy_factory(const Scenario& sc, const std::string& policy) {
  if (upgrader::make_policy(policy) == nullptr)
    throw ScenarioError(sc.path, 0, fmt::format("unknown policy \"{}\"; expected one of {}", policy,
                                                fmt::join(upgrader::policy_names(), ", ")));
  return [policy] { return upgrader::make_policy(policy); };
}

sim::WorldConfig world_config(const Scenario& sc, const RunSettings& st) {
  sim::WorldConfig c;
  c.seed = st.seed;
  c.replay = st.replay;
  c.strategy = st.strategy;
  c.limits.deadline = sc.duration;
  c.keep_trace_events = st.keep_trace;
  // [filesystem] model: parsed and validated by the scenario parser, so always a known name.
  c.fs.model = *sim::parse_fs_model(sc.fs_model);
  return c;
}

class Run {
 public:
  Run(const Scenario& sc, const std::string& policy, const RunSettings& st, Judging judging)
      : sc_(sc), policy_(policy), st_(st), releases_(read_releases(sc.app_dir, sc.old_packages, sc.new_packages, sc.next_packages)),
        world_(world_config(sc, st)),
        processes_(world_, server_config(sc), policy_factory(sc, policy)),
        recorder_(world_, releases_, processes_.config(), judging == Judging::On),
        load_(world_, sc_, releases_, processes_, recorder_) {
    processes_.on_start([this](ServerProcess& p) { recorder_.attach(p); });
  }

  RunReport go() {
    ServerProcess& production = boot_production_image();
    deployer_.emplace(world_, sc_, releases_, processes_, recorder_, production.server->policy().trigger_format());
    deployer_->stage_leftovers();
    faults_.emplace(world_, sc_, st_, processes_, recorder_, *deployer_);
    faults_->watch(production);

    load_.at_yield_point = [this](const std::string& point) { reached(point); };
    load_.spawn_clients(processes_.config().request_priority);
    if (st_.upgrade_at_point.empty()) {
      deployer_->spawn(kOutside);
    } else {  // the first deploy starts at the update point; later ones at their times
      deployer_->stage_whole_batch();
      deployer_->spawn(kOutside, 2);
    }
    faults_->spawn(kOutside);
    deployer_->spawn_cron(kOutside);

    report_.run = world_.run();
    judge();
    return std::move(report_);
  }

 private:
  // The server in production: the old release installed, sessions open, image saved.
  ServerProcess& boot_production_image() {
    world_.fs().mkdir(processes_.config().staging_dir);
    world_.fs().fsync_dir(".");
    ServerProcess& p = processes_.start();
    p.server->boot();
    if (auto failed = install_in_dependency_order(p.server->image(), releases_.old_packages); !failed.empty())
      throw ScenarioError(sc_.path, 0, fmt::format("the old release does not install: {}", failed.front()));
    type_in_local_change(p);
    load_.open_sessions(p, st_.sessions.value_or(sc_.sessions));
    p.server->save();
    p.server->start_watcher();
    processes_.make_current(p);
    return p;
  }

  // A hot fix typed into the production image before it was saved ([app] local_change).
  void type_in_local_change(ServerProcess& p) {
    if (sc_.local_change.empty()) return;
    try {
      const upgrader::Package hotfix = read_package_file(sc_.app_dir + "/" + sc_.local_change);
      upgrader::type_in_methods(p.server->image(), hotfix);
      recorder_.local_change_typed_in(hotfix);
    } catch (const std::exception& e) {  // PackageError, LoadError: file:line of the hot fix
      throw ScenarioError(sc_.path, 0, fmt::format("[app] local_change: {}", e.what()));
    }
  }

  // Update points: the distinct send sites the load reaches before the deploy, and the
  // upgrade started at the chosen one, the first time a request reaches it after the deploy.
  void reached(const std::string& point) {
    if (world_.now() < sc_.deploy_at &&
        std::find(report_.yield_points.begin(), report_.yield_points.end(), point) == report_.yield_points.end())
      report_.yield_points.push_back(point);
    if (point != st_.upgrade_at_point || report_.upgrade_started_at_point || world_.now() < sc_.deploy_at) return;
    ServerProcess* p = processes_.current();
    if (p == nullptr) return;
    // The trigger appears and the loader polls now, at its priority; the request resumes
    // from this yield point when the scheduler lets it.
    report_.upgrade_started_at_point = true;
    deployer_->trigger_now();
    p->runtime->spawn("upgrade at point", p->server->policy().loader_priority(processes_.config().request_priority),
                      [p] { p->server->poll_once(); });
  }

  void judge() {
    const Observation obs = recorder_.finish(processes_.current());
    const OracleContext ctx{sc_, releases_, processes_.first().server->policy().snapshot_saves_per_upgrade(),
                            fresh_image_bytes(releases_), processes_.config().snapshot, swarm_adds_crashes(st_.swarm),
                            processes_.config().local_changes_report};
    Verdicts verdicts;
    if (recorder_.enabled()) verdicts = scenarios::judge(obs, ctx);
    const auto& outcome = report_.run.outcome;
    if (outcome == sim::Outcome::Failed || outcome == sim::Outcome::Deadlock || outcome == sim::Outcome::StepLimit)
      verdicts.violate("app-error", recorder_.mark(), "world", report_.run.summary());

    report_.scenario = sc_.name;
    report_.policy = policy_;
    report_.seed = st_.seed;
    report_.strategy = st_.strategy;
    report_.violations = std::move(verdicts.violations);
    report_.exercised = std::move(verdicts.exercised);
    report_.fresh_image_bytes = ctx.fresh_image_bytes;
    report_.requests_ok = load_.requests_ok;
    report_.requests_refused = load_.requests_refused;
    report_.crashed = faults_->crashed();
    report_.crashes = faults_->crashes();
    report_.crash_decisions = faults_->first_crash();
    report_.server_fs_ops = faults_->server_fs_ops();
    report_.server_op_log = faults_->ops();
    report_.ops_until_settled = ops_until_settled(obs);
    report_.upgraded = obs.server_up && obs.final_image.is(releases_.last());
    for (const RequestSeen& r : obs.requests) {
      if (r.result != RequestSeen::Result::Served) continue;
      report_.pauses.push_back(r.held);
      report_.served.push_back({r.start, r.end - r.start, r.image_at_start.is(releases_.last())});
      if (r.overlapped_upgrade()) report_.upgrade_pauses.push_back(r.held);
      if (r.held.count() > 0) report_.held_requests.push_back({fmt::format("session-{}", r.session), r.start, r.end, r.held});
    }
    for (const SnapshotSeen& s : obs.snapshots)
      if (!s.durable && obs.deploy_started && s.mark.at >= *obs.deploy_started) report_.image_sizes.push_back(s.bytes);

    // Each violation becomes a trace event where it was seen (never hashed).
    std::vector<sim::Trace::Annotation> notes;
    for (const Violation& v : report_.violations)
      notes.push_back({v.trace_index, {v.at.count(), 0, sim::EventKind::Note,
                                       fmt::format("VIOLATION {} at {}: {} (seed {}, step {})", v.oracle, v.where, v.why,
                                                   st_.seed, v.step)}});
    world_.trace().annotate(std::move(notes));
    if (st_.keep_trace) {
      report_.trace = world_.trace().dump();
      report_.events = world_.trace().events();
      for (std::uint64_t id = 0; id < world_.trace().fiber_count(); ++id)
        report_.fiber_names.push_back(world_.trace().fiber_name(id));
    }
  }

  // The first process's file operations after the deploy began, until the poll that found
  // the upgrade settled (new release in the image and no trigger, or the batch moved aside).
  int ops_until_settled(const Observation& obs) const {
    const auto triggered = triggered_at(obs);
    std::optional<sim::Time> settled;
    for (const PollSeen& p : obs.polls)
      if (p.process == 0 && triggered && p.mark.at >= *triggered &&
          ((p.image.is(releases_.last()) && !p.staging.any_trigger) || p.staging.quarantined)) {
        settled = p.mark.at;
        break;
      }
    if (!settled) return faults_->server_fs_ops();
    return static_cast<int>(std::count_if(obs.server_ops.begin(), obs.server_ops.end(), [&](const FileOpSeen& op) {
      return op.process == 0 && op.mark.at >= sc_.deploy_at && op.mark.at < *settled;
    }));
  }

  const Scenario& sc_;
  std::string policy_;
  RunSettings st_;
  Releases releases_;
  sim::World world_;
  ServerProcesses processes_;
  Recorder recorder_;
  LoadGenerator load_;
  std::optional<Deployer> deployer_;
  std::optional<FaultPlan> faults_;
  RunReport report_;
};

}  // namespace

RunReport run_scenario(const Scenario& scenario, const std::string& policy, const RunSettings& settings, Judging judging) {
  if (settings.swarm.empty()) return Run(scenario, policy, settings, judging).go();
  // The world, the deployer, the faults and the oracles all see the scenario with the run's
  // swarm features on: budgets are the scenario's own, judged against what really ran.
  const Scenario swarmed = apply_swarm(scenario, settings.swarm);
  return Run(swarmed, policy, settings, judging).go();
}

}  // namespace scenarios
