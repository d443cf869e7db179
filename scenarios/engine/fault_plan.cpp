#include "scenarios/engine/fault_plan.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace scenarios {

using namespace std::chrono_literals;

FaultPlan::FaultPlan(sim::World& world, const Scenario& scenario, const RunSettings& settings,
                     ServerProcesses& processes, Recorder& recorder, Deployer& deployer, bool addressed)
    : world_(world), sc_(scenario), st_(settings), processes_(processes), recorder_(recorder), deployer_(deployer),
      addressed_(addressed) {}

void FaultPlan::watch(ServerProcess& process) {
  const int index = process.runtime->index();
  // Installed for every plan: the hook is also where a dead process's fibers stop.
  process.runtime->on_server_fs_op(
      [this, index](std::string_view op, const std::string& path) { before_server_op(index, op, path); });
  process.runtime->sim_fs().set_io_errors({sc_.read_error_ppm, sc_.write_error_ppm, sc_.fsync_error_ppm});
}

void FaultPlan::spawn(int priority) {
  spawn_power(priority, "power");
  if (sc_.disk_full.count() > 0) world_.spawn("disk full", priority, [this] { disk_full(); });
}

void FaultPlan::spawn_power(int priority, const std::string& name) {
  const std::string mode = st_.crash_at_op ? "at-op" : st_.crash.value_or(sc_.crash);
  if (mode != "none") world_.spawn(name, priority, [this, mode] { power(mode); });
}

void FaultPlan::before_server_op(int process, std::string_view op, const std::string& path) {
  if (!addressed_) return;  // crash points, torn writes and the op count are image 0's
  if (process > 1 || (process == 0 && world_.now() < sc_.deploy_at)) return;
  // An earlier torn write that never reached its data (it failed first): crash here instead.
  if (world_.fs().disarm_tear()) crash_now(process);
  if (process == 0 && crashes_ > 0) return;
  const int n = ++ops_[process];
  if (process == 0 && st_.keep_trace) op_log_.push_back(fmt::format("{} {}", op, path));  // formatted only when asked
  const std::optional<int>& at = process == 0 ? st_.crash_at_op : st_.recovery_crash_at_op;
  if (!at || n != *at) return;
  // A write is torn by the crash (how much of it got written is part of the crash state);
  // any other operation has not begun.
  if (op == "write") world_.fs().tear_next_write([this, process] { crash_now(process); });
  else crash_now(process);
}

void FaultPlan::crash_now(int process) {
  if (process == 0) cut_power(st_.crash_outcome, st_.crash_state);
  else cut_power(sim::SimFs::CrashOutcome::Drawn, 0);
  throw ProcessDied();
}

void FaultPlan::cut_power(sim::SimFs::CrashOutcome outcome, std::uint64_t state) {
  if (sc_.kill == "process" && outcome != sim::SimFs::CrashOutcome::Enumerated && outcome != sim::SimFs::CrashOutcome::Sampled)
    outcome = sim::SimFs::CrashOutcome::ProcessKill;
  ++crashes_;
  ServerProcess& p = processes_.latest();
  recorder_.crashed(p);
  // The operator's upload breaks only when the machine loses power.
  if (outcome != sim::SimFs::CrashOutcome::ProcessKill) deployer_.power_cut();
  world_.crash_disk(outcome, state);
  if (crashes_ == 1) first_crash_ = world_.fs().last_crash();
  processes_.kill(p);
  booting_ = false;
}

void FaultPlan::wait_for_crash(const std::string& mode) {
  const int before = crashes_;
  if (mode == "at-op") {
    while (crashes_ == before) world_.sleep_for(1ms);
    return;
  }
  if (mode == "at-install") {
    auto installs = [this] {
      const ServerProcess* p = processes_.current();
      if (p == nullptr) return 0L;
      const auto& events = p->server->events();
      return static_cast<long>(std::count_if(events.begin(), events.end(), [](const auto& e) { return e.kind == "installed"; }));
    };
    while (installs() < sc_.crash_install) world_.sleep_for(1ms);
  } else {
    world_.sleep_until(std::max(world_.now(), sim::Time(sc_.deploy_at)));
    while (!world_.choices().chance_ppm(sc_.crash_ppm)) world_.sleep_for(1ms);
  }
  cut_power(st_.crash_outcome, st_.crash_state);
}

void FaultPlan::power(const std::string& mode) {
  wait_for_crash(mode);
  // `random` may strike again once the server is back; a recovery crash strikes the boot.
  int planned = mode == "random" ? sc_.crashes : 1;
  for (;;) {
    world_.sleep_for(sc_.restart_delay);
    rot_media();
    const int before = crashes_;
    restart();
    while (booting_) world_.sleep_for(1ms);
    // A crash planned for the recovery may come after the boot, in the first polls.
    if (crashes_ == before && st_.recovery_crash_at_op && crashes_ == 1)
      while (crashes_ == before) world_.sleep_for(1ms);
    if (crashes_ != before) continue;  // it died while recovering: power back again
    if (--planned <= 0) return;
    wait_for_crash(mode);
  }
}

void FaultPlan::rot_media() {
  if (sc_.media == "none" || sc_.kill == "process") return;
  // The image rots (the persistent state a restart depends on; staged files are the
  // operator's to upload again).
  const std::string& image = processes_.config().snapshot;
  if (!world_.fs().peek_durable(image)) return;
  const std::string what =
      world_.fs().corrupt(image, sc_.media == "bit-flip" ? sim::MediaFault::BitFlip : sim::MediaFault::ZeroBlock);
  world_.note(fmt::format("media fault: {}", what));
  recorder_.media_fault(image, what);
}

void FaultPlan::restart() {
  ServerProcess& p = processes_.start();
  watch(p);
  booting_ = true;
  // The boot runs in the new process, so a crash during recovery stops it where it is.
  p.runtime->spawn("boot", processes_.config().request_priority, [this, &p] {
    try {
      p.server->boot();
    } catch (const std::exception& e) {
      recorder_.booted(p, e.what());
      booting_ = false;
      return;  // it stays down
    }
    recorder_.booted(p, std::nullopt);
    p.server->start_watcher();
    processes_.make_current(p);
    booting_ = false;
  });
}

void FaultPlan::disk_full() {
  // Once the trigger is staged the disk fills up (another tenant, a log gone wild), for a
  // while: every write that needs space fails with ENOSPC until it is freed.
  while (!deployer_.triggered_at()) world_.sleep_for(10ms);
  world_.fs().set_capacity(world_.fs().used_bytes());
  world_.note(fmt::format("disk full for {} ms", sc_.disk_full.count()));
  world_.sleep_for(sc_.disk_full);
  world_.fs().set_capacity(UINT64_MAX);
  world_.note("disk space freed");
}

}  // namespace scenarios
