#pragma once
// Virtual time of day. A run starts at 00:00 of its first day; the load curve and the
// operator's cron job ([load] curve, [deploy] cron) are given as "HH:MM" times of day.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace scenarios {

inline constexpr std::chrono::milliseconds kDay = std::chrono::hours(24);

// "HH:MM" (00:00 to 23:59, two digits each) as milliseconds since midnight; nullopt when
// `text` is anything else.
std::optional<std::chrono::milliseconds> parse_time_of_day(std::string_view text);
// The inverse: milliseconds since midnight (below a day, whole minutes) as "HH:MM".
std::string format_time_of_day(std::chrono::milliseconds since_midnight);

}  // namespace scenarios
