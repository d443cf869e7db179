#include "scenarios/live/observation_fields.hpp"

#include <fmt/format.h>

namespace scenarios::live {

std::string bits(const std::vector<bool>& v) {
  std::string s;
  for (const bool b : v) s += b ? '1' : '0';
  return s;
}

std::vector<bool> parse_bits(const std::string& s) {
  std::vector<bool> v;
  for (const char c : s) v.push_back(c == '1');
  return v;
}

void put_state(Fields& f, const std::string& prefix, const ReleaseState& state) {
  f.emplace_back(prefix + "held", bits(state.held));
  f.emplace_back(prefix + "release", std::to_string(state.release));
}

ReleaseState get_state(const Event& e, const std::string& prefix) {
  ReleaseState s;
  s.held = parse_bits(e.at(prefix + "held"));
  s.release = static_cast<int>(e.integer(prefix + "release"));
  return s;
}

void put_staging(Fields& f, const std::string& prefix, const DiskView::Staging& staging) {
  const StagingSeen& s = staging.seen;
  f.emplace_back(prefix + "any_trigger", s.any_trigger ? "1" : "0");
  f.emplace_back(prefix + "trigger_hash", staging.trigger_hash ? fmt::format("{:016x}", *staging.trigger_hash) : "");
  f.emplace_back(prefix + "whole", bits(s.whole));
  f.emplace_back(prefix + "there", bits(s.there));
  f.emplace_back(prefix + "quarantined", s.quarantined ? "1" : "0");
}

std::pair<StagingSeen, std::optional<std::uint64_t>> get_staging(const Event& e, const std::string& prefix) {
  StagingSeen s;
  s.any_trigger = e.flag(prefix + "any_trigger");
  s.whole = parse_bits(e.at(prefix + "whole"));
  s.there = parse_bits(e.at(prefix + "there"));
  s.quarantined = e.flag(prefix + "quarantined");
  const std::string& hash = e.at(prefix + "trigger_hash");
  std::optional<std::uint64_t> trigger;
  if (!hash.empty()) trigger = std::stoull(hash, nullptr, 16);
  return {std::move(s), trigger};
}

Fields request_fields(const RequestSeen& r) {
  Fields f{{"session", std::to_string(r.session)},
           {"number", std::to_string(r.number)},
           {"selector", r.selector},
           {"process", std::to_string(r.process)},
           {"start", std::to_string(r.start.count())},
           {"end", std::to_string(r.end.count())},
           {"result", std::to_string(static_cast<int>(r.result))},
           {"error", r.error},
           {"session_present", r.session_present ? "1" : "0"},
           {"idle", std::to_string(r.idle.count())},
           {"ran_new", r.ran_new ? "1" : "0"},
           {"torn", r.torn ? "1" : "0"},
           {"ran", r.ran},
           {"held_ns", std::to_string(r.held.count())}};
  put_state(f, "start_", r.image_at_start);
  put_state(f, "end_", r.image_at_end);
  return f;
}

RequestSeen get_request(const Event& e) {
  RequestSeen r;
  r.session = static_cast<int>(e.integer("session"));
  r.number = static_cast<int>(e.integer("number"));
  r.selector = e.at("selector");
  r.process = static_cast<int>(e.integer("process"));
  r.start = sim::Time(e.integer("start"));
  r.end = sim::Time(e.integer("end"));
  r.result = static_cast<RequestSeen::Result>(e.integer("result"));
  r.error = e.at("error");
  r.session_present = e.flag("session_present");
  r.idle = sim::Duration(e.integer("idle"));
  r.ran_new = e.flag("ran_new");
  r.torn = e.flag("torn");
  r.ran = e.at("ran");
  r.held = sim::Duration(e.integer("held_ns"));
  r.image_at_start = get_state(e, "start_");
  r.image_at_end = get_state(e, "end_");
  return r;
}

}  // namespace scenarios::live
