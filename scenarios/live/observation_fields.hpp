#pragma once
// How the parts of an observation travel in the live event log (event_log.hpp): a release
// state, the staging directory, a request, as fields of one event, and back.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "scenarios/engine/observation.hpp"
#include "scenarios/live/disk_view.hpp"
#include "scenarios/live/event_log.hpp"

namespace scenarios::live {

using Fields = std::vector<std::pair<std::string, std::string>>;

std::string bits(const std::vector<bool>& v);
std::vector<bool> parse_bits(const std::string& s);

void put_state(Fields& f, const std::string& prefix, const ReleaseState& state);
ReleaseState get_state(const Event& e, const std::string& prefix);

void put_staging(Fields& f, const std::string& prefix, const DiskView::Staging& staging);
// The staging seen, and the hash of what was under the trigger's name.
std::pair<StagingSeen, std::optional<std::uint64_t>> get_staging(const Event& e, const std::string& prefix);

// A request, its times in scenario ns (its mark is the event's own).
Fields request_fields(const RequestSeen& r);
RequestSeen get_request(const Event& e);

}  // namespace scenarios::live
