#pragma once
// The load balancer in front of a cluster's images: which image's current process serves a
// session's request. Sticky (the default): a session stays on the image that served it last
// (at first, image session mod N) and moves to the next image that is up only when its own
// is down (failover). Round robin: request k of session s goes to image (s + k) mod N, or
// the next one up. It never draws a choice, so with one image it only asks whether that
// image is up, as the engine did before clusters.
//
// A rolling upgrade (scenarios/engine/rollout.hpp) drains an image: no request, new or
// sticky, goes to it until the rollout puts it back, and the rollout waits for the ones in
// flight there. A session that was served a release is only sent to images that run it or a
// newer one (or refused when none is up): it never goes back. Which release an image runs
// has one source: when the balancer is release-aware (`[cluster] routing = "release-aware"`),
// the health check, asked about each image before each route, with or without a rollout;
// otherwise the rollout, which tells it which release it upgraded each image to. Without
// either every image counts as release 0, so routing is exactly as above.
#include <map>
#include <string>
#include <vector>

#include "scenarios/engine/health_check.hpp"
#include "scenarios/engine/server_processes.hpp"

namespace scenarios {

class Balancer {
 public:
  // `mode`: sticky | round-robin (the scenario's [cluster] balance, validated when parsed).
  // `health`: the images' health check when the balancer is release-aware, else nullptr.
  Balancer(std::vector<ServerProcesses*> images, const std::string& mode, HealthCheck* health = nullptr);

  struct Route {
    ServerProcess* process = nullptr;  // nullptr when no image may serve it
    int image = 0;                     // its index in the cluster
  };
  // Where request `number` of session `session` goes now; a routed request is in flight on
  // its image until finished() is called for it.
  Route route(int session, int number);
  void finished(const Route& route);

  // The rollout's side (its drain and undrain calls, and what it upgraded).
  void drain(int image, bool out);
  bool drained(int image) const { return drained_[static_cast<std::size_t>(image)]; }
  int in_flight(int image) const { return in_flight_[static_cast<std::size_t>(image)]; }
  // Ignored when release-aware: the health check reports what the image runs.
  void upgraded(int image, int release);

 private:
  bool may_serve(int image, int session) const;
  void ask_health();

  std::vector<ServerProcesses*> images_;
  bool sticky_;
  HealthCheck* health_;
  std::map<int, int> stuck_;  // session -> the image that served it last (sticky)
  std::vector<bool> drained_;
  std::vector<int> in_flight_;
  // Per image: the release it runs, from the one source above (the health check's last
  // report or the rollout's account).
  std::vector<int> release_;
  std::map<int, int> met_;  // session -> the newest release it was served (by release_)
};

}  // namespace scenarios
