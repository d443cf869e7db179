#include "sim/scheduler.hpp"

#include "support/asan_fibers.hpp"
#include "support/assert.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <iterator>
#include <stdexcept>

namespace sim {

namespace {
// A context's name for ASan's bookkeeping: its fiber record, or the owner's slot.
const void* asan_key(const FiberInfo* fiber, const boost::context::fiber& owner) {
  return fiber != nullptr ? static_cast<const void*>(fiber) : static_cast<const void*>(&owner);
}
}  // namespace

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

Scheduler::~Scheduler() { support::asan::forget(asan_key(nullptr, owner_)); }

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
// ASan's annotations). Boost keeps a copy in the fiber and frees the stack through it, on
// the next context's stack, right after a finished fiber's last switch.
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

FiberRef Scheduler::spawn(std::string name, int priority, std::function<void()> body) {
  FiberInfo& info = fibers_.acquire();
  info.id = ++spawned_;
  info.name = std::move(name);
  info.priority = priority;
  info.state = FiberState::Ready;
  if (strategy_ == Strategy::Pct) {
    // Initial PCT priorities lie above every change-point priority (1..d-1).
    info.pct_priority = static_cast<std::int64_t>(pct_.depth) +
                        static_cast<std::int64_t>(choices_.below(1u << 30));
  }
  trace_.set_fiber_name(info.id, info.name);
  // "<name> prio=<priority>", appended on the stack: no string, no format string to parse.
  fmt::memory_buffer detail;
  const fmt::format_int prio(priority);
  constexpr std::string_view kPrio = " prio=";
  detail.append(info.name.data(), info.name.data() + info.name.size());
  detail.append(kPrio.data(), kPrio.data() + kPrio.size());
  detail.append(prio.data(), prio.data() + prio.size());
  trace_event(EventKind::Spawn, std::string_view(detail.data(), detail.size()));
  ++live_;

  FiberInfo* self = &info;
  auto entry = [this, self, body = std::move(body)](boost::context::fiber&& resumer) -> boost::context::fiber {
    support::asan::after_switch(self);
    take_continuation(std::move(resumer));
    if (!draining_ && !self->killed) {
      try {
        body();
      } catch (const FiberCancelled&) {
      } catch (const boost::context::detail::forced_unwind&) {
        throw;  // Boost unwinding a fiber it destroys (never a finished world's)
      } catch (const std::exception& e) {
        if (!self->killed) stop(StopReason::Failed, e.what());  // a killed fiber's process died
      } catch (...) {
        if (!self->killed) stop(StopReason::Failed, "unknown exception");
      }
    }
    finish(*self);
    return exit_to_next(*self);
  };
  info.cont = boost::context::fiber(std::allocator_arg, RecordingStack(stacks_.get(), self), std::move(entry));
  make_ready(self);
  return info;
}

void Scheduler::finish(FiberInfo& fiber) {
  HOTSIM_ASSERT(fiber.state != FiberState::Finished && live_ > 0, "fiber {} '{}' finished twice ({} fibers live)", fiber.id,
                fiber.name, live_);
  HOTSIM_ASSERT(!fiber.queued, "fiber {} '{}' finished while still in the ready queue", fiber.id, fiber.name);
  fiber.state = FiberState::Finished;
  --live_;
  trace_event(EventKind::Finish, {});
  for (FiberRef joiner : fiber.joiners) unpark(joiner);
  fiber.joiners.clear();
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

void Scheduler::kill(FiberRef ref) {
  if (ref.finished()) return;
  FiberInfo& fiber = *ref.record;
  if (fiber.killed) return;
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

void Scheduler::switch_to(FiberInfo* fiber) {
  HOTSIM_ASSERT(fiber->state == FiberState::Ready && !fiber->queued, "switching to fiber {} '{}' in state {}{}", fiber->id,
                fiber->name, static_cast<int>(fiber->state), fiber->queued ? ", still queued" : "");
  running_ = fiber;
  fiber->state = FiberState::Running;
  trace_.record(now_.count(), fiber->id, EventKind::Run, {});
}

void Scheduler::take_continuation(boost::context::fiber&& from) {
  // Empty when the context that resumed this one has finished: Boost freed it already.
  if (from) *resume_slot_ = std::move(from);
}

void Scheduler::transfer(FiberInfo* self, FiberInfo* to) {
  boost::context::fiber& target = continuation_of(to);
  HOTSIM_ASSERT(static_cast<bool>(target), "switching to fiber '{}', which has no continuation", to != nullptr ? to->name : "owner");
  resume_slot_ = &continuation_of(self);
  support::asan::before_switch(asan_key(self, owner_), asan_key(to, owner_), to != nullptr ? to->stack_bottom : nullptr,
                               to != nullptr ? to->stack_size : 0, false);
  boost::context::fiber resumer = std::move(target).resume();
  support::asan::after_switch(asan_key(self, owner_));
  take_continuation(std::move(resumer));
}

void Scheduler::block(FiberInfo* self) {
  FiberInfo* next = decide();
  if (next != nullptr) switch_to(next);
  else running_ = nullptr;
  // The same context (it slept alone and its timer came first; or, the owner, the world
  // stopped at once) goes on without a switch.
  if (next != self) transfer(self, next);
}

boost::context::fiber Scheduler::exit_to_next(FiberInfo& self) {
  FiberInfo* next = decide();
  if (next != nullptr) switch_to(next);
  else running_ = nullptr;
  resume_slot_ = nullptr;  // a finished fiber leaves no continuation to keep
  support::asan::before_switch(&self, asan_key(next, owner_), next != nullptr ? next->stack_bottom : nullptr,
                               next != nullptr ? next->stack_size : 0, true);
  boost::context::fiber& target = continuation_of(next);
  HOTSIM_ASSERT(static_cast<bool>(target), "fiber '{}' finished into '{}', which has no continuation", self.name,
                next != nullptr ? next->name : "owner");
  fibers_.release(self);  // nothing on this stack touches the record again
  return std::move(target);
}

void Scheduler::yield() {
  FiberInfo& self = current_checked();
  check_cancelled(self);
  make_ready(&self);
  block(&self);
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
  block(&self);
  check_cancelled(self);
}

void Scheduler::park(std::string reason) {
  FiberInfo& self = current_checked();
  check_cancelled(self);
  HOTSIM_ASSERT(self.state == FiberState::Running && !self.queued, "fiber '{}' parks while not running", self.name);
  self.state = FiberState::Parked;
  trace_event(EventKind::Park, reason);
  self.park_reason = std::move(reason);
  block(&self);
  check_cancelled(self);
}

void Scheduler::unpark(FiberRef ref) {
  FiberInfo* record = ref.get();
  if (record == nullptr || record->state != FiberState::Parked) return;
  FiberInfo& fiber = *record;
  trace_event(EventKind::Unpark, fiber.name);
  fiber.park_reason.clear();
  make_ready(&fiber);
}

void Scheduler::join(FiberRef ref) {
  FiberInfo& self = current_checked();
  if (ref.record == &self) throw std::logic_error("sim: a fiber cannot join itself");
  while (!ref.finished()) {
    ref.record->joiners.push_back(FiberRef(self));
    park("join " + ref.record->name);
  }
}

void Scheduler::set_priority(FiberRef ref, int priority) {
  if (ref.finished()) return;
  FiberInfo& fiber = *ref.record;
  // A ready fiber sits in its priority's bucket: move it to the new one.
  const bool queued = fiber.state == FiberState::Ready;
  if (queued) ready_.remove(&fiber);
  fiber.priority = priority;
  if (queued) ready_.push(&fiber);
}

std::vector<FiberInfo*> Scheduler::blocked_records() const {
  std::vector<FiberInfo*> out;
  for (std::size_t i = 0; i < fibers_.size(); ++i) {
    const FiberInfo& f = fibers_[i];
    if (f.state == FiberState::Sleeping || f.state == FiberState::Parked) out.push_back(const_cast<FiberInfo*>(&f));
  }
  std::sort(out.begin(), out.end(), [](const FiberInfo* a, const FiberInfo* b) { return a->id < b->id; });
  return out;
}

std::vector<std::string> Scheduler::blocked_fibers() const {
  std::vector<std::string> out;
  for (const FiberInfo* f : blocked_records())
    out.push_back(f->name + (f->state == FiberState::Parked ? " (" + f->park_reason + ")" : std::string(" (sleeping)")));
  return out;
}

void Scheduler::run_from_owner() {
  if (on_running_fiber()) throw std::logic_error("sim: a world runs from outside its fibers");
  if (live_ > 0) block(nullptr);
  else stop(StopReason::AllDone);
}

void Scheduler::drain() {
  if (live_ == 0) return;
  // Unwind every fiber still alive: sleepers and parked ones are made ready and throw
  // FiberCancelled at their yield point; fibers that never ran skip their body.
  trace_.freeze();
  draining_ = true;
  for (FiberInfo* f : blocked_records()) make_ready(f);
  block(nullptr);
  HOTSIM_ASSERT(live_ == 0, "{} fibers could not be unwound (blocked outside the simulator)", live_);
}

void Scheduler::discard_unstarted() {
  if (live_ == 0) return;
  HOTSIM_ASSERT(!on_running_fiber(), "a world with {} fibers was destroyed without running, from one of its fibers", live_);
  drain();  // nothing has run yet: every fiber finishes without its body
}

}  // namespace sim
