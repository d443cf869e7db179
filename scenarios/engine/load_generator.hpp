#pragma once
// The load: client sessions (opened in the production image at boot) that think, then send
// a request to whichever server process is up, at request priority. Each request is
// recorded with the releases it ran on and the time the server's own work held it back.
// Think times follow the scenario's daily load curve ([load] curve).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "scenarios/engine/recorder.hpp"
#include "scenarios/engine/server_processes.hpp"
#include "scenarios/oracles/evidence.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios {

class LoadGenerator {
 public:
  LoadGenerator(sim::World& world, const Scenario& scenario, const Releases& releases, ServerProcesses& processes,
                Recorder& recorder);

  // Opens the client sessions in `process`'s image (and the idle ones).
  void open_sessions(ServerProcess& process, int clients);
  void spawn_clients(int priority);

  // Called at every send's yield point with "Class>>selector" (update-point coverage).
  std::function<void(const std::string&)> at_yield_point;

  int requests_ok = 0;
  int requests_refused = 0;  // server down, or died under the request

 private:
  void client(int index);

  sim::World& world_;
  const Scenario& sc_;
  const Releases& releases_;
  ServerProcesses& processes_;
  Recorder& recorder_;
  std::vector<std::uint64_t> session_ids_;
};

}  // namespace scenarios
