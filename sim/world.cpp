#include "sim/world.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "support/assert.hpp"

namespace sim {
namespace {
thread_local World* current_world = nullptr;

std::string current_world_position() { return current_world != nullptr ? current_world->position() : std::string(); }
}  // namespace

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::Completed: return "completed";
    case Outcome::Deadlock: return "deadlock";
    case Outcome::Deadline: return "deadline";
    case Outcome::StepLimit: return "step-limit";
    case Outcome::Failed: return "failed";
  }
  return "?";
}

std::string_view to_string(Strategy strategy) {
  switch (strategy) {
    case Strategy::RandomWalk: return "random";
    case Strategy::Pct: return "pct";
    case Strategy::RoundRobin: return "rr";
  }
  return "?";
}

std::optional<Strategy> parse_strategy(std::string_view name) {
  if (name == "random") return Strategy::RandomWalk;
  if (name == "pct") return Strategy::Pct;
  if (name == "rr") return Strategy::RoundRobin;
  return std::nullopt;
}

std::string RunResult::summary() const {
  std::string out = fmt::format("{} at {} after {} steps, trace hash {:016x}", to_string(outcome),
                                format_time(end_time.count()), steps, trace_hash);
  if (outcome == Outcome::Failed) out += fmt::format(": fiber '{}' threw: {}", failed_fiber, message);
  if (!blocked.empty()) out += fmt::format("; still alive: {}", fmt::join(blocked, ", "));
  if (replay_diverged) out += " (replay diverged from its recording)";
  return out;
}

World::World(WorldConfig config)
    : config_(std::move(config)),
      choices_(config_.replay ? ChoiceStream::replaying(*config_.replay)
                              : ChoiceStream::seeded(config_.seed)),
      trace_(config_.keep_trace_events),
      scheduler_(choices_, trace_, config_.strategy, config_.pct, config_.limits, config_.stack_size),
      fs_(choices_, config_.fs) {
  if (current_world != nullptr) throw std::logic_error("sim: one world per thread at a time");
  current_world = this;
  support::set_assert_context(&current_world_position);
  // Every file operation is traced and is a yield point (when made from a fiber).
  fs_.set_op_hook([this](std::string_view op, std::string_view path) {
    scheduler_.trace_event(EventKind::Fs, fmt::format("{} {}", op, path));
    if (scheduler_.current() != nullptr) scheduler_.yield();
  });
}

World::~World() {
  if (!ran_) scheduler_.discard_unstarted();
  current_world = nullptr;
}

World* World::current() { return current_world; }

std::string World::position() const {
  const std::string source = config_.replay ? fmt::format("replay of {} recorded choices", config_.replay->size())
                                            : fmt::format("seed {}", config_.seed);
  return fmt::format("world {} ({}), step {}, at {}", source, to_string(config_.strategy), scheduler_.steps(),
                     format_time(now().count()));
}

FiberRef World::spawn(std::string name, int priority, std::function<void()> body) {
  return scheduler_.spawn(std::move(name), priority, std::move(body));
}

std::string World::crash_disk(SimFs::CrashOutcome outcome, std::uint64_t state) {
  std::string report = fs_.crash(outcome, state);
  trace_.record(now().count(), 0, EventKind::Crash, report);
  return report;
}

RunResult World::run() {
  if (ran_) throw std::logic_error("sim: a world runs once");
  ran_ = true;
  RunResult result;
  // The result is taken when the world stops, before its leftover fibers are unwound.
  scheduler_.run_from_owner();
  switch (scheduler_.stop_reason()) {
    case StopReason::None:
    case StopReason::AllDone: result.outcome = Outcome::Completed; break;
    case StopReason::Deadlock: result.outcome = Outcome::Deadlock; break;
    case StopReason::Deadline: result.outcome = Outcome::Deadline; break;
    case StopReason::StepLimit: result.outcome = Outcome::StepLimit; break;
    case StopReason::Failed: result.outcome = Outcome::Failed; break;
  }
  result.trace_hash = trace_.hash();
  result.trace_events = trace_.event_count();
  result.choices = choices_.recorded();
  result.steps = scheduler_.steps();
  result.end_time = scheduler_.now();
  result.failed_fiber = scheduler_.failed_fiber();
  result.message = scheduler_.failure();
  result.blocked = scheduler_.blocked_fibers();
  result.replay_diverged = choices_.is_replay() && choices_.diverged();
  scheduler_.drain();
  return result;
}

}  // namespace sim
