#include "sim/trace.hpp"

#include <algorithm>

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

void Trace::mix(const void* data, std::size_t size) {
  // FNV-1a, byte by byte: simple, published, and independent of endianness of the host
  // because every integer is fed in little-endian order below.
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) {
    hash_ ^= bytes[i];
    hash_ *= 0x100000001b3ULL;
  }
}

namespace {
void little_endian(std::uint64_t value, unsigned char out[8]) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<unsigned char>(value >> (8 * i));
}
}  // namespace

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

void Trace::record(std::int64_t time_ns, std::uint64_t fiber, EventKind kind,
                   std::string_view detail) {
  if (frozen_) return;
  unsigned char header[17];
  little_endian(static_cast<std::uint64_t>(time_ns), header);
  little_endian(fiber, header + 8);
  header[16] = static_cast<unsigned char>(kind);
  mix(header, sizeof header);
  mix(detail.data(), detail.size());
  const unsigned char end = 0xff;  // separates "ab"+"c" from "a"+"bc"
  mix(&end, 1);
  ++count_;
  if (keep_events_) events_.push_back({time_ns, fiber, kind, std::string(detail)});
}

void Trace::set_fiber_name(std::uint64_t fiber, std::string name) {
  if (fiber_names_.size() <= fiber) fiber_names_.resize(fiber + 1);
  fiber_names_[fiber] = std::move(name);
}

const std::string& Trace::fiber_name(std::uint64_t fiber) const {
  static const std::string unknown = "?";
  return fiber < fiber_names_.size() ? fiber_names_[fiber] : unknown;
}

std::string format_time(std::int64_t time_ns) {
  const std::int64_t ms = time_ns / 1'000'000;
  return fmt::format("{}:{:02}:{:02}.{:03}", ms / 3'600'000, ms / 60'000 % 60, ms / 1000 % 60,
                     ms % 1000);
}

std::string Trace::format(const TraceEvent& e) const {
  return fmt::format("[{}] {:<16} {:<7} {}", format_time(e.time_ns), fiber_name(e.fiber),
                     to_string(e.kind), e.detail);
}

std::string Trace::dump(std::size_t first, std::size_t last) const {
  std::string out;
  for (std::size_t i = first; i < events_.size() && i < last; ++i) {
    out += format(events_[i]);
    out += '\n';
  }
  return out;
}

}  // namespace sim
