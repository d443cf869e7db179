#pragma once
// Every scheduling, clock and filesystem event of a run, and a 64-bit hash over all of them
// (mixed a word at a time as events are recorded).
// The hash is what determinism tests and replays compare; the events are for people.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sim {

enum class EventKind : std::uint8_t {
  Spawn, Run, Yield, Sleep, Wake, ClockJump, Cpu, Park, Unpark, Finish, Fail, Kill, Fs, Crash, Note, Stop
};
std::string_view to_string(EventKind kind);

struct TraceEvent {
  std::int64_t time_ns;
  std::uint64_t fiber;  // spawn sequence number; 0 is the world itself
  EventKind kind;
  std::string detail;
};

class Trace {
 public:
  // keep_events = false keeps only the hash (sweeps over many seeds).
  explicit Trace(bool keep_events = true) : keep_events_(keep_events) {}

  // Inline: every scheduled switch records one, and most carry no detail.
  void record(std::int64_t time_ns, std::uint64_t fiber, EventKind kind, std::string_view detail) {
    if (frozen_) return;
    mix(static_cast<std::uint64_t>(time_ns));
    mix(fiber);
    // The detail's length goes in with the kind, so "ab"+"c" and "a"+"bc" differ.
    mix(static_cast<std::uint64_t>(kind) | static_cast<std::uint64_t>(detail.size()) << 8);
    if (!detail.empty()) mix_bytes(detail);
    ++count_;
    if (keep_events_) keep(time_ns, fiber, kind, detail);
  }
  // Names are for formatting events, so a trace keeps them only with its events; the
  // scheduler's FiberInfo holds the one copy otherwise.
  void set_fiber_name(std::uint64_t fiber, std::string_view name);
  // Stops hashing and recording (used while a finished world unwinds its fibers).
  void freeze() { frozen_ = true; }

  // Events found after the run (the oracles' violations): each is placed before the event
  // that was at `index` when it was observed; kept for people, never hashed, so judging a
  // run never changes its hash.
  struct Annotation {
    std::size_t index;
    TraceEvent event;
  };
  void annotate(std::vector<Annotation> annotations);

  std::uint64_t hash() const { return hash_; }
  std::uint64_t event_count() const { return count_; }
  const std::vector<TraceEvent>& events() const { return events_; }
  const std::string& fiber_name(std::uint64_t fiber) const;
  std::size_t fiber_count() const { return fiber_names_.size(); }  // with events kept
  // One line per event: "[time] fiber kind detail".
  std::string dump(std::size_t first = 0, std::size_t last = SIZE_MAX) const;
  std::string format(const TraceEvent& event) const;

 private:
  void mix(std::uint64_t word) {
    // A word at a time (xor, odd multiply, xor-shift: each step a bijection of the state, so
    // no event is ever absorbed); byte-at-a-time FNV-1a cost a third of a scheduled switch.
    hash_ ^= word;
    hash_ *= 0x9e3779b97f4a7c15ULL;
    hash_ ^= hash_ >> 32;
  }
  void mix_bytes(std::string_view bytes);  // little-endian words, the last one short
  void keep(std::int64_t time_ns, std::uint64_t fiber, EventKind kind, std::string_view detail);

  bool keep_events_;
  bool frozen_ = false;
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;  // any fixed start; this is FNV-1a's basis
  std::uint64_t count_ = 0;
  std::vector<TraceEvent> events_;
  std::vector<std::string> fiber_names_{"world"};
};

std::string format_time(std::int64_t time_ns);

}  // namespace sim
