#include "sim/scheduler.hpp"

#include "support/asan_fibers.hpp"
#include "support/assert.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/fiber/context.hpp>
#include <boost/fiber/fiber.hpp>
#include <exception>
#include <iterator>
#include <stdexcept>

namespace sim {

using boost::fibers::context;

Scheduler::Scheduler(ChoiceStream& choices, Trace& trace, Strategy strategy, PctConfig pct,
                     Limits limits, std::size_t stack_size)
    : choices_(choices),
      trace_(trace),
      strategy_(strategy),
      pct_(pct),
      limits_(limits),
      stacks_(new StackPool(stack_size)),
      ready_(strategy) {
  if (strategy_ == Strategy::Pct) {
    // PCT (Burckhardt et al. 2010): d-1 priority change points, uniform in [1, k].
    const std::uint64_t k = std::max<std::uint64_t>(pct_.expected_steps, 1);
    for (std::uint32_t i = 1; i < pct_.depth; ++i) change_points_.push_back(1 + choices_.below(k));
    std::sort(change_points_.begin(), change_points_.end());
  }
}

bool Scheduler::on_running_fiber() const {
  // The running fiber's own stack holds this frame exactly when we run on that fiber: an
  // address compare, where asking Boost (context::active()) is a thread-local lookup
  // through the dynamic linker on every switch.
  if (running_ == nullptr || running_->stack_bottom == nullptr) return false;
  const auto* frame = static_cast<const char*>(__builtin_frame_address(0));
  const auto* bottom = static_cast<const char*>(running_->stack_bottom);
  return frame >= bottom && frame < bottom + running_->stack_size;
}

FiberInfo& Scheduler::current_checked() const {
  if (!on_running_fiber())
    throw std::logic_error("sim: a yield point was reached outside a simulated fiber");
  return *running_;
}

void Scheduler::trace_event(EventKind kind, std::string_view detail) {
  trace_.record(now_.count(), on_running_fiber() ? running_->id : 0, kind, detail);
}

namespace {

// A stack from the world's pool, remembering where it lies (the running-fiber check and
// ASan's annotations). Boost keeps a copy in the fiber and frees the stack through it.
class RecordingStack {
 public:
  RecordingStack(StackPool* pool, FiberInfo* fiber) : pool_(pool), fiber_(fiber) {}
  boost::context::stack_context allocate() {
    boost::context::stack_context sctx = pool_->allocate();
    fiber_->stack_size = sctx.size;
    fiber_->stack_bottom = static_cast<const char*>(sctx.sp) - sctx.size;
    return sctx;
  }
  void deallocate(boost::context::stack_context& sctx) noexcept { pool_->deallocate(sctx); }

 private:
  StackPool* pool_;
  FiberInfo* fiber_;
};

}  // namespace

FiberInfo& Scheduler::spawn(std::string name, int priority, std::function<void()> body) {
  FiberInfo& info = fibers_.emplace_back();
  info.id = fibers_.size();
  info.name = std::move(name);
  info.priority = priority;
  info.state = FiberState::Ready;
  if (strategy_ == Strategy::Pct) {
    // Initial PCT priorities lie above every change-point priority (1..d-1).
    info.pct_priority = static_cast<std::int64_t>(pct_.depth) +
                        static_cast<std::int64_t>(choices_.below(1u << 30));
  }
  trace_.set_fiber_name(info.id, info.name);
  fmt::memory_buffer detail;  // on the stack: a spawn allocates no string for its event
  fmt::format_to(std::back_inserter(detail), "{} prio={}", info.name, priority);
  trace_event(EventKind::Spawn, std::string_view(detail.data(), detail.size()));
  ++live_;

  FiberInfo* self = &info;
  auto wrapper = [this, self, body = std::move(body)]() noexcept {
    support::asan::after_switch();
    if (!draining_ && !self->killed) {
      try {
        body();
      } catch (const FiberCancelled&) {
      } catch (const std::exception& e) {
        if (!self->killed) stop(StopReason::Failed, e.what());  // a killed fiber's process died
      } catch (...) {
        if (!self->killed) stop(StopReason::Failed, "unknown exception");
      }
    }
    finish(*self);
  };
  pending_spawn_ = self;  // read by SimAlgorithm::new_properties inside the constructor
  boost::fibers::fiber fiber(std::allocator_arg, RecordingStack(stacks_.get(), self), std::move(wrapper));
  fiber.detach();
  return info;
}

void Scheduler::finish(FiberInfo& fiber) {
  HOTSIM_ASSERT(fiber.state != FiberState::Finished && live_ > 0, "fiber {} '{}' finished twice ({} fibers live)", fiber.id,
                fiber.name, live_);
  HOTSIM_ASSERT(!fiber.queued, "fiber {} '{}' finished while still in the ready queue", fiber.id, fiber.name);
  fiber.state = FiberState::Finished;
  --live_;
  trace_event(EventKind::Finish, {});
  for (FiberInfo* joiner : fiber.joiners) unpark(*joiner);
  fiber.joiners.clear();
  running_finished_ = true;  // lets Boost's dispatcher free this stack (pitfall 1)
}

void Scheduler::stop(StopReason reason, std::string detail) {
  if (stop_ != StopReason::None) return;
  stop_ = reason;
  if (reason == StopReason::Failed) {
    failed_fiber_ = running_ != nullptr ? running_->name : "world";
    failure_ = detail;
    trace_event(EventKind::Fail, detail);
  }
  trace_.record(now_.count(), 0, EventKind::Stop,
                fmt::format("{} {}", static_cast<int>(reason), detail));
}

void Scheduler::check_cancelled(const FiberInfo& self) const {
  if ((draining_ || self.killed) && std::uncaught_exceptions() == 0) throw FiberCancelled{};
}

void Scheduler::kill(FiberInfo& fiber) {
  if (fiber.state == FiberState::Finished || fiber.killed) return;
  fiber.killed = true;
  trace_event(EventKind::Kill, fiber.name);
  if (fiber.state == FiberState::Sleeping || fiber.state == FiberState::Parked) make_ready(&fiber);
}

void Scheduler::make_ready(FiberInfo* fiber) {
  // A fiber is in exactly one place: running, ready (queued once), sleeping, parked, finished.
  HOTSIM_ASSERT(fiber->state != FiberState::Finished, "finished fiber {} '{}' made ready", fiber->id, fiber->name);
  HOTSIM_ASSERT(!fiber->queued, "fiber {} '{}' made ready while already in the ready queue", fiber->id, fiber->name);
  fiber->state = FiberState::Ready;
  ready_.push(fiber);
}

void Scheduler::pct_change_point() {
  while (next_change_ < change_points_.size() && change_points_[next_change_] <= steps_) {
    // At change point i the fiber that ran last drops to priority d-1-i, below all others.
    FiberInfo* last = running_;
    const auto low = static_cast<std::int64_t>(pct_.depth) - 1 - static_cast<std::int64_t>(next_change_);
    ++next_change_;
    if (last == nullptr || last->state == FiberState::Finished) continue;
    const bool queued = last->state == FiberState::Ready;
    if (queued) ready_.remove(last);
    last->pct_priority = low;
    if (queued) ready_.push(last);
  }
}

FiberInfo* Scheduler::decide() {
  if (draining_) return ready_.pop_oldest();
  if (stop_ != StopReason::None) return nullptr;
  for (;;) {
    if (now_ >= limits_.deadline) {  // CPU time (consume_cpu) can carry the clock past it
      now_ = limits_.deadline;
      stop(StopReason::Deadline, format_time(now_.count()));
      return nullptr;
    }
    if (!timers_.empty() && timers_.top().at_ns <= now_.count()) wake_due_timers();
    if (!ready_.empty()) {
      if (steps_ >= limits_.max_steps) {
        stop(StopReason::StepLimit, fmt::format("after {} steps", steps_));
        return nullptr;
      }
      if (strategy_ == Strategy::Pct) pct_change_point();
      ++steps_;
      FiberInfo* next = ready_.pop(choices_);
      HOTSIM_ASSERT(next != nullptr && next->state == FiberState::Ready, "the ready queue handed out a fiber that is not ready ({})",
                    next != nullptr ? next->name : "none");
      return next;
    }
    // Nothing ready: drop stale timers, then jump the clock to the earliest one.
    while (!timers_.empty() && (timers_.top().fiber->state != FiberState::Sleeping ||
                                timers_.top().fiber->timer_seq != timers_.top().seq))
      timers_.pop();
    if (timers_.empty()) {
      if (live_ > 0)
        stop(StopReason::Deadlock, fmt::format("{} fibers blocked, no timers", live_));
      else
        stop(StopReason::AllDone);
      return nullptr;
    }
    const std::int64_t at = timers_.top().at_ns;
    HOTSIM_ASSERT(at >= now_.count(), "the clock would go back from {} to {} (timer of '{}')", now_.count(), at,
                  timers_.top().fiber->name);
    if (at > limits_.deadline.count()) {
      now_ = limits_.deadline;
      stop(StopReason::Deadline, format_time(now_.count()));
      return nullptr;
    }
    now_ = Time(at);
    trace_.record(now_.count(), 0, EventKind::ClockJump, {});
    wake_due_timers();
  }
}

void Scheduler::wake_due_timers() {
  // Every fiber due by now becomes ready; the choice stream then orders equal deadlines.
  while (!timers_.empty() && timers_.top().at_ns <= now_.count()) {
    Timer t = timers_.top();
    timers_.pop();
    if (t.fiber->state != FiberState::Sleeping || t.fiber->timer_seq != t.seq) continue;
    trace_.record(now_.count(), t.fiber->id, EventKind::Wake, {});
    make_ready(t.fiber);
  }
}

void Scheduler::consume_cpu(Duration d, std::vector<CpuSpan>* held) {
  FiberInfo& self = current_checked();
  for (Duration left = d; left.count() > 0;) {
    const Time start = now_;
    const std::optional<Time> preempted = preemption_before(now_ + left, self.priority);
    const Time end = preempted.value_or(now_ + left);
    if (end > start) {
      // Each piece the fiber holds the CPU, at its start with its length in µs (hot path):
      // a trace (and its Perfetto slices) shows the work as it really ran.
      const fmt::format_int micros((end - start).count() / 1000);
      trace_event(EventKind::Cpu, std::string_view(micros.data(), micros.size()));
      now_ = end;
      left -= end - start;
      if (held != nullptr) held->push_back({start, end});
    }
    if (!preempted) return;
    yield();  // the higher fiber runs first; this one resumes its work once it is the highest again
  }
}

std::optional<Time> Scheduler::preemption_before(Time end, int priority) const {
  if (!ready_.empty() && ready_.highest_priority() > priority) return now_;
  // Walk the heap only where timers fall before `end` (a subtree's timers come no sooner
  // than its root's).
  std::optional<Time> first;
  const std::vector<Timer>& heap = timers_.items();
  std::vector<std::size_t>& todo = walk_;
  todo.clear();
  if (!heap.empty()) todo.push_back(0);
  while (!todo.empty()) {
    const std::size_t i = todo.back();
    todo.pop_back();
    const Timer& t = heap[i];
    if (t.at_ns >= end.count() || (first && t.at_ns >= first->count())) continue;
    const bool live = t.fiber->state == FiberState::Sleeping && t.fiber->timer_seq == t.seq;
    if (live && t.fiber->priority > priority) first = Time(std::max(t.at_ns, now_.count()));
    for (std::size_t child : {2 * i + 1, 2 * i + 2})
      if (child < heap.size()) todo.push_back(child);
  }
  return first;
}

context* Scheduler::switch_to(FiberInfo* fiber) {
  HOTSIM_ASSERT(fiber->state == FiberState::Ready && !fiber->queued, "switching to fiber {} '{}' in state {}{}", fiber->id,
                fiber->name, static_cast<int>(fiber->state), fiber->queued ? ", still queued" : "");
  HOTSIM_ASSERT(fiber->context != nullptr, "switching to fiber {} '{}' that Boost never handed over", fiber->id, fiber->name);
  running_ = fiber;
  fiber->state = FiberState::Running;
  trace_.record(now_.count(), fiber->id, EventKind::Run, {});
  return fiber->context;
}

context* Scheduler::hand_over(context* from, context* to, bool from_dies) {
  if (!migrating_) {
    const FiberInfo* info = nullptr;
    for (const FiberInfo* f : {running_, handoff_info_})
      if (f != nullptr && f->context == to) info = f;
    support::asan::before_switch(from, to, info ? info->stack_bottom : nullptr, info ? info->stack_size : 0, from_dies);
  }
  return to;
}

context* Scheduler::pick_next() noexcept {
  support::asan::after_switch();  // the dispatcher arrives here first after a switch to it
  if (handoff_ != nullptr) {
    // The switch a yield decided: the hot path. Which context is leaving matters only to
    // ASan's annotations, so only an ASan build pays for asking Boost.
    context* to = std::exchange(handoff_, nullptr);
    if constexpr (support::asan::kEnabled) {
      context* active = context::active();
      hand_over(active, to, running_finished_ && running_ != nullptr && active == running_->context);
    }
    handoff_info_ = nullptr;
    return to;
  }
  context* active = context::active();
  const bool active_died = running_finished_ && running_ != nullptr && active == running_->context;
  if (running_finished_ && dispatcher_ready_ && active != dispatcher_) {
    running_finished_ = false;
    dispatcher_ready_ = false;
    return hand_over(active, dispatcher_, active_died);
  }
  running_finished_ = false;
  if (FiberInfo* next = decide()) {
    context* ctx = switch_to(next);
    if (ctx != active) return hand_over(active, ctx, active_died);
    // The fiber that just blocked is itself the next to run (it slept alone): a context
    // cannot resume itself, so go through the dispatcher, which comes straight back.
    HOTSIM_ASSERT(dispatcher_ready_, "dispatcher not ready for a self-handoff of fiber '{}'", next->name);
    handoff_ = ctx;
    handoff_info_ = next;
    dispatcher_ready_ = false;
    return hand_over(active, dispatcher_, false);
  }
  if (main_waiting_ && active != main_) {
    main_waiting_ = false;
    running_ = nullptr;
    return hand_over(active, main_, active_died);
  }
  if (dispatcher_ready_ && active != dispatcher_) {
    dispatcher_ready_ = false;
    return hand_over(active, dispatcher_, active_died);
  }
  return nullptr;
}

bool Scheduler::has_ready_fibers() const noexcept {
  return handoff_ != nullptr || dispatcher_ready_ || !ready_.empty();
}

void Scheduler::on_awakened(context* ctx, FiberInfo* info) noexcept {
  if (info != nullptr) {
    HOTSIM_ASSERT(info->state == FiberState::Ready && !info->queued && info->context == nullptr,
                  "Boost woke fiber {} '{}' a second time (state {})", info->id, info->name, static_cast<int>(info->state));
    info->context = ctx;
    make_ready(info);
  } else if (ctx->is_context(boost::fibers::type::dispatcher_context)) {
    dispatcher_ = ctx;
    dispatcher_ready_ = true;
  } else if (ctx->is_context(boost::fibers::type::main_context)) {
    main_ = ctx;
    main_waiting_ = true;
  }
}

void Scheduler::suspend(context* self) {
  self->suspend();
  support::asan::after_switch();
}

void Scheduler::yield() {
  FiberInfo& self = current_checked();
  check_cancelled(self);
  make_ready(&self);
  FiberInfo* next = decide();
  if (next == &self) {
    switch_to(&self);
    return;
  }
  if (next != nullptr) {
    handoff_ = switch_to(next);
    handoff_info_ = next;
  } else {
    main_waiting_ = false;
    handoff_ = main_;
    running_ = nullptr;
  }
  suspend(self.context);
  check_cancelled(self);
}

void Scheduler::sleep_until(Time when) {
  FiberInfo& self = current_checked();
  check_cancelled(self);
  if (when <= now_) {
    yield();
    return;
  }
  HOTSIM_ASSERT(self.state == FiberState::Running && !self.queued, "fiber '{}' sleeps while not running", self.name);
  self.state = FiberState::Sleeping;
  self.wake_at_ns = when.count();
  self.timer_seq = ++timer_seq_;
  timers_.push({when.count(), self.timer_seq, &self});
  const fmt::format_int wake_ns(when.count());  // no allocation on this hot path
  trace_event(EventKind::Sleep, std::string_view(wake_ns.data(), wake_ns.size()));
  suspend(running_->context);
  check_cancelled(self);
}

void Scheduler::park(std::string reason) {
  FiberInfo& self = current_checked();
  check_cancelled(self);
  HOTSIM_ASSERT(self.state == FiberState::Running && !self.queued, "fiber '{}' parks while not running", self.name);
  self.state = FiberState::Parked;
  trace_event(EventKind::Park, reason);
  self.park_reason = std::move(reason);
  suspend(running_->context);
  check_cancelled(self);
}

void Scheduler::unpark(FiberInfo& fiber) {
  if (fiber.state != FiberState::Parked) return;
  trace_event(EventKind::Unpark, fiber.name);
  fiber.park_reason.clear();
  make_ready(&fiber);
}

void Scheduler::join(FiberInfo& fiber) {
  FiberInfo& self = current_checked();
  if (&fiber == &self) throw std::logic_error("sim: a fiber cannot join itself");
  while (fiber.state != FiberState::Finished) {
    fiber.joiners.push_back(&self);
    park("join " + fiber.name);
  }
}

void Scheduler::set_priority(FiberInfo& fiber, int priority) {
  // Boost's notify() does not reach a custom ready structure (pitfall 2): re-bucket here.
  const bool queued = fiber.state == FiberState::Ready;
  if (queued) ready_.remove(&fiber);
  fiber.priority = priority;
  if (queued) ready_.push(&fiber);
}

std::vector<std::string> Scheduler::blocked_fibers() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < fibers_.size(); ++i) {
    const FiberInfo& f = fibers_[i];
    if (f.state == FiberState::Parked) out.push_back(f.name + " (" + f.park_reason + ")");
    if (f.state == FiberState::Sleeping) out.push_back(f.name + " (sleeping)");
  }
  return out;
}

void Scheduler::run_from_main() {
  context* active = context::active();
  if (!active->is_context(boost::fibers::type::main_context))
    throw std::logic_error("sim: a world runs from the thread's main context only");
  main_ = active;
  if (live_ > 0) {
    main_waiting_ = true;
    suspend(active);
  } else {
    stop(StopReason::AllDone);
  }
}

void Scheduler::drain() {
  if (live_ == 0) return;
  // Unwind every fiber still alive: sleepers and parked ones are made ready and throw
  // FiberCancelled at their yield point; fibers that never ran skip their body.
  trace_.freeze();
  draining_ = true;
  for (std::size_t i = 0; i < fibers_.size(); ++i) {
    FiberInfo& f = fibers_[i];
    if (f.state == FiberState::Sleeping || f.state == FiberState::Parked) make_ready(&f);
  }
  main_waiting_ = true;
  suspend(context::active());
  HOTSIM_ASSERT(live_ == 0, "{} fibers could not be unwound (blocked outside the simulator)", live_);
}

void Scheduler::discard_unstarted() {
  if (live_ == 0) return;
  context* active = context::active();
  HOTSIM_ASSERT(active->is_context(boost::fibers::type::main_context),
                "a world with {} fibers was destroyed without running, off the thread's main context", live_);
  main_ = active;
  drain();  // nothing has run yet: every fiber finishes without its body
}

void SimAlgorithm::awakened(context* ctx, SimProps& props) noexcept {
  scheduler_->on_awakened(ctx, static_cast<FiberInfo*>(props.owner));
}

context* SimAlgorithm::pick_next() noexcept { return scheduler_->pick_next(); }

bool SimAlgorithm::has_ready_fibers() const noexcept { return scheduler_->has_ready_fibers(); }

void SimAlgorithm::suspend_until(std::chrono::steady_clock::time_point const&) noexcept {
  // Reached only if every fiber is blocked on something the simulator does not own
  // (a Boost mutex, a real timer): that would wait on the wall clock, which is banned.
  HOTSIM_ASSERT(false, "scheduler idle with nothing it can wake; a fiber blocked outside sim/");
}

boost::fibers::fiber_properties* SimAlgorithm::new_properties(context* ctx) {
  auto* props = new SimProps(ctx);
  props->owner = scheduler_->take_pending_spawn();
  return props;
}

}  // namespace sim
