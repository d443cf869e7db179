#include "scenarios/live/server_process.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include "scenarios/live/live_recorder.hpp"
#include "scenarios/live/live_runtime.hpp"
#include "upgrader/policy.hpp"

namespace scenarios::live {

namespace {

constexpr int kEndOfRunPriority = 1000;

void tell(int fd, std::string_view message) {
  while (::write(fd, message.data(), message.size()) < 0 && errno == EINTR) {
  }
}

// The part that may throw. Returns the exit status.
int serve(const Scenario& sc, const Releases& releases, const upgrader::ServerConfig& config, const ServerPlan& plan,
          EventWriter& log) {
  // Never destroyed: the process ends with _exit while its fibers still run (a killed
  // server does not unwind either), and RealRuntime's destructor would wait for them.
  auto* runtime = new LiveRuntime(plan.root, plan.clock);
  auto* server = new upgrader::Server(*runtime, config, upgrader::make_policy(plan.policy));
  auto* recorder = new LiveRecorder(log, *runtime, *server, releases, DiskView(plan.root, releases, config), plan.process,
                                    plan.durable_seen);
  auto* load = new LiveLoad(*runtime, *server, *recorder, sc, releases, plan.process, plan.seed);
  recorder->attach();

  if (plan.kill_after_install) {
    runtime->on_log([&plan, installs = 0, fd = plan.control_fd](std::string_view line) mutable {
      if (!line.starts_with("installed: ") || ++installs != *plan.kill_after_install) return;
      tell(fd, "kill\n");
      for (;;) ::pause();  // the whole process stops here until the SIGKILL lands
    });
  }

  std::vector<ClientState> clients = plan.clients;
  if (plan.process == 0) {
    // The server in production: the old release installed, sessions open, image saved.
    server->boot();
    if (auto failed = install_in_dependency_order(server->image(), releases.old_packages); !failed.empty())
      throw std::runtime_error(fmt::format("the old release does not install: {}", failed.front()));
    clients = load->open_sessions(sc.sessions);
    server->save();
    std::string ids;
    for (const ClientState& c : clients) ids += fmt::format("{}{}", ids.empty() ? "" : ",", c.session_id);
    recorder->note("clients", {{"ids", ids}});
  } else {
    try {
      server->boot();
    } catch (const std::exception& e) {
      recorder->booted(e.what());
      return kCannotBoot;  // it stays down
    }
    recorder->booted(std::nullopt);
  }
  server->start_watcher();
  load->spawn_clients(std::move(clients), config.request_priority);
  // The run ends at its time whatever else is ready: above every fiber of the server, it runs
  // at the first yield point after its time has come (the main fiber has no priority).
  runtime->spawn_outside("end of run", kEndOfRunPriority, [runtime, recorder, end = plan.end] {
    runtime->wait_until(end);
    recorder->finish();
    ::_exit(kRanToEnd);
  });
  for (;;) runtime->wait_until(plan.clock.now() + std::chrono::hours(1));
}

}  // namespace

void server_process_main(const Scenario& sc, const Releases& releases, const upgrader::ServerConfig& config,
                         const ServerPlan& plan) {
  int status = kServerFailed;
  try {
    EventWriter log(plan.log_path);
    try {
      status = serve(sc, releases, config, plan, log);
    } catch (const std::exception& e) {
      log.write("error", plan.clock.now().count(), {{"process", std::to_string(plan.process)}, {"what", e.what()}});
    }
  } catch (...) {
    // The log itself cannot be written: the supervisor sees the exit status alone.
  }
  ::_exit(status);
}

}  // namespace scenarios::live
