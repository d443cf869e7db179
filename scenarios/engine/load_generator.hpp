#pragma once
// The load: client sessions (opened in the production image at boot; in a cluster, in every
// image, as a session store the images share would make them) that think, then send a
// request where the balancer routes it, at request priority. Each request is recorded, by
// the recorder of the image that served it, with the releases it ran on and the time the
// server's own work held it back. Think times follow the scenario's daily load curve
// ([load] curve).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/engine/balancer.hpp"
#include "scenarios/engine/recorder.hpp"
#include "scenarios/engine/server_processes.hpp"
#include "scenarios/oracles/evidence.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios {

class LoadGenerator {
 public:
  // `recorders`: one per image of the balancer, in its order.
  LoadGenerator(sim::World& world, const Scenario& scenario, const Releases& releases, Balancer& balancer,
                std::vector<Recorder*> recorders);

  // Opens the client sessions in `process`'s image (and the idle ones); called once per image,
  // the sessions get the same ids in each.
  void open_sessions(ServerProcess& process, int clients);
  void spawn_clients(int priority);

  // Called at every send's yield point with the point "Class>>selector" as its class and
  // selector (update-point coverage).
  std::function<void(std::string_view, std::string_view)> at_yield_point;

  int requests_ok = 0;
  int requests_refused = 0;  // server down, or died under the request

 private:
  void client(int index);

  sim::World& world_;
  const Scenario& sc_;
  const Releases& releases_;
  MethodIndex methods_{releases_};  // what the requests' witnesses make of each method, for the run
  Balancer& balancer_;
  std::vector<Recorder*> recorders_;
  std::vector<std::uint64_t> session_ids_;
};

}  // namespace scenarios
