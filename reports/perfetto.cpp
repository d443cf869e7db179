#include "reports/perfetto.hpp"

#include <fmt/format.h>

#include <map>

namespace reports {

namespace {

double micros(std::int64_t ns) { return static_cast<double>(ns) / 1000.0; }
double micros(sim::Time t) { return micros(t.count()); }

}  // namespace

nlohmann::json perfetto_trace(const scenarios::RunReport& run) {
  using nlohmann::json;
  json events = json::array();
  const int pid = 1;
  events.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", pid},
                    {"args", {{"name", fmt::format("hotsim {} / {} / seed {}", run.scenario, run.policy, run.seed)}}}});
  std::map<std::string, std::uint64_t> tid_of;
  for (std::uint64_t id = 0; id < run.fiber_names.size(); ++id) {
    events.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", pid}, {"tid", id}, {"args", {{"name", run.fiber_names[id]}}}});
    events.push_back({{"ph", "M"}, {"name", "thread_sort_index"}, {"pid", pid}, {"tid", id}, {"args", {{"sort_index", id}}}});
    tid_of.emplace(run.fiber_names[id], id);  // first fiber of a name (sessions keep theirs)
  }
  std::map<std::uint64_t, std::int64_t> asleep_since;
  for (const sim::TraceEvent& e : run.events) {
    const std::string& fiber = e.fiber < run.fiber_names.size() ? run.fiber_names[e.fiber] : "";
    switch (e.kind) {
      case sim::EventKind::Cpu: {
        const std::int64_t us = std::stoll(e.detail);
        const bool upgrade = fiber == "code loader";
        events.push_back({{"ph", "X"}, {"name", upgrade ? "upgrade work" : "cpu"}, {"cat", upgrade ? "upgrade" : "request"},
                          {"pid", pid}, {"tid", e.fiber}, {"ts", micros(e.time_ns)}, {"dur", us}});
        break;
      }
      case sim::EventKind::Sleep: asleep_since[e.fiber] = e.time_ns; break;
      case sim::EventKind::Wake:
        if (auto it = asleep_since.find(e.fiber); it != asleep_since.end()) {
          events.push_back({{"ph", "X"}, {"name", "sleep"}, {"cat", "sleep"}, {"pid", pid}, {"tid", e.fiber},
                            {"ts", micros(it->second)}, {"dur", micros(e.time_ns - it->second)}});
          asleep_since.erase(it);
        }
        break;
      case sim::EventKind::Note:
        if (e.detail.starts_with("VIOLATION "))
          events.push_back({{"ph", "i"}, {"s", "g"}, {"name", e.detail}, {"cat", "violation"}, {"pid", pid}, {"tid", e.fiber},
                            {"ts", micros(e.time_ns)}});
        else
          events.push_back({{"ph", "i"}, {"s", "t"}, {"name", e.detail}, {"cat", fiber == "code loader" ? "upgrade" : "note"},
                            {"pid", pid}, {"tid", e.fiber}, {"ts", micros(e.time_ns)}});
        break;
      case sim::EventKind::Crash:
        events.push_back({{"ph", "i"}, {"s", "g"}, {"name", "power cut: " + e.detail}, {"cat", "fault"}, {"pid", pid},
                          {"tid", e.fiber}, {"ts", micros(e.time_ns)}});
        break;
      default: break;
    }
  }
  for (const auto& r : run.held_requests) {
    auto it = tid_of.find(r.session);
    if (it == tid_of.end()) continue;
    events.push_back({{"ph", "X"}, {"name", fmt::format("request held back {:.3f} ms", std::chrono::duration<double, std::milli>(r.held).count())},
                      {"cat", "pause"}, {"pid", pid}, {"tid", it->second}, {"ts", micros(r.start)}, {"dur", micros(r.end - r.start)}});
  }
  return {{"traceEvents", events}, {"displayTimeUnit", "ms"},
          {"metadata", {{"trace_hash", fmt::format("{:016x}", run.run.trace_hash)}, {"clock", "virtual"}}}};
}

}  // namespace reports
