#include "scenarios/engine.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "scenarios/engine/balancer.hpp"
#include "scenarios/engine/cluster.hpp"
#include "scenarios/engine/deployer.hpp"
#include "scenarios/engine/fault_plan.hpp"
#include "scenarios/engine/health_check.hpp"
#include "scenarios/engine/load_generator.hpp"
#include "scenarios/engine/recorder.hpp"
#include "scenarios/engine/release_files.hpp"
#include "scenarios/engine/rollout.hpp"
#include "scenarios/engine/server_processes.hpp"
#include "scenarios/engine/yield_point_set.hpp"
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
      : sc_(sc), policy_(policy), st_(st), files_(scenario_releases(sc)), releases_(files_->releases),
        world_(world_config(sc, st)),
        cluster_(world_, sc, server_config(sc), policy_factory(sc, policy)),
        processes_(cluster_.image(0)),
        recorders_(make_recorders(judging)),
        recorder_(*recorders_.front()),
        health_(cluster_.all(), releases_),
        balancer_(cluster_.all(), sc.balance, sc.routing == "release-aware" ? &health_ : nullptr),
        load_(world_, sc_, releases_, balancer_, recorder_pointers()) {
    for (int i = 0; i < cluster_.size(); ++i) {
      Recorder* r = recorders_[static_cast<std::size_t>(i)].get();
      cluster_.image(i).on_start([r](ServerProcess& p) { r->attach(p); });
      // One staging directory: every image's log holds the deploys it could see.
      if (i > 0 && sc.cluster_staging == "shared") recorder_.mirror_deploys_to(*r);
    }
  }

  RunReport go() {
    ServerProcess& production = boot_image(0);
    for (int i = 1; i < cluster_.size(); ++i) boot_image(i);
    const auto format = production.server->policy().trigger_format();
    deployer_.emplace(world_, sc_, releases_, processes_, recorder_, format, sc_.cluster_staging == "per-image" ? image_label(sc_, 0) : "");
    deployer_->stage_leftovers();
    if (sc_.cluster_staging == "per-image")  // the fan-out: one deployer per image, each on its own staging
      for (int i = 1; i < cluster_.size(); ++i) {
        more_deployers_.push_back(std::make_unique<Deployer>(world_, sc_, releases_, cluster_.image(i),
                                                             *recorders_[static_cast<std::size_t>(i)], format, image_label(sc_, i)));
        more_deployers_.back()->stage_leftovers();
      }
    faults_.emplace(world_, sc_, st_, processes_, recorder_, *deployer_);
    faults_->watch(production);
    if (sc_.strike == "every-image") plan_faults_of_other_images();

    load_.at_yield_point = [this](std::string_view class_name, std::string_view selector) { reached({class_name, selector}); };
    load_.spawn_clients(processes_.config().request_priority);
    if (sc_.rolling()) {
      start_rollout();
    } else {
      for (auto& d : more_deployers_) d->spawn(kOutside);
      if (st_.upgrade_at_point.empty()) {
        deployer_->spawn(kOutside);
      } else {  // the first deploy starts at the update point; later ones at their times
        deployer_->stage_whole_batch();
        deployer_->spawn(kOutside, 2);
      }
    }
    faults_->spawn(kOutside);
    for (std::size_t k = 0; k < more_faults_.size(); ++k)
      more_faults_[k]->spawn_power(kOutside, fmt::format("{} power", image_label(sc_, static_cast<int>(k) + 1)));
    deployer_->spawn_cron(kOutside);
    for (auto& d : more_deployers_) d->spawn_cron(kOutside);  // each image's machine runs its own

    report_.run = world_.run();
    judge();
    return std::move(report_);
  }

 private:
  std::vector<std::unique_ptr<Recorder>> make_recorders(Judging judging) {
    std::vector<std::unique_ptr<Recorder>> out;
    for (int i = 0; i < cluster_.size(); ++i)
      out.push_back(std::make_unique<Recorder>(world_, releases_, cluster_.image(i).config(), judging == Judging::On));
    return out;
  }
  std::vector<Recorder*> recorder_pointers() {
    std::vector<Recorder*> out;
    for (auto& r : recorders_) out.push_back(r.get());
    return out;
  }

  // Image `i` in production: its staging directory made (the shared one once), the old
  // release installed, the hot fix typed in, sessions open, its image saved, its loader
  // watching. In a cluster image i's loader starts its polls i/N of a period later: images
  // started one after another do not poll in step.
  ServerProcess& boot_image(int i) {
    ServerProcesses& image = cluster_.image(i);
    if (i == 0 || !world_.fs().exists(image.config().staging_dir)) {  // image 0 makes it: no look first
      world_.fs().mkdir(image.config().staging_dir);
      world_.fs().fsync_dir(".");
    }
    ServerProcess& p = image.start();
    p.server->boot();
    if (auto failed = files_->install_old_release(p.server->image()); !failed.empty())
      throw ScenarioError(sc_.path, 0, fmt::format("the old release does not install: {}", failed.front()));
    type_in_local_change(p, *recorders_[static_cast<std::size_t>(i)]);
    load_.open_sessions(p, st_.sessions.value_or(sc_.sessions));
    p.server->save();
    image.make_current(p);
    if (i == 0) {
      p.server->start_watcher();
    } else {
      const sim::Duration offset = sc_.poll_period * i / cluster_.size();
      world_.spawn(fmt::format("{} start", image.label()), processes_.config().request_priority, [&p, offset, this] {
        world_.sleep_for(offset);
        // A process that died meanwhile (strike = every-image) is not started: its restart
        // started a watcher of its own.
        if (!p.runtime->dead()) p.server->start_watcher();
      });
    }
    return p;
  }

  // A hot fix typed into the production image before it was saved ([app] local_change).
  void type_in_local_change(ServerProcess& p, Recorder& recorder) {
    if (sc_.local_change.empty()) return;
    try {
      const upgrader::Package hotfix = read_package_file(sc_.app_dir + "/" + sc_.local_change);
      upgrader::type_in_methods(p.server->image(), hotfix);
      recorder.local_change_typed_in(hotfix);
    } catch (const std::exception& e) {  // PackageError, LoadError: file:line of the hot fix
      throw ScenarioError(sc_.path, 0, fmt::format("[app] local_change: {}", e.what()));
    }
  }

  // [faults] strike = "every-image": images 1..N-1 crash (drawn) and get I/O errors on their
  // own. Crash points and crash states address image 0 alone, so the others' plans draw.
  void plan_faults_of_other_images() {
    others_st_ = st_;
    others_st_.crash_at_op.reset();
    others_st_.recovery_crash_at_op.reset();
    others_st_.crash_outcome = sim::SimFs::CrashOutcome::Drawn;
    others_st_.crash_state = 0;
    for (int i = 1; i < cluster_.size(); ++i) {
      Deployer& deployer = more_deployers_.empty() ? *deployer_ : *more_deployers_[static_cast<std::size_t>(i) - 1];
      more_faults_.push_back(std::make_unique<FaultPlan>(world_, sc_, others_st_, cluster_.image(i),
                                                         *recorders_[static_cast<std::size_t>(i)], deployer, false));
      more_faults_.back()->watch(*cluster_.image(i).current());
    }
  }

  // [cluster] upgrade = "rolling": the deployers upload only when the rollout says, to one
  // drained image at a time.
  void start_rollout() {
    if (!st_.upgrade_at_point.empty())
      throw ScenarioError(sc_.path, 0, "update points start the upgrade under a request, and a rolling upgrade drains the image first");
    std::vector<Deployer*> deployers{&*deployer_};
    for (auto& d : more_deployers_) deployers.push_back(d.get());
    rollout_.emplace(world_, sc_, balancer_, cluster_.all(), std::move(deployers), recorder_pointers());
    rollout_->spawn(kOutside);
  }

  // Update points: the distinct send sites the load reaches before the deploy, and the
  // upgrade started at the chosen one, the first time a request reaches it after the deploy.
  // Called at every send: a point already listed builds no string.
  void reached(PointView point) {
    if (world_.now() < sc_.deploy_at) {
      if (yield_points_seen_.insert(point)) report_.yield_points.push_back(YieldPointSet::format(point));
      return;
    }
    if (report_.upgrade_started_at_point || !same_point(st_.upgrade_at_point, point)) return;
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
    std::vector<Observation> images;
    for (int i = 0; i < cluster_.size(); ++i)
      images.push_back(recorders_[static_cast<std::size_t>(i)]->finish(cluster_.image(i).current()));
    const Observation& obs = images.front();
    OracleContext ctx{sc_, releases_, processes_.first().server->policy().snapshot_saves_per_upgrade(),
                      files_->fresh_image_bytes, processes_.config().snapshot, swarm_adds_crashes(st_.swarm),
                      processes_.config().local_changes_report, false, std::nullopt};
    Verdicts verdicts;
    if (recorder_.enabled()) verdicts = cluster_.size() == 1 ? scenarios::judge(obs, ctx) : judge_each_image(images, ctx);
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
    for (const auto& f : more_faults_) {
      report_.crashed = report_.crashed || f->crashed();
      report_.crashes += f->crashes();
    }
    report_.crash_decisions = faults_->first_crash();
    report_.server_fs_ops = faults_->server_fs_ops();
    report_.server_op_log = faults_->ops();
    report_.ops_until_settled = ops_until_settled(obs);
    report_.up_at_end = std::all_of(images.begin(), images.end(), [](const Observation& o) { return o.server_up; });
    report_.upgraded = std::all_of(images.begin(), images.end(), [&](const Observation& o) {
      return o.server_up && o.final_image.is(releases_.last());
    });
    std::vector<const RequestSeen*> requests;  // every image's, by reference: a request is a big record
    for (const Observation& o : images)
      for (const RequestSeen& r : o.requests) requests.push_back(&r);
    if (images.size() > 1)
      std::stable_sort(requests.begin(), requests.end(), [](const RequestSeen* a, const RequestSeen* b) { return a->mark.step < b->mark.step; });
    for (const RequestSeen* seen : requests) {
      const RequestSeen& r = *seen;
      if (r.result != RequestSeen::Result::Served) continue;
      report_.pauses.push_back(r.held);
      report_.served.push_back({r.start, r.end - r.start, r.image_at_start.is(releases_.last()), r.image});
      if (r.overlapped_upgrade()) report_.upgrade_pauses.push_back(r.held);
      if (r.held.count() > 0) report_.held_requests.push_back({fmt::format("session-{}", r.session), r.start, r.end, r.held});
    }
    report_.images = cluster_.size();
    if (images.size() > 1) report_.image_events = image_events(images);  // the report's lanes, one per image
    for (const Observation& o : images)
      for (const SnapshotSeen& s : o.snapshots)
        if (!s.durable && o.deploy_started && s.mark.at >= *o.deploy_started) report_.image_sizes.push_back(s.bytes);

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

  // A cluster: every oracle over each image's own log (its snapshot, its staging), each
  // violation named by its image, then the cluster's own oracles over all of them.
  Verdicts judge_each_image(const std::vector<Observation>& images, OracleContext ctx) {
    Verdicts all;
    if (sc_.cluster_staging == "shared") ctx.staging_kept_until = saved_everywhere(images, releases_.last());
    ctx.staging_shared = sc_.cluster_staging == "shared";
    for (int i = 0; i < cluster_.size(); ++i) {
      ctx.snapshot_path = cluster_.image(i).config().snapshot;
      Verdicts one = scenarios::judge(images[static_cast<std::size_t>(i)], ctx);
      for (Violation& v : one.violations) {
        v.where = fmt::format("{} {}", image_label(sc_, i), v.where);
        all.violations.push_back(std::move(v));
      }
      all.exercised.insert(one.exercised.begin(), one.exercised.end());
    }
    judge_cluster(images, ctx, all);
    std::stable_sort(all.violations.begin(), all.violations.end(), [](const Violation& a, const Violation& b) { return a.step < b.step; });
    return all;
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
  std::shared_ptr<const ScenarioReleases> files_;  // shared by every run of the scenario
  const Releases& releases_;
  sim::World world_;
  Cluster cluster_;
  ServerProcesses& processes_;  // image 0: the one the faults, update points and crash points address
  std::vector<std::unique_ptr<Recorder>> recorders_;  // one per image
  Recorder& recorder_;  // image 0's
  HealthCheck health_;  // the release each image reports (a release-aware balancer asks it)
  Balancer balancer_;
  LoadGenerator load_;
  std::optional<Deployer> deployer_;
  std::vector<std::unique_ptr<Deployer>> more_deployers_;  // per-image staging: images 1..N-1
  std::optional<FaultPlan> faults_;  // image 0's: the one crash points and crash states address
  RunSettings others_st_;            // the other images' plans: drawn crashes only
  std::vector<std::unique_ptr<FaultPlan>> more_faults_;  // strike = every-image: images 1..N-1
  std::optional<Rollout> rollout_;
  RunReport report_;
  YieldPointSet yield_points_seen_;  // report_.yield_points as a set, for the check at every send
};

}  // namespace

std::string settings_problem(const RunSettings& settings, const Scenario& scenario) {
  if (settings.images && (*settings.images < 1 || *settings.images > scenario.images))
    return fmt::format("'images': {} images, but scenario {} runs {}; expected 1 to {}", *settings.images, scenario.name,
                       scenario.images, scenario.images);
  return {};
}

RunReport run_scenario(const Scenario& scenario, const std::string& policy, const RunSettings& settings, Judging judging) {
  if (const std::string problem = settings_problem(settings, scenario); !problem.empty())
    throw ScenarioError(scenario.path, 0, fmt::format("run settings: {}", problem));
  if (settings.swarm.empty() && !settings.images) return Run(scenario, policy, settings, judging).go();
  // The world, the deployer, the faults and the oracles all see the scenario with the run's
  // swarm features on and its images override: budgets are the scenario's own, judged
  // against what really ran.
  Scenario adjusted = settings.swarm.empty() ? scenario : apply_swarm(scenario, settings.swarm);
  if (settings.images) adjusted.images = *settings.images;
  return Run(adjusted, policy, settings, judging).go();
}

}  // namespace scenarios
