#include "scenarios/load_curve.hpp"

#include <cmath>

#include "scenarios/time_of_day.hpp"

namespace scenarios {

using namespace std::chrono_literals;

double LoadCurve::weight_at(std::chrono::milliseconds t) const {
  if (points.empty()) return 1;
  const auto of_day = t % kDay;
  double weight = points.back().weight;  // before the first point: still last night's
  for (const LoadCurvePoint& p : points) {
    if (p.at > of_day) break;
    weight = p.weight;
  }
  return weight;
}

std::chrono::milliseconds LoadCurve::think(std::chrono::milliseconds drawn, std::chrono::milliseconds now) const {
  if (points.empty()) return drawn;  // exactly think_ms: a scenario without a curve runs as before
  return std::chrono::milliseconds(std::llround(static_cast<double>(drawn.count()) / weight_at(now)));
}

const std::vector<std::string>& load_curve_names() {
  static const std::vector<std::string> names{"office-hours", "night-trough"};
  return names;
}

LoadCurve named_load_curve(const std::string& name) {
  if (name == "office-hours") return {{{0h, 0.02}, {8h, 1}, {18h, 0.3}, {22h, 0.02}}, name};
  if (name == "night-trough") return {{{0h, 1}, {1h, 0.02}, {5h, 1}}, name};
  return {};
}

}  // namespace scenarios
