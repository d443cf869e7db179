#pragma once
// A daily load curve ([load] curve): how busy the clients are at each virtual time of day.
// A step function over the day: from each point's time on, until the next point, the load
// has that point's weight; before the first point of a day, the last point's weight holds
// (the night wraps round midnight). A client's think time, drawn from think_ms as always,
// is divided by the weight at the moment it starts thinking: weight 1 is think_ms as
// written, 0.05 twenty times slower (night), 2 twice as busy. No curve: weight 1 all day.
#include <chrono>
#include <string>
#include <vector>

namespace scenarios {

struct LoadCurvePoint {
  std::chrono::milliseconds at;  // since midnight
  double weight = 1;
  bool operator==(const LoadCurvePoint&) const = default;
};

struct LoadCurve {
  std::vector<LoadCurvePoint> points;  // strictly increasing times within one day; empty: flat
  std::string name;                    // a named curve ("office-hours"), or "" for a list

  bool flat() const { return points.empty(); }
  // The weight at virtual time `t` (since the run began, at 00:00).
  double weight_at(std::chrono::milliseconds t) const;
  // A think time drawn for think_ms, as the load at `now` stretches or shrinks it.
  std::chrono::milliseconds think(std::chrono::milliseconds drawn, std::chrono::milliseconds now) const;
};

inline constexpr double kMinCurveWeight = 0.001;  // a thousand times slower than think_ms
inline constexpr double kMaxCurveWeight = 1000;

// The named curves a scenario may give instead of a list.
//  - office-hours: busy 08:00-18:00 (1), evening 18:00-22:00 (0.3), night (0.02).
//  - night-trough: busy all day (1) but 01:00-05:00 (0.02).
const std::vector<std::string>& load_curve_names();
// The named curve; empty points for an unknown name.
LoadCurve named_load_curve(const std::string& name);

}  // namespace scenarios
