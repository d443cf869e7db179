#include "scenarios/scenario.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

#include "scenarios/time_of_day.hpp"
#include "sim/world.hpp"
#include "upgrader/checksum.hpp"
#include "upgrader/policy.hpp"

namespace scenarios {

ScenarioError::ScenarioError(std::string file, int line, const std::string& message)
    : std::runtime_error(fmt::format("{}:{}: {}", file, line, message)), file_(std::move(file)), line_(line) {}

namespace {

int line_of(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

class Reader {
 public:
  Reader(std::string file) : file_(std::move(file)) {}
  [[noreturn]] void fail(int line, const std::string& msg) const { throw ScenarioError(file_, line, msg); }

  const toml::table* table(const toml::table& doc, std::string_view key, std::initializer_list<std::string_view> allowed) const {
    const toml::node* n = doc.get(key);
    if (n == nullptr) return nullptr;
    const auto* t = n->as_table();
    if (t == nullptr) fail(line_of(*n), fmt::format("[{}]: expected a table", key));
    for (const auto& [k, v] : *t) {
      bool ok = false;
      for (auto a : allowed) ok = ok || k.str() == a;
      if (!ok) fail(line_of(v), fmt::format("unknown key '{}' in [{}]; expected one of: {}", k.str(), key, fmt::join(allowed, ", ")));
    }
    return t;
  }

  template <typename T>
  void integer(const toml::table* t, std::string_view key, T& out, std::int64_t min, std::int64_t max) const {
    if (t == nullptr || !t->contains(key)) return;
    const toml::node& n = *t->get(key);
    const auto* i = n.as_integer();
    if (i == nullptr) fail(line_of(n), fmt::format("'{}': expected an integer", key));
    if (i->get() < min || i->get() > max) fail(line_of(n), fmt::format("'{}': expected {} to {}, got {}", key, min, max, i->get()));
    out = static_cast<T>(i->get());
  }

  void millis(const toml::table* t, std::string_view key, Millis& out, std::int64_t max_ms) const {
    std::int64_t ms = out.count();
    integer(t, key, ms, 0, max_ms);
    out = Millis(ms);
  }

  void number(const toml::table* t, std::string_view key, double& out, double min) const {
    if (t == nullptr || !t->contains(key)) return;
    const toml::node& n = *t->get(key);
    if (const auto* i = n.as_integer()) out = static_cast<double>(i->get());
    else if (const auto* f = n.as_floating_point()) out = f->get();
    else fail(line_of(n), fmt::format("'{}': expected a number", key));
    if (out < min) fail(line_of(n), fmt::format("'{}': expected at least {}", key, min));
  }

  void string(const toml::table* t, std::string_view key, std::string& out, std::initializer_list<std::string_view> choices = {}) const {
    if (t == nullptr || !t->contains(key)) return;
    const toml::node& n = *t->get(key);
    const auto* s = n.as_string();
    if (s == nullptr) fail(line_of(n), fmt::format("'{}': expected a string", key));
    if (choices.size() > 0) {
      bool ok = false;
      for (auto c : choices) ok = ok || s->get() == c;
      if (!ok) fail(line_of(n), fmt::format("'{}': expected one of {}, got \"{}\"", key, fmt::join(choices, ", "), s->get()));
    }
    out = s->get();
  }

  void strings(const toml::table* t, std::string_view key, std::vector<std::string>& out, bool allow_empty) const {
    if (t == nullptr || !t->contains(key)) return;
    const toml::node& n = *t->get(key);
    const auto* a = n.as_array();
    if (a == nullptr) fail(line_of(n), fmt::format("'{}': expected an array of strings", key));
    out.clear();
    for (const toml::node& e : *a) {
      const auto* s = e.as_string();
      if (s == nullptr || s->get().empty()) fail(line_of(e), fmt::format("'{}': expected non-empty strings", key));
      out.push_back(s->get());
    }
    if (out.empty() && !allow_empty) fail(line_of(n), fmt::format("'{}': expected at least one entry", key));
  }

  void range(const toml::table* t, std::string_view key, Millis& lo, Millis& hi) const {
    if (t == nullptr || !t->contains(key)) return;
    const toml::node& n = *t->get(key);
    const auto* a = n.as_array();
    if (a == nullptr || a->size() != 2 || !(*a)[0].is_integer() || !(*a)[1].is_integer())
      fail(line_of(n), fmt::format("'{}': expected [min, max] in milliseconds", key));
    lo = Millis(*(*a)[0].value<std::int64_t>());
    hi = Millis(*(*a)[1].value<std::int64_t>());
    if (lo.count() < 0 || hi < lo) fail(line_of(n), fmt::format("'{}': expected 0 <= min <= max", key));
  }

 private:
  std::string file_;
};

int line_of_key(const toml::table* t, const char* key) {
  return t != nullptr && t->contains(key) ? line_of(*t->get(key)) : 0;
}

// When the last upload is complete (each deploy's files, one after another).
Millis last_upload_complete(const Scenario& s) {
  Millis ready{0};
  for (int d = 1; d <= s.deploys(); ++d) {
    const auto files = static_cast<std::int64_t>(d == 1 ? s.new_packages.size() : s.next_packages[static_cast<std::size_t>(d - 2)].size());
    ready = std::max(ready, s.deploy_time(d) + s.chunk_interval * (s.chunks - 1) * files);
  }
  return ready;
}

// A budget the run cannot reach proves nothing: the run must outlast the upload, a poll,
// and every time budget counted from the trigger.
void check_budgets_fit(const Scenario& s, Reader& r, const toml::table* budgets, const toml::table* run) {
  const int duration_line = line_of_key(run, "duration_ms");
  if (s.duration.count() <= 0) r.fail(duration_line, "'duration_ms': expected a run of at least 1 ms");
  const Millis ready = last_upload_complete(s);
  auto fail = [&](const char* key, const std::string& what) {
    const int line = line_of_key(budgets, key);
    r.fail(line != 0 ? line : duration_line, what);
  };
  if (ready + s.poll_period > s.duration)
    fail("duration_ms", fmt::format("the run ends at {} ms, before the first poll after the upload ({} ms + a {} ms poll period); "
                                    "expected a longer duration_ms", s.duration.count(), ready.count(), s.poll_period.count()));
  if (ready + s.liveness > s.duration)
    fail("liveness_ms", fmt::format("'liveness_ms' = {} cannot elapse: the upload is complete at {} ms and the run ends at {} ms; "
                                    "expected liveness_ms <= {} or a longer run", s.liveness.count(), ready.count(),
                                    s.duration.count(), (s.duration - ready).count()));
  if (s.poll_period * s.max_retries_without_report > s.duration - s.deploy_at)
    fail("max_retries_without_report",
         fmt::format("'max_retries_without_report' = {} polls of {} ms cannot elapse in the {} ms after the deploy; expected at most {}",
                     s.max_retries_without_report, s.poll_period.count(), (s.duration - s.deploy_at).count(),
                     (s.duration - s.deploy_at) / s.poll_period));
}

// Whether `p` really lies inside `app_dir`, symlinks followed (false if either is missing).
bool lies_inside(const std::string& app_dir, const std::filesystem::path& p) {
  std::error_code root_ec, e;
  const std::filesystem::path root = std::filesystem::canonical(app_dir, root_ec);
  const std::filesystem::path real = std::filesystem::canonical(p, e);
  return !e && !root_ec && std::mismatch(root.begin(), root.end(), real.begin(), real.end()).first == root.end();
}

// A release given as a directory, "v3/" (relative to [app] dir): every package file in it,
// in name order, as paths relative to dir ("v3/A-1.pkg", ...). The directory must lie inside
// dir (not absolute, no "..", no symlink leading out of it) and hold package files (*.pkg)
// and nothing else. Used for old, new and each of next.
std::vector<std::string> package_directory(const Reader& r, const std::string& app_dir, std::string_view key, const toml::node& n) {
  namespace fs = std::filesystem;
  const std::string name = n.as_string()->get();
  const int line = line_of(n);
  const auto fail = [&](const std::string& what) { r.fail(line, fmt::format("'{}': {}", key, what)); };
  if (!name.ends_with('/'))
    fail(fmt::format("expected a directory name ending in '/', got \"{}\"", name));
  const fs::path rel(name);
  if (rel.has_root_path())
    fail(fmt::format("\"{}\" is an absolute path; expected a directory inside the app directory {}", name, app_dir));
  for (const auto& part : rel)
    if (part == "..") fail(fmt::format("\"{}\" leads out of the app directory {}; expected a directory inside it", name, app_dir));
  const fs::path folder = fs::path(app_dir) / rel;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) fail(fmt::format("no directory {}; expected a directory of package files (*.pkg)", folder.string()));
  // Symlinks: where the directory and each file really are must be inside the app directory.
  const auto inside = [&](const fs::path& p) { return lies_inside(app_dir, p); };
  if (!inside(folder)) fail(fmt::format("{} leads out of the app directory {} (a symlink); expected a directory inside it", name, app_dir));
  std::vector<fs::path> entries;  // in name order, so that the first bad one is named
  for (const auto& entry : fs::directory_iterator(folder, ec)) entries.push_back(entry.path());
  if (ec) fail(fmt::format("cannot list {}: {}", folder.string(), ec.message()));
  std::sort(entries.begin(), entries.end());
  if (entries.empty()) fail(fmt::format("no package file (*.pkg) in {}; expected at least one", folder.string()));
  std::string prefix = rel.lexically_normal().generic_string();  // "v3/"; "" for the app directory itself ("./")
  if (prefix == "." || prefix == "./") prefix.clear();
  else if (!prefix.ends_with('/')) prefix += '/';
  std::vector<std::string> files;
  for (const fs::path& entry : entries) {
    const std::string file = prefix + entry.filename().string();
    std::error_code e;
    if (entry.extension() != ".pkg" || !fs::is_regular_file(entry, e))
      fail(fmt::format("{} is not a package file; expected only package files (*.pkg) in {}", file, folder.string()));
    if (!inside(entry))
      fail(fmt::format("{} leads out of the app directory {} (a symlink); expected package files inside it", file, app_dir));
    files.push_back(file);
  }
  return files;
}

// [app] old and new: an array of package file names in dir/old/ and dir/new/, or a directory
// "v1/" (package_directory). As paths relative to dir.
std::vector<std::string> read_release(const Reader& r, const std::string& app_dir, const toml::table* app, const char* key) {
  const toml::node* n = app->get(key);
  if (n == nullptr) r.fail(line_of(*app), fmt::format("expected [app] {}", key));
  if (n->is_string()) return package_directory(r, app_dir, key, *n);
  const auto* list = n->as_array();
  if (list == nullptr || list->empty())
    r.fail(line_of(*n), fmt::format("'{}': expected an array of package file names in {}/{}/, or a directory \"dir/\" (relative to {}) "
                                    "for every *.pkg in it", key, app_dir, key, app_dir));
  std::vector<std::string> files;
  for (const toml::node& e : *list) {
    const auto* s = e.as_string();
    if (s == nullptr || s->get().empty()) r.fail(line_of(e), fmt::format("'{}': expected non-empty strings", key));
    files.push_back(std::string(key) + "/" + s->get());
  }
  return files;
}

// [app] next: the releases after `new`, one per later deploy. Each is an array of package
// files (paths relative to dir) or a directory "v3/" (package_directory).
// Every deploy stages its files under their own names, so no two deploys may share a name.
void read_next_releases(Scenario& s, Reader& r, const toml::table* app) {
  const toml::node* n = app->get("next");
  if (n == nullptr) return;
  const auto* releases = n->as_array();
  constexpr const char* kExpected = "expected an array of releases, each an array of package files (paths relative to dir) "
                                    "or a directory \"v3/\" holding them";
  if (releases == nullptr || releases->empty()) r.fail(line_of(*n), fmt::format("'next': {}", kExpected));
  if (releases->size() > 30) r.fail(line_of(*n), fmt::format("'next': at most 30 later releases, got {}", releases->size()));
  std::set<std::string> staged;
  for (const auto& f : s.new_packages) staged.insert(std::filesystem::path(f).filename().string());
  for (const toml::node& e : *releases) {
    std::vector<std::string> files;
    if (e.is_string()) {
      files = package_directory(r, s.app_dir, "next", e);
    } else if (const auto* list = e.as_array()) {
      for (const toml::node& f : *list) {
        const auto* name = f.as_string();
        if (name == nullptr || name->get().empty()) r.fail(line_of(f), "'next': expected non-empty package file paths");
        files.push_back(name->get());
      }
      if (files.empty()) r.fail(line_of(e), "'next': a release needs at least one package file");
    } else {
      r.fail(line_of(e), fmt::format("'next': {}", kExpected));
    }
    for (const std::string& f : files) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(std::filesystem::path(s.app_dir) / f, ec))
        r.fail(line_of(e), fmt::format("'next': no package file {}/{}", s.app_dir, f));
      const std::string name = std::filesystem::path(f).filename().string();
      if (!staged.insert(name).second)
        r.fail(line_of(e), fmt::format("'next': {} is staged by an earlier deploy too; expected each deploy's file names to be its own", name));
    }
    s.next_packages.push_back(std::move(files));
  }
}

// [deploy] at_ms: one time, or one per deploy (1 + the next releases), in order.
void read_deploy_times(Scenario& s, Reader& r, const toml::table* app, const toml::table* deploy) {
  const toml::node* n = deploy == nullptr ? nullptr : deploy->get("at_ms");
  const auto* times = n == nullptr ? nullptr : n->as_array();
  if (times == nullptr) {
    r.millis(deploy, "at_ms", s.deploy_at, 86'400'000);
  } else {
    std::vector<Millis> at;
    for (const toml::node& e : *times) {
      const auto* i = e.as_integer();
      if (i == nullptr || i->get() < 0 || i->get() > 86'400'000)
        r.fail(line_of(e), "'at_ms': expected times from 0 to 86400000 ms");
      if (!at.empty() && Millis(i->get()) < at.back())
        r.fail(line_of(e), fmt::format("'at_ms': expected deploy times in order, got {} after {}", i->get(), at.back().count()));
      at.push_back(Millis(i->get()));
    }
    if (at.empty()) r.fail(line_of(*n), "'at_ms': expected a time, or one per deploy");
    s.deploy_at = at.front();
    s.next_deploy_at.assign(at.begin() + 1, at.end());
  }
  if (static_cast<int>(s.next_deploy_at.size()) + 1 != s.deploys()) {
    const int line = n != nullptr ? line_of(*n) : line_of(*app->get("next"));
    r.fail(line, fmt::format("'at_ms': {} deploy time{} for {} release{} to deploy (new{}); expected one time per deploy, "
                             "at_ms = [first, ...]",
                             s.next_deploy_at.size() + 1, s.next_deploy_at.empty() ? "" : "s", s.deploys(),
                             s.deploys() == 1 ? "" : "s", s.next_packages.empty() ? "" : " and each of next"));
  }
}

// [load] curve: a named curve ("office-hours"), or [["HH:MM", weight], ...] in time order.
LoadCurve read_load_curve(const Reader& r, const toml::table* load) {
  const toml::node* n = load == nullptr ? nullptr : load->get("curve");
  if (n == nullptr) return {};
  constexpr const char* kExpected = "expected a named curve or a list of [\"HH:MM\", weight] points in time order";
  if (const auto* name = n->as_string()) {
    LoadCurve named = named_load_curve(name->get());
    if (named.flat())
      r.fail(line_of(*n), fmt::format("'curve': unknown curve \"{}\"; {} (named: {})", name->get(), kExpected,
                                      fmt::join(load_curve_names(), ", ")));
    return named;
  }
  const auto* list = n->as_array();
  if (list == nullptr || list->empty()) r.fail(line_of(*n), fmt::format("'curve': {}", kExpected));
  LoadCurve curve;
  for (const toml::node& e : *list) {
    const auto* point = e.as_array();
    const auto* at = point != nullptr && point->size() == 2 ? (*point)[0].as_string() : nullptr;
    const auto time = at != nullptr ? parse_time_of_day(at->get()) : std::nullopt;
    if (!time) r.fail(line_of(e), fmt::format("'curve': each point is [\"HH:MM\", weight] with a time from 00:00 to 23:59"));
    double weight = 0;
    if (const auto* i = (*point)[1].as_integer()) weight = static_cast<double>(i->get());
    else if (const auto* f = (*point)[1].as_floating_point()) weight = f->get();
    else r.fail(line_of(e), "'curve': a point's weight is a number");
    if (!(weight >= kMinCurveWeight && weight <= kMaxCurveWeight))
      r.fail(line_of(e), fmt::format("'curve': weight {} at {}: expected {} to {} (1: think_ms as written)", weight, at->get(),
                                     kMinCurveWeight, kMaxCurveWeight));
    if (!curve.points.empty() && *time <= curve.points.back().at)
      r.fail(line_of(e), fmt::format("'curve': {} comes after {}; expected points in time order, each time once", at->get(),
                                     format_time_of_day(curve.points.back().at)));
    curve.points.push_back({*time, weight});
  }
  return curve;
}

// [deploy] cron: "HH:MM"; the job must run at least once after the last upload ends, a poll
// period before the run does, or it proves nothing.
void read_cron(Scenario& s, const Reader& r, const toml::table* deploy) {
  const toml::node* n = deploy == nullptr ? nullptr : deploy->get("cron");
  if (n == nullptr) return;
  const auto* text = n->as_string();
  const auto time = text != nullptr ? parse_time_of_day(text->get()) : std::nullopt;
  if (!time) r.fail(line_of(*n), "'cron': expected a time of day \"HH:MM\" (00:00 to 23:59)");
  s.cron = *time;
}

void check_cron_runs(const Scenario& s, const Reader& r, const toml::table* deploy) {
  if (!s.cron) return;
  const Millis ready = last_upload_complete(s);
  Millis first = ready - ready % kDay + *s.cron;
  if (first < ready) first += kDay;
  if (first + s.poll_period > s.duration)
    r.fail(line_of(*deploy->get("cron")),
           fmt::format("'cron': the job at {} first runs after the upload (complete at {} ms) at {} ms, and the run ends at {} ms, "
                       "before a poll after it; expected a longer duration_ms or another time",
                       format_time_of_day(*s.cron), ready.count(), first.count(), s.duration.count()));
}

// A rolling upgrade takes one image out of several at a time and uploads to it alone, so it
// needs several images, each with its own staging directory (a shared one would let every
// image take the batch at once); only a rollout drains.
void check_rolling(const Scenario& s, const Reader& r, const toml::table* cluster) {
  if (cluster == nullptr) return;
  if (s.rolling() && s.images < 2)
    r.fail(line_of(*cluster->get("upgrade")), fmt::format("'upgrade': \"rolling\" needs at least 2 images, got images = {}", s.images));
  if (s.rolling() && s.cluster_staging != "per-image")
    r.fail(line_of(*cluster->get("upgrade")),
           "'upgrade': \"rolling\" needs staging = \"per-image\" (the rollout uploads to one drained image at a time; from a "
           "shared staging directory every image would take the batch at once)");
  if (!s.rolling() && cluster->contains("drain_timeout_ms"))
    r.fail(line_of(*cluster->get("drain_timeout_ms")), "'drain_timeout_ms': only a rolling upgrade drains; expected upgrade = \"rolling\"");
}

// The images of a cluster share one simulated disk, so the power cut of one machine (its
// unsynced writes lost, the others' kept) is not modelled: faults that strike every image
// kill server processes.
void check_strike(const Scenario& s, const Reader& r, const toml::table* faults) {
  if (faults == nullptr || s.strike != "every-image" || s.images < 2 || s.kill == "process") return;
  r.fail(line_of(*faults->get("strike")),
         "'strike': \"every-image\" in a cluster needs kill = \"process\" (the images share one simulated disk, so one "
         "machine's power cut is not modelled)");
}

}  // namespace

std::vector<std::string> Scenario::release_files(int r) const {
  std::vector<std::string> paths;
  const std::filesystem::path dir(app_dir);
  const auto& files = r == 0 ? old_packages : r == 1 ? new_packages : next_packages[static_cast<std::size_t>(r - 2)];
  for (const auto& f : files) paths.push_back((dir / f).string());
  return paths;
}

std::vector<std::string> Scenario::package_files() const {
  std::vector<std::string> paths;
  for (int r = 0; r <= deploys(); ++r)
    for (auto& p : release_files(r)) paths.push_back(std::move(p));
  if (!local_change.empty()) paths.push_back((std::filesystem::path(app_dir) / local_change).string());
  return paths;
}

Scenario parse_scenario(const std::string& text, const std::string& path) {
  Reader r(path);
  toml::table doc;
  try {
    doc = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    r.fail(static_cast<int>(e.source().begin.line), fmt::format("TOML: {}", e.description()));
  }
  for (const auto& [k, v] : doc) {
    static const std::set<std::string> sections{"scenario", "app",     "load", "deploy", "faults", "filesystem",
                                                "server",   "budgets", "run",  "expect", "cluster"};
    if (!sections.contains(std::string(k.str())))
      r.fail(line_of(v), fmt::format("unknown section [{}]; expected one of: {}", k.str(), fmt::join(sections, ", ")));
  }
  Scenario s;
  s.path = path;
  s.checksum = upgrader::checksum_text(text);
  const toml::table* head = r.table(doc, "scenario", {"name", "description"});
  if (head == nullptr || !head->contains("name")) r.fail(1, "expected [scenario] with a name");
  r.string(head, "name", s.name);
  r.string(head, "description", s.description);

  const toml::table* app = r.table(doc, "app", {"dir", "old", "new", "next", "local_change"});
  if (app == nullptr || !app->contains("dir")) r.fail(1, "expected [app] with dir, old and new");
  std::string dir;
  r.string(app, "dir", dir);
  const auto base = std::filesystem::path(path).parent_path();
  s.app_dir = (base / dir).lexically_normal().string();
  s.old_packages = read_release(r, s.app_dir, app, "old");
  s.new_packages = read_release(r, s.app_dir, app, "new");
  for (const auto& [key, files] : {std::pair{"old", &s.old_packages}, std::pair{"new", &s.new_packages}})
    for (const auto& f : *files) {
      std::error_code ec;  // a hostile name (too long, bad bytes) is just not a package file
      if (!std::filesystem::is_regular_file(std::filesystem::path(s.app_dir) / f, ec))
        r.fail(line_of(*app->get(key)), fmt::format("'{}': no package file {}/{}", key, s.app_dir, f));
    }

  read_next_releases(s, r, app);
  r.string(app, "local_change", s.local_change);
  if (app->contains("local_change")) {
    // Like old/new/next: a file inside the app directory, never outside it.
    const int line = line_of(*app->get("local_change"));
    const std::filesystem::path rel(s.local_change), file = std::filesystem::path(s.app_dir) / rel;
    const bool climbs = std::any_of(rel.begin(), rel.end(), [](const std::filesystem::path& part) { return part == ".."; });
    if (rel.has_root_path() || climbs)
      r.fail(line, fmt::format("'local_change': \"{}\" leads out of the app directory {}; expected a *.pkg file inside it",
                               s.local_change, s.app_dir));
    std::error_code ec;
    if (!s.local_change.ends_with(".pkg") || !std::filesystem::is_regular_file(file, ec))
      r.fail(line, fmt::format("'local_change': no package file {}/{}; expected a *.pkg file (relative to dir) whose methods are "
                               "typed into the production image", s.app_dir, s.local_change));
    if (!lies_inside(s.app_dir, file))
      r.fail(line, fmt::format("'local_change': {} leads out of the app directory {} (a symlink); expected a *.pkg file inside it",
                               s.local_change, s.app_dir));
  }

  const toml::table* load =
      r.table(doc, "load", {"sessions", "idle_sessions", "requests", "think_ms", "session_timeout_ms", "session_class", "curve"});
  r.integer(load, "sessions", s.sessions, 0, 100000);
  r.integer(load, "idle_sessions", s.idle_sessions, 0, 1000000);
  r.strings(load, "requests", s.requests, false);
  r.range(load, "think_ms", s.think_min, s.think_max);
  r.millis(load, "session_timeout_ms", s.session_timeout, 86'400'000);
  r.string(load, "session_class", s.session_class);
  s.curve = read_load_curve(r, load);

  const toml::table* deploy =
      r.table(doc, "deploy", {"at_ms", "chunks", "chunk_interval_ms", "order", "manifest_order", "trigger", "fsync", "leftovers", "cron"});
  read_deploy_times(s, r, app, deploy);
  r.integer(deploy, "chunks", s.chunks, 1, 1000);
  r.millis(deploy, "chunk_interval_ms", s.chunk_interval, 3'600'000);
  r.string(deploy, "order", s.order, {"dependency", "reverse", "shuffled", "name"});
  r.string(deploy, "manifest_order", s.manifest_order, {"dependency", "reverse", "shuffled", "name"});
  r.string(deploy, "trigger", s.trigger, {"after", "early"});
  if (deploy != nullptr && deploy->contains("fsync")) {
    const auto b = (*deploy)["fsync"].value<bool>();
    if (!b) r.fail(line_of(*deploy->get("fsync")), "'fsync': expected true or false");
    s.fsync_uploads = *b;
  }
  read_cron(s, r, deploy);
  r.strings(deploy, "leftovers", s.leftovers, true);
  for (const auto& l : s.leftovers) {
    static const std::vector<std::string> kinds{"old-packages", "stale-trigger", "earlier-build"};
    if (std::find(kinds.begin(), kinds.end(), l) == kinds.end())
      r.fail(line_of(*deploy->get("leftovers")),
             fmt::format("'leftovers': expected any of {}, got \"{}\"", fmt::join(kinds, ", "), l));
    if (std::count(s.leftovers.begin(), s.leftovers.end(), l) > 1)
      r.fail(line_of(*deploy->get("leftovers")), fmt::format("'leftovers': \"{}\" is listed twice", l));
  }

  const toml::table* faults =
      r.table(doc, "faults", {"crash", "crash_install", "crash_ppm", "restart_delay_ms", "crashes", "kill", "media", "disk_full_ms", "strike"});
  r.string(faults, "crash", s.crash, {"none", "at-install", "random"});
  r.integer(faults, "crash_install", s.crash_install, 1, 1000);
  r.integer(faults, "crash_ppm", s.crash_ppm, 0, 1'000'000);
  r.millis(faults, "restart_delay_ms", s.restart_delay, 3'600'000);
  r.integer(faults, "crashes", s.crashes, 1, 1000);
  r.string(faults, "kill", s.kill, {"power", "process"});
  r.string(faults, "media", s.media, {"none", "bit-flip", "zero-block"});
  r.millis(faults, "disk_full_ms", s.disk_full, 86'400'000);
  r.string(faults, "strike", s.strike, {"first-image", "every-image"});

  const toml::table* filesystem = r.table(doc, "filesystem", {"model", "read_error_ppm", "write_error_ppm", "fsync_error_ppm"});
  r.string(filesystem, "model", s.fs_model, {"posix", "ext4-ordered"});
  r.integer(filesystem, "read_error_ppm", s.read_error_ppm, 0, 1'000'000);
  r.integer(filesystem, "write_error_ppm", s.write_error_ppm, 0, 1'000'000);
  r.integer(filesystem, "fsync_error_ppm", s.fsync_error_ppm, 0, 1'000'000);

  const toml::table* server = r.table(doc, "server", {"poll_period_ms", "compile_ms_per_method", "max_tries"});
  r.millis(server, "poll_period_ms", s.poll_period, 3'600'000);
  if (s.poll_period.count() == 0) r.fail(line_of(*server->get("poll_period_ms")), "'poll_period_ms': expected at least 1");
  r.millis(server, "compile_ms_per_method", s.compile_per_method, 60'000);
  r.integer(server, "max_tries", s.max_tries, 1, 1000);

  const toml::table* cluster =
      r.table(doc, "cluster", {"images", "staging", "balance", "routing", "max_mixed_ms", "upgrade", "drain_timeout_ms"});
  r.integer(cluster, "images", s.images, 1, kMaxImages);
  r.string(cluster, "staging", s.cluster_staging, {"shared", "per-image"});
  r.string(cluster, "balance", s.balance, {"sticky", "round-robin"});
  r.string(cluster, "routing", s.routing, {"release-blind", "release-aware"});
  r.millis(cluster, "max_mixed_ms", s.max_mixed, 86'400'000);
  r.string(cluster, "upgrade", s.cluster_upgrade, {"all-at-once", "rolling"});
  r.millis(cluster, "drain_timeout_ms", s.drain_timeout, 3'600'000);
  check_rolling(s, r, cluster);
  check_strike(s, r, faults);

  const toml::table* budgets = r.table(doc, "budgets", {"max_pause_ms", "max_image_growth", "liveness_ms", "max_retries_without_report"});
  r.millis(budgets, "max_pause_ms", s.max_pause, 86'400'000);
  r.number(budgets, "max_image_growth", s.max_image_growth, 1.0);  // when given
  r.millis(budgets, "liveness_ms", s.liveness, 86'400'000);
  r.integer(budgets, "max_retries_without_report", s.max_retries_without_report, 1, 100000);

  const toml::table* run = r.table(doc, "run", {"policies", "seeds", "first_seed", "strategy", "duration_ms", "point_sweeps"});
  if (run != nullptr && run->contains("point_sweeps")) {
    const auto b = (*run)["point_sweeps"].value<bool>();
    if (!b) r.fail(line_of(*run->get("point_sweeps")), "'point_sweeps': expected true or false");
    s.point_sweeps = *b;
  }
  r.strings(run, "policies", s.policies, false);
  for (const auto& p : s.policies)
    if (upgrader::make_policy(p) == nullptr)
      r.fail(line_of(*run->get("policies")), fmt::format("'policies': unknown policy \"{}\"; expected one of {}", p,
                                                          fmt::join(upgrader::policy_names(), ", ")));
  r.integer(run, "seeds", s.seeds, 1, 10'000'000);
  r.integer(run, "first_seed", s.first_seed, 0, INT64_MAX);
  std::string strategy = "random";
  r.string(run, "strategy", strategy, {"random", "pct", "rr"});
  s.strategy = *sim::parse_strategy(strategy);
  r.millis(run, "duration_ms", s.duration, 7 * 86'400'000LL);
  check_budgets_fit(s, r, budgets, run);
  check_cron_runs(s, r, deploy);
  if (s.max_mixed.count() < 0) s.max_mixed = s.liveness;

  if (const toml::node* e = doc.get("expect")) {
    const auto* t = e->as_table();
    if (t == nullptr) r.fail(line_of(*e), "[expect]: expected [expect.<policy>] tables");
    for (const auto& [policy, v] : *t) {
      if (std::find(s.policies.begin(), s.policies.end(), std::string(policy.str())) == s.policies.end())
        r.fail(line_of(v), fmt::format("[expect.{}]: that policy is not in [run] policies", policy.str()));
      const std::string section = fmt::format("expect.{}", policy.str());
      const toml::table* pt = v.as_table();
      if (pt == nullptr) r.fail(line_of(v), fmt::format("[{}]: expected a table with 'fire'", section));
      for (const auto& [k, kv] : *pt)
        if (k.str() != "fire" && k.str() != "allow")
          r.fail(line_of(kv), fmt::format("unknown key '{}' in [{}]; expected: fire, allow", k.str(), section));
      for (const char* key : {"fire", "allow"}) {
        std::vector<std::string> names;
        r.strings(pt, key, names, true);
        for (const auto& o : names)
          if (std::find(oracle_names().begin(), oracle_names().end(), o) == oracle_names().end())
            r.fail(line_of(*pt->get(key)), fmt::format("'{}': unknown oracle \"{}\"; expected one of {}", key, o, fmt::join(oracle_names(), ", ")));
        (std::string(key) == "fire" ? s.expect : s.allow)[std::string(policy.str())] = {names.begin(), names.end()};
      }
    }
  }
  for (const auto& p : s.policies) {  // unstated: nothing may fire
    s.expect.try_emplace(p);
    s.allow.try_emplace(p);
  }
  return s;
}

Scenario load_scenario(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScenarioError(path, 0, "cannot read the file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), path);
}

}  // namespace scenarios
