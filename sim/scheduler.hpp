#pragma once
// The deterministic scheduler: decides which fiber runs, keeps the virtual clock and its
// timers, and switches between fibers itself.
//
// Every switch is decided here: a fiber gives up the CPU only at a yield point (yield,
// sleep, park, finish), and the fiber leaving resumes the one chosen next directly, a single
// Boost.Context switch (Boost.Fiber's own foundation). Going through Boost.Fiber's scheduler
// cost an algorithm call, an ontop call and, at every finish, a dispatcher round trip.
// Time advances only when no fiber is ready: the clock jumps to the earliest timer.
#include <boost/context/fiber.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include "sim/choice_stream.hpp"
#include "sim/fiber_info.hpp"
#include "sim/fiber_store.hpp"
#include "sim/ready_queue.hpp"
#include "sim/stack_pool.hpp"
#include "sim/trace.hpp"

namespace sim {

using Duration = std::chrono::nanoseconds;
using Time = std::chrono::nanoseconds;  // virtual time since the world began

struct PctConfig {
  std::uint32_t depth = 3;               // d: the bug depth PCT targets (d-1 change points)
  std::uint64_t expected_steps = 10'000;  // k: change points are drawn from [1, k]
};

struct Limits {
  Time deadline = Time::max();
  std::uint64_t max_steps = 50'000'000;
};

enum class StopReason { None, AllDone, Deadlock, Deadline, StepLimit, Failed };

// Thrown into fibers that are still alive when a world stops, to unwind them cleanly.
struct FiberCancelled {};

class Scheduler {
 public:
  Scheduler(ChoiceStream& choices, Trace& trace, Strategy strategy, PctConfig pct, Limits limits,
            std::size_t stack_size);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  FiberRef spawn(std::string name, int priority, std::function<void()> body);

  // Yield points; callable only from a simulated fiber.
  void yield();
  void sleep_until(Time when);
  void park(std::string reason);
  void join(FiberRef fiber);
  // Callable from anywhere in the world. A fiber that has finished is left alone.
  void unpark(FiberRef fiber);
  void set_priority(FiberRef fiber, int priority);
  // The fiber's process died (a crash): it unwinds with FiberCancelled at its next yield
  // point, or skips its body if it never ran. Its objects must outlive that moment.
  void kill(FiberRef fiber);
  // The running fiber holds the CPU for `d` of virtual time. Fibers of its priority or below
  // do not run meanwhile; one of a higher priority that becomes ready (its timer comes due)
  // preempts it at that instant, as Smalltalk's process scheduler does, and the rest of `d`
  // is spent once it gets the CPU back. The spans it actually held the CPU for are appended
  // to `held` when given.
  struct CpuSpan {
    Time start, end;
  };
  void consume_cpu(Duration d, std::vector<CpuSpan>* held = nullptr);

  Time now() const { return now_; }
  FiberInfo* current() const { return running_; }
  FiberInfo& current_checked() const;
  std::uint64_t steps() const { return steps_; }
  StopReason stop_reason() const { return stop_; }
  const std::string& failed_fiber() const { return failed_fiber_; }
  const std::string& failure() const { return failure_; }
  std::vector<std::string> blocked_fibers() const;
  std::size_t live_fibers() const { return live_; }
  // Fiber records built so far: finished fibers' records are reused.
  std::size_t records() const { return fibers_.size(); }
  const StackPool& stacks() const { return *stacks_; }

  // Runs the world until it stops, from its owner: any context that is none of this
  // scheduler's fibers, not only a thread's main context.
  void run_from_owner();
  // Then unwind every fiber still alive (FiberCancelled at its yield point).
  void drain();
  // A world destroyed without running (its setup threw after spawning): its fibers finish
  // here without their bodies, so none runs later, outside the simulator, on what it used.
  void discard_unstarted();
  void stop(StopReason reason, std::string detail = {});

  void trace_event(EventKind kind, std::string_view detail);

 private:
  struct Timer {
    std::int64_t at_ns;
    std::uint64_t seq;
    FiberInfo* fiber;
    bool operator>(const Timer& o) const { return at_ns != o.at_ns ? at_ns > o.at_ns : seq > o.seq; }
  };

  bool on_running_fiber() const;
  FiberInfo* decide();
  void wake_due_timers();
  // The earliest instant before `end` at which a fiber of a priority above `priority` wakes
  // (now, if one is ready already); nullopt if none does.
  std::optional<Time> preemption_before(Time end, int priority) const;
  void make_ready(FiberInfo* fiber);
  // Marks `fiber` running (its Run event).
  void switch_to(FiberInfo* fiber);
  // The running fiber (or, null, the owner) stops here until something resumes it; the
  // next fiber decide() picks runs meanwhile, or the owner once the world stops.
  void block(FiberInfo* self);
  // Resumes `to` (null: the owner) from the context `self` (null: the owner); returns when
  // something resumes `self`.
  void transfer(FiberInfo* self, FiberInfo* to);
  // What a finished fiber's entry returns: the continuation of the next to run, decided on
  // its own stack, which Boost frees (back to the pool) once that one runs.
  boost::context::fiber exit_to_next(FiberInfo& self);
  boost::context::fiber& continuation_of(FiberInfo* fiber) { return fiber != nullptr ? fiber->cont : owner_; }
  // Keeps the continuation Boost handed the context just resumed: the resumer's.
  void take_continuation(boost::context::fiber&& from);
  void check_cancelled(const FiberInfo& self) const;
  void finish(FiberInfo& fiber);
  // The sleeping and parked fibers, in spawn order (records are reused: not store order).
  std::vector<FiberInfo*> blocked_records() const;
  void pct_change_point();

  ChoiceStream& choices_;
  Trace& trace_;
  Strategy strategy_;
  PctConfig pct_;
  Limits limits_;
  StackPoolHandle stacks_;  // released, not deleted: stacks may come back after the world (StackPool::release)

  FiberStore fibers_;
  std::uint64_t spawned_ = 0;  // the last fiber id handed out
  ReadyQueue ready_;
  // A min-heap whose items preemption_before() can walk.
  struct TimerHeap : std::priority_queue<Timer, std::vector<Timer>, std::greater<>> {
    const std::vector<Timer>& items() const { return c; }
  };
  TimerHeap timers_;
  mutable std::vector<std::size_t> walk_;  // preemption_before's work list, kept to spare the hot path an allocation
  std::uint64_t timer_seq_ = 0;
  Time now_{0};
  std::uint64_t steps_ = 0;
  std::size_t live_ = 0;
  std::vector<std::uint64_t> change_points_;  // PCT, ascending
  std::size_t next_change_ = 0;

  FiberInfo* running_ = nullptr;  // null while the owner runs
  boost::context::fiber owner_;   // the owner's continuation while a fiber runs
  // Where the context that resumes another puts its own continuation, which the resumed one
  // receives from Boost: the switcher's slot (null when it finished and has none).
  boost::context::fiber* resume_slot_ = nullptr;
  bool draining_ = false;

  StopReason stop_ = StopReason::None;
  std::string failed_fiber_;
  std::string failure_;
};

}  // namespace sim
