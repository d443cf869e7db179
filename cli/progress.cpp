#include "cli/progress.hpp"

#include <fmt/format.h>

#include <cmath>

namespace cli {

std::string human_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<std::uint64_t>(std::llround(seconds));
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
}

std::string progress_line(std::uint64_t done, std::uint64_t total, double elapsed_seconds, bool bar) {
  std::string out;
  if (bar) {
    const std::uint64_t width = 40;
    const std::uint64_t filled = total ? std::min(width, width * done / total) : width;
    out = fmt::format("[{}{}] ", std::string(filled, '#'), std::string(width - filled, '.'));
  }
  out += fmt::format("{}/{} runs ({}%)", done, total, total ? done * 100 / total : 100);
  const bool measured = done > 0 && elapsed_seconds > 0;
  const double rate = measured ? static_cast<double>(done) / elapsed_seconds : 0;
  out += measured ? fmt::format(", {:.1f} runs/s", rate) : ", ? runs/s";
  if (done >= total) return out + ", took " + human_duration(elapsed_seconds);
  return out + ", ETA " + (measured ? human_duration(static_cast<double>(total - done) / rate) : "?");
}

std::optional<std::string> ProgressThrottle::update(std::uint64_t done, std::uint64_t total, double elapsed_seconds) {
  const bool last = done >= total;
  if (!terminal_ && !last && elapsed_seconds - last_printed_ < interval_) return std::nullopt;
  last_printed_ = elapsed_seconds;
  return progress_line(done, total, elapsed_seconds, terminal_);
}

}  // namespace cli
