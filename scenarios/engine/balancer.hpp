#pragma once
// The load balancer in front of a cluster's images: which image's current process serves a
// session's request. Sticky (the default): a session stays on the image that served it last
// (at first, image session mod N) and moves to the next image that is up only when its own
// is down (failover). Round robin: request k of session s goes to image (s + k) mod N, or
// the next one up. It never draws a choice, so with one image it only asks whether that
// image is up, as the engine did before clusters.
#include <map>
#include <string>
#include <vector>

#include "scenarios/engine/server_processes.hpp"

namespace scenarios {

class Balancer {
 public:
  // `mode`: sticky | round-robin (the scenario's [cluster] balance, validated when parsed).
  Balancer(std::vector<ServerProcesses*> images, const std::string& mode);

  struct Route {
    ServerProcess* process = nullptr;  // nullptr when every image is down
    int image = 0;                     // its index in the cluster
  };
  // Where request `number` of session `session` goes now.
  Route route(int session, int number);

 private:
  std::vector<ServerProcesses*> images_;
  bool sticky_;
  std::map<int, int> stuck_;  // session -> the image that served it last (sticky)
};

}  // namespace scenarios
