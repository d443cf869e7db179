#pragma once
// The parent's side of the live event log: every process's events, merged in time order,
// become one Observation (engine/observation.hpp) for the same oracles that judge a
// simulated run. Marks carry scenario time; a mark's step is the event's place in the
// merged log (live runs have no scheduler steps), so violations sort in the order seen.
#include <string>
#include <vector>

#include "scenarios/engine/observation.hpp"
#include "scenarios/live/event_log.hpp"

namespace scenarios::live {

struct LiveObservation {
  Observation obs;
  std::vector<std::pair<Mark, std::string>> failures;  // a process failed (app-error): where, what
};

// `events`: every process's log and the supervisor's own events, in any order.
// `new_packages`: how many packages the deploys upload (the width of a release state).
LiveObservation read_observation(std::vector<Event> events, std::size_t new_packages);

}  // namespace scenarios::live
