#pragma once
// The real binding's Boost.Fiber scheduling algorithm: Smalltalk-like priorities in real
// time. The highest-priority ready fiber runs; equal priorities take turns (FIFO). Boost's
// dispatcher, which wakes sleepers when their real deadline passes, runs between any two
// fibers, so a high-priority fiber whose sleep ends preempts at the next yield point.
#include <boost/fiber/algo/algorithm.hpp>
#include <boost/fiber/properties.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>

#include "support/fiber_props.hpp"

namespace upgrader {

using RealFiberProps = support::FiberProps;

class RealPriorityScheduler : public boost::fibers::algo::algorithm_with_properties<RealFiberProps> {
 public:
  // Read by new_properties() while a fiber is being constructed.
  struct Pending {
    int priority = 0;
    const void* stack_bottom = nullptr;
    std::size_t stack_size = 0;
  };
  static Pending& pending();
  // The fiber that is finishing (its stack is about to be released).
  static const boost::fibers::context*& dying();
  // Set while set_algo() moves ready fibers away: pick_next() is then no switch.
  static bool& migrating();

  void awakened(boost::fibers::context* ctx, RealFiberProps& props) noexcept override;
  boost::fibers::context* pick_next() noexcept override;
  bool has_ready_fibers() const noexcept override;
  void suspend_until(std::chrono::steady_clock::time_point const& until) noexcept override;
  void notify() noexcept override;
  boost::fibers::fiber_properties* new_properties(boost::fibers::context* ctx) override;

 private:
  boost::fibers::context* hand_over(boost::fibers::context* to);

  std::map<int, std::deque<boost::fibers::context*>, std::greater<>> ready_;
  boost::fibers::context* dispatcher_ = nullptr;
  bool dispatcher_ready_ = false;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool notified_ = false;
};

}  // namespace upgrader
