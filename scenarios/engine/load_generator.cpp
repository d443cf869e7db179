#include "scenarios/engine/load_generator.hpp"

#include <fmt/format.h>

#include "support/assert.hpp"

namespace scenarios {

LoadGenerator::LoadGenerator(sim::World& world, const Scenario& scenario, const Releases& releases, Balancer& balancer,
                             std::vector<Recorder*> recorders)
    : world_(world), sc_(scenario), releases_(releases), balancer_(balancer), recorders_(std::move(recorders)) {}

void LoadGenerator::open_sessions(ServerProcess& process, int clients) {
  const bool first = session_ids_.empty();
  for (int i = 0; i < clients; ++i) {
    const std::uint64_t id = process.server->new_session(sc_.session_class);
    if (first) session_ids_.push_back(id);
    else HOTSIM_ASSERT(session_ids_[static_cast<std::size_t>(i)] == id, "session {} has id {} in one image, {} in another", i, session_ids_[static_cast<std::size_t>(i)], id);
  }
  for (int i = 0; i < sc_.idle_sessions; ++i) process.server->new_session(sc_.session_class);
}

void LoadGenerator::spawn_clients(int priority) {
  for (std::size_t i = 0; i < session_ids_.size(); ++i)
    world_.spawn(fmt::format("session-{}", i), priority, [this, i] { client(static_cast<int>(i)); });
}

void LoadGenerator::client(int index) {
  const std::uint64_t id = session_ids_[static_cast<std::size_t>(index)];
  sim::Time last_request{0};
  const auto span = static_cast<std::uint64_t>((sc_.think_max - sc_.think_min).count());
  for (int k = 1;; ++k) {
    // The request arrives when the think time is over, even if the server's own work holds
    // the CPU then and the client runs later: that wait is part of the pause it sees. The
    // daily load curve stretches the think time by the time of day it starts at.
    const Millis drawn = sc_.think_min + Millis(world_.choices().below(span + 1));
    const sim::Time arrival = world_.now() + sc_.curve.think(drawn, std::chrono::duration_cast<Millis>(world_.now()));
    world_.sleep_until(arrival);
    const Balancer::Route route = balancer_.route(index, k);
    ServerProcess* p = route.process;
    if (p == nullptr) {
      ++requests_refused;
      continue;
    }
    RequestSeen r;
    r.session = index;
    r.number = k;
    r.selector = sc_.requests[world_.choices().below(sc_.requests.size())];
    r.process = p->index();
    r.image = route.image;
    Recorder& recorder_ = *recorders_[static_cast<std::size_t>(route.image)];
    r.start = arrival;
    r.idle = r.start - last_request;
    if (recorder_.enabled()) {
      r.session_present = p->server->image().session(id) != nullptr;
      r.image_at_start = recorder_.image_state(*p);
    }
    RequestWitness witness(releases_, methods_);
    witness.at_yield_point = at_yield_point;
    try {
      p->server->request(id, r.selector, &witness);
      ++requests_ok;
    } catch (const ProcessDied&) {
      ++requests_refused;
      r.result = RequestSeen::Result::Refused;
    } catch (const std::exception& e) {
      r.result = RequestSeen::Result::Failed;
      r.error = e.what();
    }
    balancer_.finished(route);  // a draining image waits for this
    last_request = r.start;
    if (!recorder_.enabled()) continue;
    r.end = world_.now();
    r.held = overlap(p->runtime->server_cpu(), r.start, r.end);
    r.met_server_work = overlap(p->runtime->server_work(), r.start, r.end).count() > 0;
    r.ran_new = witness.ran_new();
    r.torn = witness.torn();
    if (r.torn) r.ran = witness.describe();
    r.image_at_end = p->runtime->dead() ? r.image_at_start : recorder_.image_state(*p);
    r.mark = recorder_.mark();
    recorder_.request(std::move(r));
  }
}

}  // namespace scenarios
