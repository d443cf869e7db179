#include "upgrader/real_scheduler.hpp"

#include <boost/fiber/context.hpp>

#include "support/asan_fibers.hpp"

namespace upgrader {

using boost::fibers::context;

RealPriorityScheduler::Pending& RealPriorityScheduler::pending() {
  thread_local Pending p;
  return p;
}

const context*& RealPriorityScheduler::dying() {
  thread_local const context* d = nullptr;
  return d;
}

bool& RealPriorityScheduler::migrating() {
  thread_local bool m = false;
  return m;
}

boost::fibers::fiber_properties* RealPriorityScheduler::new_properties(context* ctx) {
  auto* props = new RealFiberProps(ctx);
  props->priority = pending().priority;
  props->stack_bottom = pending().stack_bottom;
  props->stack_size = pending().stack_size;
  pending() = Pending{};
  return props;
}

void RealPriorityScheduler::awakened(context* ctx, RealFiberProps& props) noexcept {
  if (ctx->is_context(boost::fibers::type::dispatcher_context)) {
    dispatcher_ = ctx;
    dispatcher_ready_ = true;
    return;
  }
  ready_[props.priority].push_back(ctx);
}

context* RealPriorityScheduler::hand_over(context* to) {
  if (!migrating()) {
    const context* from = context::active();
    const bool from_dies = from == dying();
    if (from_dies) dying() = nullptr;
    const auto* props = static_cast<RealFiberProps*>(to->get_properties());
    support::asan::before_switch(from, to, props ? props->stack_bottom : nullptr, props ? props->stack_size : 0,
                                 from_dies);
  }
  return to;
}

context* RealPriorityScheduler::pick_next() noexcept {
  support::asan::after_switch();  // the dispatcher arrives here first after a switch to it
  const context* active = context::active();
  // The dispatcher goes between any two fibers: it wakes sleepers whose time has come.
  if (dispatcher_ready_ && active != dispatcher_ && !migrating()) {
    dispatcher_ready_ = false;
    return hand_over(dispatcher_);
  }
  if (!ready_.empty()) {
    auto top = ready_.begin();
    context* next = top->second.front();
    top->second.pop_front();
    if (top->second.empty()) ready_.erase(top);
    return hand_over(next);
  }
  if (dispatcher_ready_ && migrating()) {
    dispatcher_ready_ = false;
    return dispatcher_;
  }
  return nullptr;
}

bool RealPriorityScheduler::has_ready_fibers() const noexcept { return dispatcher_ready_ || !ready_.empty(); }

void RealPriorityScheduler::suspend_until(std::chrono::steady_clock::time_point const& until) noexcept {
  std::unique_lock<std::mutex> lock(mutex_);
  if (until == (std::chrono::steady_clock::time_point::max)())
    wake_.wait(lock, [this] { return notified_; });
  else
    wake_.wait_until(lock, until, [this] { return notified_; });
  notified_ = false;
}

void RealPriorityScheduler::notify() noexcept {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    notified_ = true;
  }
  wake_.notify_all();
}

}  // namespace upgrader
