#pragma once
// One live server process: forked by the supervisor (live_run.hpp), it runs the server, its
// upgrader and the client sessions on one thread with the live runtime, records what
// happens to its event log, and exits at the end of the run, or is killed (SIGKILL) by the
// supervisor. The first process builds the production image (the old release installed,
// sessions open, the image saved); each later one boots from the snapshot on disk, as a
// restarted server does, and takes the clients over.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/live/live_clock.hpp"
#include "scenarios/live/live_load.hpp"
#include "scenarios/oracles/evidence.hpp"
#include "scenarios/scenario.hpp"
#include "upgrader/server.hpp"

namespace scenarios::live {

struct ServerPlan {
  int process = 0;       // 0: the production image; then one more per restart
  std::string root;      // the run's directory (the server's working directory)
  std::string log_path;  // its event log
  LiveClock clock;
  sim::Time end{0};  // when the run ends
  std::uint64_t seed = 0;
  std::string policy;
  std::vector<ClientState> clients;  // restarts: the clients it takes over
  // Asks the supervisor to kill it right after the upgrader's Nth package install, and waits.
  std::optional<int> kill_after_install;
  int control_fd = -1;  // to the supervisor: "kill\n"
  std::map<std::string, std::uint64_t> durable_seen;  // LiveRecorder
};

// How a server process ended by itself.
enum ServerExit : int { kRanToEnd = 0, kCannotBoot = 10, kServerFailed = 11 };

// The forked child's whole life; never returns.
[[noreturn]] void server_process_main(const Scenario& scenario, const Releases& releases, const upgrader::ServerConfig& config,
                                      const ServerPlan& plan);

}  // namespace scenarios::live
