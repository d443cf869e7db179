#include "scenarios/swarm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "sim/choice_stream.hpp"

namespace scenarios {

namespace {

using namespace std::chrono_literals;

// The swarm stream is seeded from the run's seed and this salt ("SWARM"), never from the
// run's choice stream: the same seed with and without --swarm draws the same choices.
constexpr std::uint64_t kSwarmSalt = 0x535741524d000000ULL;

// Power cuts as power-cuts-while-retrying has them: on average one every 6.7 s after the deploy.
constexpr std::uint32_t kCrashPpm = 150;
// I/O errors per operation, as flaky-disk has them (reads as often as writes).
constexpr std::uint32_t kReadErrorPpm = 20'000, kWriteErrorPpm = 20'000, kFsyncErrorPpm = 125'000;

// A chunked upload: each file in 3 appends, at most 500 ms apart, and only as far apart as
// the run leaves room for — the upload, then a poll and the liveness budget, must fit in the
// run, as the scenario parser demands of a file. Below 50 ms apart the feature is left out.
constexpr int kChunks = 3;
std::optional<Millis> chunk_interval(const Scenario& sc) {
  const auto steps = static_cast<long long>(kChunks - 1) * static_cast<long long>(sc.new_packages.size());
  const Millis slack = sc.duration - sc.deploy_at - std::max(sc.poll_period, sc.liveness);
  if (steps == 0 || slack <= 0ms) return std::nullopt;
  const Millis interval = std::min(Millis(500), Millis(slack.count() / steps));
  if (interval < 50ms) return std::nullopt;
  return interval;
}

// A full disk for up to 12 s (as disk-full has it), but at most half of what the liveness
// budget leaves after one poll period: a policy that waits the window out must still be able
// to finish in time, or every policy would fail liveness and the feature would prove nothing.
std::optional<Millis> disk_full_window(const Scenario& sc) {
  const Millis window = std::min(Millis(12'000), (sc.liveness - sc.poll_period) / 2);
  if (window < 1000ms) return std::nullopt;
  return window;
}

void power_cuts(Scenario& sc, int crashes) {
  sc.crash = "random";
  sc.crash_ppm = kCrashPpm;
  sc.crashes = crashes;
}

bool has_leftover(const Scenario& sc, const char* kind) {
  return std::find(sc.leftovers.begin(), sc.leftovers.end(), kind) != sc.leftovers.end();
}

// One feature: why it does not apply to a scenario ("" when it does), and what it changes.
struct Entry {
  SwarmFeature feature;
  std::string (*why_not)(const Scenario&);
  void (*apply)(Scenario&);
};

std::string unless(bool applies, const char* why) { return applies ? "" : why; }

const std::vector<Entry>& table() {
  static const std::vector<Entry> entries{
      {{"upload-shuffled", "upload-order", "[deploy] order = \"shuffled\""},
       [](const Scenario& s) { return unless(s.order != "shuffled", "the upload is shuffled already"); },
       [](Scenario& s) { s.order = "shuffled"; }},
      {{"upload-reverse", "upload-order", "[deploy] order = \"reverse\""},
       [](const Scenario& s) { return unless(s.order != "reverse", "the upload is reversed already"); },
       [](Scenario& s) { s.order = "reverse"; }},
      {{"upload-name", "upload-order", "[deploy] order = \"name\""},
       [](const Scenario& s) { return unless(s.order != "name", "the upload is in name order already"); },
       [](Scenario& s) { s.order = "name"; }},
      {{"manifest-shuffled", "manifest-order", "[deploy] manifest_order = \"shuffled\""},
       [](const Scenario& s) { return unless(s.manifest_order != "shuffled", "the manifest is shuffled already"); },
       [](Scenario& s) { s.manifest_order = "shuffled"; }},
      {{"trigger-early", "trigger-early", "[deploy] trigger = \"early\": the trigger before the first file"},
       [](const Scenario& s) { return unless(s.trigger != "early", "the trigger is early already"); },
       [](Scenario& s) { s.trigger = "early"; }},
      {{"chunked-upload", "chunked-upload", "[deploy] chunks = 3, up to 500 ms apart (as the budgets leave room)"},
       [](const Scenario& s) {
         if (s.chunks != 1) return std::string("the upload is chunked already");
         return unless(chunk_interval(s).has_value(), "the run leaves no room for a slower upload before its liveness budget");
       },
       [](Scenario& s) {
         s.chunk_interval = *chunk_interval(s);
         s.chunks = kChunks;
       }},
      {{"leftover-old-packages", "leftover-old-packages", "[deploy] leftovers += old-packages"},
       [](const Scenario& s) { return unless(!has_leftover(s, "old-packages"), "old packages are left over already"); },
       [](Scenario& s) { s.leftovers.push_back("old-packages"); }},
      {{"leftover-earlier-build", "leftover-earlier-build", "[deploy] leftovers += earlier-build"},
       [](const Scenario& s) { return unless(!has_leftover(s, "earlier-build"), "an earlier build is left over already"); },
       [](Scenario& s) { s.leftovers.push_back("earlier-build"); }},
      {{"leftover-stale-trigger", "leftover-stale-trigger", "[deploy] leftovers += stale-trigger"},
       [](const Scenario& s) { return unless(!has_leftover(s, "stale-trigger"), "a stale trigger is left over already"); },
       [](Scenario& s) { s.leftovers.push_back("stale-trigger"); }},
      // A scenario that crashes at an install keeps its own crash: a run has one crash mode.
      {{"power-cuts-1", "power-cuts", "[faults] crash = \"random\", crashes = 1 (150 ppm per ms after the deploy)"},
       [](const Scenario& s) { return unless(s.crash == "none", "the scenario has its own crashes"); },
       [](Scenario& s) { power_cuts(s, 1); }},
      {{"power-cuts-2", "power-cuts", "[faults] crash = \"random\", crashes = 2"},
       [](const Scenario& s) { return unless(s.crash == "none", "the scenario has its own crashes"); },
       [](Scenario& s) { power_cuts(s, 2); }},
      {{"power-cuts-3", "power-cuts", "[faults] crash = \"random\", crashes = 3"},
       [](const Scenario& s) { return unless(s.crash == "none", "the scenario has its own crashes"); },
       [](Scenario& s) { power_cuts(s, 3); }},
      // Media rot happens while the power is off: it needs a crash, and a power cut, so it
      // comes before process-kill in the table and excludes it.
      {{"media-zero-block", "media", "[faults] media = \"zero-block\""},
       [](const Scenario& s) {
         if (s.media != "none") return std::string("the scenario has its own media fault");
         return unless(s.crash != "none" && s.kill == "power", "media rot needs a power cut");
       },
       [](Scenario& s) { s.media = "zero-block"; }},
      {{"media-bit-flip", "media", "[faults] media = \"bit-flip\""},
       [](const Scenario& s) {
         if (s.media != "none") return std::string("the scenario has its own media fault");
         return unless(s.crash != "none" && s.kill == "power", "media rot needs a power cut");
       },
       [](Scenario& s) { s.media = "bit-flip"; }},
      {{"process-kill", "process-kill", "[faults] kill = \"process\": crashes keep the page cache"},
       [](const Scenario& s) {
         if (s.kill != "power") return std::string("crashes are process kills already");
         if (s.crash == "none") return std::string("there is no crash to make a process kill");
         return unless(s.media == "none", "media rot needs the power off");
       },
       [](Scenario& s) { s.kill = "process"; }},
      // An upload never made durable is lost to a power cut, and the operator does not upload
      // it again: no policy can then install it, yet eventual-upgrade and refused-good-batch
      // judge the batch as deployed. So only where no power is lost (after the crash features).
      {{"no-fsync-uploads", "no-fsync-uploads", "[deploy] fsync = false: the upload is never made durable (no power cuts)"},
       [](const Scenario& s) {
         if (!s.fsync_uploads) return std::string("uploads are not fsynced already");
         return unless(s.crash == "none" || s.kill == "process", "a power cut would lose the upload no policy can then install");
       },
       [](Scenario& s) { s.fsync_uploads = false; }},
      {{"disk-full", "disk-full", "[faults] disk_full_ms: up to 12 s, half what the liveness budget leaves after a poll"},
       [](const Scenario& s) {
         if (s.disk_full > 0ms) return std::string("the disk fills up already");
         return unless(disk_full_window(s).has_value(), "the liveness budget leaves no room for a full disk");
       },
       [](Scenario& s) { s.disk_full = *disk_full_window(s); }},
      {{"eio-read", "eio-read", "[filesystem] read_error_ppm = 20000"},
       [](const Scenario& s) { return unless(s.read_error_ppm == 0, "reads fail already"); },
       [](Scenario& s) { s.read_error_ppm = kReadErrorPpm; }},
      {{"eio-write", "eio-write", "[filesystem] write_error_ppm = 20000"},
       [](const Scenario& s) { return unless(s.write_error_ppm == 0, "writes fail already"); },
       [](Scenario& s) { s.write_error_ppm = kWriteErrorPpm; }},
      {{"eio-fsync", "eio-fsync", "[filesystem] fsync_error_ppm = 125000 (fsyncgate)"},
       [](const Scenario& s) { return unless(s.fsync_error_ppm == 0, "fsyncs fail already"); },
       [](Scenario& s) { s.fsync_error_ppm = kFsyncErrorPpm; }},
      {{"ext4-ordered", "ext4-ordered", "[filesystem] model = \"ext4-ordered\": the gentler crash model"},
       [](const Scenario& s) { return unless(s.fs_model == "posix", "the model is ext4-ordered already"); },
       [](Scenario& s) { s.fs_model = "ext4-ordered"; }},
  };
  return entries;
}

const Entry* find(const std::string& name) {
  for (const Entry& e : table())
    if (e.feature.name == name) return &e;
  return nullptr;
}

}  // namespace

const std::vector<SwarmFeature>& swarm_features() {
  static const std::vector<SwarmFeature> features = [] {
    std::vector<SwarmFeature> out;
    for (const Entry& e : table()) out.push_back(e.feature);
    return out;
  }();
  return features;
}

std::vector<std::string> drawn_features(std::uint64_t seed) {
  sim::Xoshiro256StarStar rng(seed ^ kSwarmSalt);
  std::vector<std::string> out;
  const auto& entries = table();
  for (std::size_t i = 0; i < entries.size();) {
    std::size_t end = i;
    while (end < entries.size() && entries[end].feature.group == entries[i].feature.group) ++end;
    // Two draws per group whatever the outcome, so each group's draw is independent of the others'.
    const bool on = (rng.next() >> 63) != 0;
    const std::uint64_t pick = rng.next() % (end - i);
    if (on) out.push_back(entries[i + pick].feature.name);
    i = end;
  }
  return out;
}

std::vector<std::string> applicable_features(const Scenario& scenario, const std::vector<std::string>& chosen) {
  Scenario s = scenario;
  std::vector<std::string> out;
  for (const Entry& e : table()) {
    if (std::find(chosen.begin(), chosen.end(), e.feature.name) == chosen.end() || !e.why_not(s).empty()) continue;
    e.apply(s);
    out.push_back(e.feature.name);
  }
  return out;
}

std::vector<std::string> draw_swarm(const Scenario& scenario, std::uint64_t seed) {
  return applicable_features(scenario, drawn_features(seed));
}

std::string swarm_list_problem(const std::vector<std::string>& features) {
  std::map<std::string, std::string> group_of;  // group -> the feature given for it
  for (const std::string& name : features) {
    const Entry* e = find(name);
    if (e == nullptr) {
      std::vector<std::string> names;
      for (const Entry& t : table()) names.push_back(t.feature.name);
      return fmt::format("unknown swarm feature \"{}\"; expected any of {}", name, fmt::join(names, ", "));
    }
    const auto [it, fresh] = group_of.emplace(e->feature.group, name);
    if (!fresh)
      return it->second == name ? fmt::format("swarm feature \"{}\" is given twice", name)
                                : fmt::format("swarm features \"{}\" and \"{}\" are alternatives ({}); expected at most one",
                                              it->second, name, e->feature.group);
  }
  return "";
}

std::vector<std::string> in_table_order(std::vector<std::string> features) {
  auto rank = [](const std::string& name) {
    const auto& t = table();
    for (std::size_t i = 0; i < t.size(); ++i)
      if (t[i].feature.name == name) return i;
    return t.size();
  };
  std::stable_sort(features.begin(), features.end(), [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
  return features;
}

Scenario apply_swarm(const Scenario& scenario, const std::vector<std::string>& features) {
  if (const std::string problem = swarm_list_problem(features); !problem.empty()) throw ScenarioError(scenario.path, 0, problem);
  Scenario s = scenario;
  for (const Entry& e : table()) {
    if (std::find(features.begin(), features.end(), e.feature.name) == features.end()) continue;
    if (const std::string why = e.why_not(s); !why.empty())
      throw ScenarioError(scenario.path, 0, fmt::format("swarm feature \"{}\" does not apply to scenario {}: {}", e.feature.name,
                                                        scenario.name, why));
    e.apply(s);
  }
  return s;
}

bool swarm_adds_crashes(const std::vector<std::string>& features) {
  return std::any_of(features.begin(), features.end(), [](const std::string& f) {
    const Entry* e = find(f);
    return e != nullptr && e->feature.group == "power-cuts";
  });
}

std::string describe_swarm(const std::vector<std::string>& features) {
  return features.empty() ? "(none)" : fmt::format("{}", fmt::join(features, "+"));
}

}  // namespace scenarios
