#include "scenarios/live/live_load.hpp"

#include <fmt/format.h>

namespace scenarios::live {

LiveLoad::LiveLoad(LiveRuntime& runtime, upgrader::Server& server, LiveRecorder& recorder, const Scenario& scenario,
                   const Releases& releases, int process, std::uint64_t seed)
    : runtime_(runtime), server_(server), recorder_(recorder), sc_(scenario), releases_(releases), process_(process),
      random_(seed * 1000003u + static_cast<std::uint64_t>(process)) {}

std::vector<ClientState> LiveLoad::open_sessions(int clients) {
  std::vector<ClientState> out;
  for (int i = 0; i < clients; ++i) out.push_back({server_.new_session(sc_.session_class), 1, sim::Time(0)});
  for (int i = 0; i < sc_.idle_sessions; ++i) server_.new_session(sc_.session_class);
  return out;
}

void LiveLoad::spawn_clients(std::vector<ClientState> clients, int priority) {
  clients_ = std::move(clients);
  for (std::size_t i = 0; i < clients_.size(); ++i)
    runtime_.spawn_outside(fmt::format("session-{}", i), priority, [this, i] { client(static_cast<int>(i)); });
}

void LiveLoad::client(int index) {
  ClientState& state = clients_[static_cast<std::size_t>(index)];
  std::uniform_int_distribution<std::int64_t> think(sc_.think_min.count(), sc_.think_max.count());
  std::uniform_int_distribution<std::size_t> pick(0, sc_.requests.size() - 1);
  for (;; ++state.next_number) {
    // The request arrives when the think time is over, even if the server's own work holds
    // the CPU then and the client runs later: that wait is part of the latency it sees.
    const sim::Time arrival = runtime_.now() + Millis(think(random_));
    runtime_.wait_until(arrival);
    RequestSeen r;
    r.session = index;
    r.number = state.next_number;
    r.selector = sc_.requests[pick(random_)];
    r.process = process_;
    r.start = arrival;
    r.idle = r.start - state.last_request;
    r.session_present = server_.image().session(state.session_id) != nullptr;
    r.image_at_start = recorder_.image_state();
    RequestWitness witness(releases_, methods_);
    try {
      server_.request(state.session_id, r.selector, &witness);
    } catch (const std::exception& e) {
      r.result = RequestSeen::Result::Failed;
      r.error = e.what();
    }
    state.last_request = r.start;
    r.end = runtime_.now();
    r.held = runtime_.server_cpu_between(r.start, r.end);
    r.ran_new = witness.ran_new();
    r.torn = witness.torn();
    if (r.torn) r.ran = witness.describe();
    r.image_at_end = recorder_.image_state();
    recorder_.request(r);
  }
}

}  // namespace scenarios::live
