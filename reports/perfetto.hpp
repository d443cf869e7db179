#pragma once
// A replayed run as Chrome trace-event JSON, which the Perfetto UI (ui.perfetto.dev) and
// chrome://tracing open: a track per fiber, CPU work, sleeps and held-back requests as
// slices, the upgrader's steps and the violations as instant events. Times are virtual.
#include <nlohmann/json.hpp>

#include "scenarios/engine.hpp"

namespace reports {

// `run` must have been made with its trace kept (RunSettings::keep_trace).
nlohmann::json perfetto_trace(const scenarios::RunReport& run);

}  // namespace reports
