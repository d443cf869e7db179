#pragma once
// The run API: a world is one deterministic simulation. Make it from a seed (or a recorded
// list of choices) and a strategy, spawn fibers, run it until every fiber is done, a virtual
// deadline, or a step limit; the result carries the trace hash and the choices used.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/choice_stream.hpp"
#include "sim/filesystem.hpp"
#include "sim/scheduler.hpp"
#include "sim/trace.hpp"

namespace sim {

struct WorldConfig {
  std::uint64_t seed = 0;
  std::optional<std::vector<std::uint64_t>> replay;  // set: replay these choices, ignore seed
  Strategy strategy = Strategy::RandomWalk;
  PctConfig pct;
  Limits limits;
  FsConfig fs;
  std::size_t stack_size = 256 * 1024;
  bool keep_trace_events = true;
};

enum class Outcome { Completed, Deadlock, Deadline, StepLimit, Failed };
std::string_view to_string(Outcome outcome);
std::string_view to_string(Strategy strategy);
std::optional<Strategy> parse_strategy(std::string_view name);

struct RunResult {
  Outcome outcome = Outcome::Completed;
  std::uint64_t trace_hash = 0;
  std::uint64_t trace_events = 0;
  std::vector<std::uint64_t> choices;
  std::uint64_t steps = 0;
  Time end_time{0};
  std::string failed_fiber;           // Failed
  std::string message;                // Failed: the exception's message; others: detail
  std::vector<std::string> blocked;   // Deadlock / Deadline / StepLimit: who was still alive
  bool replay_diverged = false;       // replay ran out of choices or hit out-of-range ones

  std::string summary() const;
};

class World {
 public:
  explicit World(WorldConfig config);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // The world running on this thread, or nullptr.
  static World* current();
  // "seed 7 (random), step 1234, at 0:00:03.100": where a run is (assertion messages).
  std::string position() const;

  FiberRef spawn(std::string name, int priority, std::function<void()> body);
  RunResult run();

  // Yield points (from inside a fiber).
  void yield() { scheduler_.yield(); }
  void sleep_for(Duration d) { scheduler_.sleep_until(now() + d); }
  void sleep_until(Time t) { scheduler_.sleep_until(t); }
  void park(std::string reason) { scheduler_.park(std::move(reason)); }
  void join(FiberRef fiber) { scheduler_.join(fiber); }
  void unpark(FiberRef fiber) { scheduler_.unpark(fiber); }
  void consume_cpu(Duration d, std::vector<Scheduler::CpuSpan>* held = nullptr) { scheduler_.consume_cpu(d, held); }
  void kill(FiberRef fiber) { scheduler_.kill(fiber); }

  Time now() const { return scheduler_.now(); }
  void note(std::string_view detail) { scheduler_.trace_event(EventKind::Note, detail); }
  // Power loss on the simulated disk (or, ProcessKill, a process kill that keeps the page
  // cache): what survives as SimFs::crash decides it.
  std::string crash_disk(SimFs::CrashOutcome outcome = SimFs::CrashOutcome::Drawn, std::uint64_t state = 0);

  ChoiceStream& choices() { return choices_; }
  Trace& trace() { return trace_; }
  SimFs& fs() { return fs_; }
  Scheduler& scheduler() { return scheduler_; }

 private:
  WorldConfig config_;
  ChoiceStream choices_;
  Trace trace_;
  Scheduler scheduler_;
  SimFs fs_;
  bool ran_ = false;
};

}  // namespace sim
