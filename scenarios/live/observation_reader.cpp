#include "scenarios/live/observation_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>

#include "scenarios/live/observation_fields.hpp"

namespace scenarios::live {

LiveObservation read_observation(std::vector<Event> events, std::size_t new_packages) {
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.t < b.t; });
  LiveObservation out;
  Observation& obs = out.obs;
  std::optional<std::uint64_t> trigger_hash;  // the trigger the latest deploy wrote
  std::map<std::pair<int, std::int64_t>, std::size_t> op_index;  // (process, n) -> server_ops index
  auto staging = [&](const Event& e, const std::string& prefix) {
    auto [seen, hash] = get_staging(e, prefix);
    seen.trigger = seen.any_trigger && hash && trigger_hash && *hash == *trigger_hash;
    return seen;
  };
  bool ended = false;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    const Mark mark{sim::Time(e.t), i + 1, i};
    const int process = e.fields.contains("process") && e.kind != "error" ? static_cast<int>(e.integer("process")) : 0;
    if (e.kind == "deploy-started") {
      if (!obs.deploy_started) obs.deploy_started = mark.at;
    } else if (e.kind == "trigger-written") {
      if (static_cast<int>(obs.triggers_written.size()) < e.integer("deploy")) obs.triggers_written.push_back(mark.at);
    } else if (e.kind == "deploy-completed") {
      obs.triggers.push_back(mark.at);
      obs.deploy_durable = e.flag("durable");
      trigger_hash = std::stoull(e.at("trigger_hash"), nullptr, 16);
    } else if (e.kind == "op") {
      FileOpSeen op;
      op.mark = mark;
      op.process = process;
      op.poll = static_cast<int>(e.integer("poll"));
      op.op = e.at("op");
      op.path = e.at("path");
      op.to = e.at("to");
      op.batch_file = static_cast<int>(e.integer("batch_file"));
      op.trigger = e.flag("trigger");
      op.partial = e.flag("partial");
      op.moved_aside = e.flag("aside");
      op_index[{process, e.integer("n")}] = obs.server_ops.size();
      obs.server_ops.push_back(std::move(op));
    } else if (e.kind == "op-done") {
      if (const auto it = op_index.find({process, e.integer("n")}); it != op_index.end()) obs.server_ops[it->second].failed = false;
    } else if (e.kind == "poll") {
      obs.polls.push_back({mark, process, staging(e, "staging_"), get_state(e, "")});
    } else if (e.kind == "snapshot") {
      obs.snapshots.push_back({mark, process, e.flag("durable"), e.unsigned_integer("image"), e.unsigned_integer("bytes"),
                               get_state(e, ""), static_cast<int>(e.integer("copy"))});
    } else if (e.kind == "boot") {
      BootSeen b;
      b.mark = mark;
      b.process = process;
      b.ok = e.flag("ok");
      b.error = e.at("error");
      b.disk_snapshot = e.flag("disk_snapshot");
      if (!e.at("disk_image").empty()) b.disk_image = e.unsigned_integer("disk_image");
      b.booted_image = e.unsigned_integer("booted_image");
      b.state = get_state(e, "");
      b.staging = staging(e, "staging_");
      obs.boots.push_back(std::move(b));
    } else if (e.kind == "crash") {
      obs.crashes.push_back({mark, process});
    } else if (e.kind == "image") {
      obs.image_changes.push_back({mark, process, get_state(e, "")});
    } else if (e.kind == "torn") {
      obs.torn.push_back({mark, e.at("package"), e.at("what")});
    } else if (e.kind == "request") {
      RequestSeen r = get_request(e);
      r.mark = mark;
      obs.requests.push_back(std::move(r));
    } else if (e.kind == "end") {
      ended = true;
      obs.end = mark;
      obs.server_up = true;
      obs.last_process = process;
      obs.final_image = get_state(e, "");
      obs.final_staging = staging(e, "staging_");
    } else if (e.kind == "down-at-end") {
      ended = true;
      obs.end = mark;
      obs.server_up = false;
      obs.last_process = -1;
      obs.final_image.held.assign(new_packages, false);
      obs.final_staging = staging(e, "staging_");
    } else if (e.kind == "error" || e.kind == "server-failed") {
      out.failures.emplace_back(mark, fmt::format("{}: {}", e.fields.contains("process") ? e.at("process") : "?", e.at("what")));
    }
    // clients, durable-seen, upload-failed: bookkeeping of the run, not observations
  }
  if (!ended) {
    obs.end = {events.empty() ? sim::Time(0) : sim::Time(events.back().t), events.size(), events.size()};
    obs.final_image.held.assign(new_packages, false);
    out.failures.emplace_back(obs.end, "the run's end state was never recorded");
  }
  return out;
}

}  // namespace scenarios::live
