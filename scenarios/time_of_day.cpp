#include "scenarios/time_of_day.hpp"

#include <fmt/format.h>

namespace scenarios {

std::optional<std::chrono::milliseconds> parse_time_of_day(std::string_view text) {
  const auto digit = [&](std::size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  if (text.size() != 5 || text[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4)) return std::nullopt;
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (hours > 23 || minutes > 59) return std::nullopt;
  return std::chrono::hours(hours) + std::chrono::minutes(minutes);
}

std::string format_time_of_day(std::chrono::milliseconds since_midnight) {
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(since_midnight).count();
  return fmt::format("{:02}:{:02}", minutes / 60, minutes % 60);
}

}  // namespace scenarios
