#pragma once
// The load of a live server process: one fiber per client session, in the server's own
// process (as Seaside's sessions are), thinking in real (scaled) time and then sending a
// request at request priority. Each request is recorded with the releases it ran on and
// the time the server's own work held it back. A restarted process takes the clients over
// where the killed one left them (their sessions, their next request number).
#include <cstdint>
#include <random>
#include <vector>

#include "scenarios/live/live_recorder.hpp"
#include "scenarios/live/live_runtime.hpp"
#include "scenarios/oracles/method_index.hpp"
#include "scenarios/scenario.hpp"
#include "upgrader/server.hpp"

namespace scenarios::live {

struct ClientState {
  std::uint64_t session_id = 0;
  int next_number = 1;        // its next request's number
  sim::Time last_request{0};  // when its previous request arrived
};

class LiveLoad {
 public:
  LiveLoad(LiveRuntime& runtime, upgrader::Server& server, LiveRecorder& recorder, const Scenario& scenario,
           const Releases& releases, int process, std::uint64_t seed);

  // The production image: opens the clients' sessions (and the idle ones).
  std::vector<ClientState> open_sessions(int clients);
  void spawn_clients(std::vector<ClientState> clients, int priority);

 private:
  void client(int index);

  LiveRuntime& runtime_;
  upgrader::Server& server_;
  LiveRecorder& recorder_;
  const Scenario& sc_;
  const Releases& releases_;
  // What the requests' witnesses make of each method, for the process's whole run (its
  // clients are fibers on one thread: they never look it up at once).
  MethodIndex methods_{releases_};
  int process_;
  std::mt19937_64 random_;  // think times and selectors: live runs are not replayable anyway
  std::vector<ClientState> clients_;
};

}  // namespace scenarios::live
