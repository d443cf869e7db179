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
    FiberInfo& self = scheduler.current_checked();
    waiters_.push_back(&self);
    scheduler.park(what_);
  }
  // Wakes the oldest waiter still waiting (a killed one has left); the scheduler still
  // decides who runs first.
  void notify_one(Scheduler& scheduler) {
    while (!waiters_.empty()) {
      FiberInfo* f = waiters_.front();
      waiters_.pop_front();
      if (f->state == FiberState::Parked) {
        scheduler.unpark(*f);
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
  std::deque<FiberInfo*> waiters_;
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
