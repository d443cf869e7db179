#include "scenarios/engine/image_events.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace scenarios {

namespace {

std::string describe(const ReleaseState& s) {
  if (s.torn()) return fmt::format("a mixture ({} of the new packages)", s.count());
  return s.is_old() ? "the old release" : fmt::format("release {}", s.release);
}

}  // namespace

std::vector<ImageEvent> image_events(const std::vector<Observation>& images) {
  std::vector<ImageEvent> out;
  for (std::size_t i = 0; i < images.size(); ++i) {
    const Observation& o = images[i];
    const int image = static_cast<int>(i);
    for (const BootSeen& b : o.boots)
      out.push_back({image, b.mark.at, "boot",
                     b.ok ? fmt::format("process {} booted {}", b.process, describe(b.state))
                          : fmt::format("process {} failed to boot: {}", b.process, b.error)});
    for (const CrashSeen& c : o.crashes) out.push_back({image, c.mark.at, "crash", fmt::format("process {} died", c.process)});
    for (const ImageChange& c : o.image_changes)
      out.push_back({image, c.mark.at, "release", fmt::format("process {} runs {}", c.process, describe(c.state))});
    // The save as a read would see it (the durable copies follow it or never come).
    for (const SnapshotSeen& s : o.snapshots)
      if (!s.durable)
        out.push_back({image, s.mark.at, "save", fmt::format("process {} saved {} ({} bytes)", s.process, describe(s.state), s.bytes)});
  }
  std::stable_sort(out.begin(), out.end(), [](const ImageEvent& a, const ImageEvent& b) {
    return a.at != b.at ? a.at < b.at : a.image < b.image;
  });
  return out;
}

}  // namespace scenarios
