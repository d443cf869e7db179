#pragma once
// What the simulator knows about one fiber. Owned by the scheduler; addresses are stable.
#include <boost/context/fiber.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace sim {

enum class FiberState { Ready, Running, Sleeping, Parked, Finished };

struct FiberInfo {
  std::uint64_t id = 0;  // spawn order, from 1
  std::string name;
  int priority = 0;
  std::int64_t pct_priority = 0;
  FiberState state = FiberState::Ready;
  bool queued = false;  // in the ready queue (kept by ReadyQueue, checked by the scheduler)
  boost::context::fiber cont;  // where it resumes while it does not run (empty once finished)
  std::int64_t wake_at_ns = 0;
  std::uint64_t timer_seq = 0;
  std::string park_reason;
  bool killed = false;  // unwinds at its next yield point (its process crashed)
  std::vector<FiberInfo*> joiners;  // fibers waiting for this one to finish
  const void* stack_bottom = nullptr;  // for AddressSanitizer's stack-switch annotations
  std::size_t stack_size = 0;
};

}  // namespace sim
