#pragma once
// What the simulator knows about one fiber. Owned by the scheduler; addresses are stable,
// and a finished fiber's record is reused by a later spawn (see FiberRef).
#include <boost/context/fiber.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace sim {

enum class FiberState { Ready, Running, Sleeping, Parked, Finished };
struct FiberRef;

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
  std::vector<FiberRef> joiners;  // fibers waiting for this one to finish
  const void* stack_bottom = nullptr;  // for AddressSanitizer's stack-switch annotations
  std::size_t stack_size = 0;
};

// A fiber as spawn() hands it out, and as anyone who keeps one for later holds it: a
// finished fiber's record is reused by a later spawn (a fresh record cost a page-faulting
// clear at every spawn), so a reference remembers the id it was made for. Once the record
// holds another fiber, the one referred to has finished.
struct FiberRef {
  FiberRef(FiberInfo& fiber) : record(&fiber), id(fiber.id) {}  // NOLINT: a record is its fiber's reference while it runs
  // The record while it still holds this fiber, else null.
  FiberInfo* get() const { return record->id == id ? record : nullptr; }
  bool finished() const { return record->id != id || record->state == FiberState::Finished; }
  bool operator==(const FiberRef& other) const { return record == other.record && id == other.id; }

  FiberInfo* record;
  std::uint64_t id;
};

}  // namespace sim
