#pragma once
// Fibers waiting for something another fiber will signal (a lock, a condition). Built on
// the scheduler's park/unpark, so waiters count as blocked for deadlock detection and are
// unwound when a world stops. Boost's own blocking primitives must not be used under sim/.
#include <deque>
#include <string>

#include "sim/scheduler.hpp"

namespace sim {

class WaitQueue {
 public:
  explicit WaitQueue(std::string what) : what_(std::move(what)) {}

  void wait(Scheduler& scheduler) {
    waiters_.push_back(FiberRef(scheduler.current_checked()));
    scheduler.park(what_);
  }
  // Wakes the oldest waiter still waiting (a killed one has left, and its record may hold
  // another fiber by now); the scheduler still decides who runs first.
  void notify_one(Scheduler& scheduler) {
    while (!waiters_.empty()) {
      const FiberRef f = waiters_.front();
      waiters_.pop_front();
      if (const FiberInfo* record = f.get(); record != nullptr && record->state == FiberState::Parked) {
        scheduler.unpark(f);
        return;
      }
    }
  }
  void notify_all(Scheduler& scheduler) {
    while (!waiters_.empty()) notify_one(scheduler);
  }
  bool empty() const { return waiters_.empty(); }

 private:
  std::string what_;
  std::deque<FiberRef> waiters_;
};

// A mutex for simulated fibers: blocking on it parks the fiber.
class Mutex {
 public:
  explicit Mutex(std::string name) : queue_("mutex " + name) {}
  void lock(Scheduler& scheduler) {
    while (held_) queue_.wait(scheduler);
    held_ = true;
  }
  void unlock(Scheduler& scheduler) {
    held_ = false;
    queue_.notify_one(scheduler);
  }
  bool held() const { return held_; }

 private:
  bool held_ = false;
  WaitQueue queue_;
};

}  // namespace sim
