#pragma once
// The clock every process of one live run shares: real time since the run's epoch, divided
// by the time scale, so the scenario's own times (think times, poll period, budgets) hold
// as written while a run at --time-scale 0.1 lasts a tenth of them. steady_clock is
// CLOCK_MONOTONIC, the same in a parent and the processes it forks.
#include <chrono>

#include "sim/scheduler.hpp"

namespace scenarios::live {

struct LiveClock {
  std::chrono::steady_clock::time_point epoch;
  double scale = 1.0;  // real seconds per scenario second

  // Scenario time now.
  sim::Time now() const {
    const auto real = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - epoch);
    return sim::Time(static_cast<std::int64_t>(real.count() / scale));
  }
  // The real duration of a scenario duration.
  std::chrono::nanoseconds real(sim::Duration d) const {
    return std::chrono::nanoseconds(static_cast<std::int64_t>(static_cast<double>(d.count()) * scale));
  }
  // The real instant of a scenario time.
  std::chrono::steady_clock::time_point real_at(sim::Time t) const { return epoch + real(t); }
};

}  // namespace scenarios::live
