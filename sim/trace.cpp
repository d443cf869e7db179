#include "sim/trace.hpp"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

namespace sim {

std::string_view to_string(EventKind kind) {
  switch (kind) {
    case EventKind::Spawn: return "spawn";
    case EventKind::Run: return "run";
    case EventKind::Yield: return "yield";
    case EventKind::Sleep: return "sleep";
    case EventKind::Wake: return "wake";
    case EventKind::ClockJump: return "clock";
    case EventKind::Cpu: return "cpu";
    case EventKind::Park: return "park";
    case EventKind::Unpark: return "unpark";
    case EventKind::Finish: return "finish";
    case EventKind::Fail: return "fail";
    case EventKind::Kill: return "kill";
    case EventKind::Fs: return "fs";
    case EventKind::Crash: return "crash";
    case EventKind::Note: return "note";
    case EventKind::Stop: return "stop";
  }
  return "?";
}

namespace {
// Bytes as a little-endian word, so the hash is the same on every host.
std::uint64_t load_little_endian(const char* bytes, std::size_t size) {
  std::uint64_t word = 0;
  for (std::size_t i = 0; i < size; ++i) word |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  return word;
}
}  // namespace

void Trace::mix_bytes(std::string_view bytes) {
  std::size_t at = 0;
  for (; at + 8 <= bytes.size(); at += 8) mix(load_little_endian(bytes.data() + at, 8));
  if (at < bytes.size()) mix(load_little_endian(bytes.data() + at, bytes.size() - at));
}

void Trace::keep(std::int64_t time_ns, std::uint64_t fiber, EventKind kind, std::string_view detail) {
  events_.push_back({time_ns, fiber, kind, std::string(detail)});
}

void Trace::annotate(std::vector<Annotation> annotations) {
  if (!keep_events_ || annotations.empty()) return;
  std::stable_sort(annotations.begin(), annotations.end(),
                   [](const Annotation& a, const Annotation& b) { return a.index < b.index; });
  std::vector<TraceEvent> merged;
  merged.reserve(events_.size() + annotations.size());
  std::size_t next = 0;
  for (std::size_t i = 0; i <= events_.size(); ++i) {
    for (; next < annotations.size() && annotations[next].index <= i; ++next) merged.push_back(std::move(annotations[next].event));
    if (i < events_.size()) merged.push_back(std::move(events_[i]));
  }
  events_ = std::move(merged);
}

void Trace::set_fiber_name(std::uint64_t fiber, std::string_view name) {
  if (!keep_events_) return;
  if (fiber_names_.size() <= fiber) fiber_names_.resize(fiber + 1);
  fiber_names_[fiber] = name;
}

const std::string& Trace::fiber_name(std::uint64_t fiber) const {
  static const std::string unknown = "?";
  return fiber < fiber_names_.size() ? fiber_names_[fiber] : unknown;
}

namespace {
void format_time_to(fmt::memory_buffer& out, std::int64_t time_ns) {
  const std::int64_t ms = time_ns / 1'000'000;
  fmt::format_to(std::back_inserter(out), "{}:{:02}:{:02}.{:03}", ms / 3'600'000, ms / 60'000 % 60, ms / 1000 % 60,
                 ms % 1000);
}

void format_event(fmt::memory_buffer& out, const Trace& trace, const TraceEvent& e) {
  // The time is padded by nothing, so it is written in place rather than as a string first.
  out.push_back('[');
  format_time_to(out, e.time_ns);
  fmt::format_to(std::back_inserter(out), "] {:<16} {:<7} {}", trace.fiber_name(e.fiber), to_string(e.kind), e.detail);
}
}  // namespace

std::string format_time(std::int64_t time_ns) {
  fmt::memory_buffer out;
  format_time_to(out, time_ns);
  return fmt::to_string(out);
}

std::string Trace::format(const TraceEvent& e) const {
  fmt::memory_buffer out;
  format_event(out, *this, e);
  return fmt::to_string(out);
}

std::string Trace::dump(std::size_t first, std::size_t last) const {
  // One buffer for the whole dump: a string per event (and per time) was most of its cost.
  fmt::memory_buffer out;
  for (std::size_t i = first; i < events_.size() && i < last; ++i) {
    format_event(out, *this, events_[i]);
    out.push_back('\n');
  }
  return fmt::to_string(out);
}

}  // namespace sim
