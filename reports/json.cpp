#include "reports/json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "reports/summary.hpp"

namespace reports {

namespace fs = std::filesystem;
using nlohmann::json;

ResultsError::ResultsError(std::string file, const std::string& message)
    : std::runtime_error(fmt::format("{}: {}", file, message)), file_(std::move(file)) {}

namespace {

// ---- writing ----

json histogram_json(const scenarios::LatencyHistogram& h) {
  json buckets = json::array();
  h.for_each_bucket([&](std::uint64_t lo, std::uint64_t hi, std::uint64_t count) { buckets.push_back({lo, hi, count}); });
  return {{"count", h.count()}, {"max_ns", static_cast<std::uint64_t>(h.max().count())}, {"buckets", buckets}};
}

json percentiles_json(const scenarios::LatencyHistogram& h) {
  const Percentiles p = percentiles(h);
  return {{"p50", p.p50_ms}, {"p99", p.p99_ms}, {"max", p.max_ms}, {"samples", h.count()}};
}

json optional_json(const auto& value) { return value ? json(*value) : json(nullptr); }

// A path usable from the current directory, relative to `dir` instead.
std::string relative_to(const std::string& path, const fs::path& dir) {
  if (path.empty()) return path;
  return fs::absolute(path).lexically_normal().lexically_relative(dir).generic_string();
}

}  // namespace

json results_json(const ResultsFile& file, const std::string& results_path) {
  const scenarios::SuiteResult& result = file.result;
  const fs::path dir = fs::absolute(results_path).lexically_normal().parent_path();
  json cells = json::array();
  for (const auto& c : result.cells) {
    json fired = json::object();
    for (const auto& [oracle, count] : c.fired) {
      const std::string repro = relative_to(repro_file(file.repro_files, c, oracle), dir);
      const auto violation = c.violation.find(oracle);
      fired[oracle] = {{"seeds", count},
                       {"first_seed", c.first_seed.at(oracle)},
                       {"seeds_to_first", c.seeds_to_first.at(oracle)},
                       {"expected", c.expected.contains(oracle)},
                       {"allowed", c.allowed.contains(oracle)},
                       {"violation", violation == c.violation.end() ? "" : violation->second},
                       {"repro", repro},
                       {"replay", repro.empty() ? "" : "hotsim replay " + repro}};
    }
    json runs = json::array();
    for (const auto& [seed, hash] : c.trace_hashes) runs.push_back({seed, fmt::format("{:016x}", hash)});
    json cell = {{"scenario", c.scenario},
                     {"path", c.scenario_path},
                     {"scenario_checksum", c.scenario_checksum},
                     {"policy", c.policy},
                     {"seeds", c.seeds_run},
                     {"planned_seeds", c.planned_seeds},
                     {"runs", runs},
                     {"expected", c.expected},
                     {"allowed", c.allowed},
                     {"targeted", c.targeted},
                     {"fired", fired},
                     {"exercised", c.exercised},
                     {"requests_ok", c.requests_ok},
                     {"sessions", c.sessions},
                     {"run_seconds", c.run_seconds},
                     {"pause_ms", percentiles_json(c.pauses)},
                     {"upgrade_pause_ms", percentiles_json(c.upgrade_pauses)},
                     {"pause_histogram", histogram_json(c.pauses)},
                     {"upgrade_pause_histogram", histogram_json(c.upgrade_pauses)},
                     {"largest_image_bytes", c.largest_image},
                     {"fresh_image_bytes", c.fresh_image_bytes},
                     {"problems", c.problems},
                     {"ok", c.ok()}};
    if (c.swarm)
      cell["swarm"] = {{"subsets", c.swarm_subsets}, {"feature_seeds", c.swarm_feature_seeds}, {"fired", c.swarm_fired}};
    cells.push_back(std::move(cell));
  }
  json timelines = json::array();
  for (const auto& t : file.timelines) {
    json points = json::array();
    for (const auto& p : t.points) points.push_back({{"x", p.t_ms}, {"y", p.fiber}, {"kind", p.kind}, {"detail", p.detail}});
    timelines.push_back({{"key", t.key}, {"title", t.title}, {"violation", t.violation}, {"at", t.violation_ms},
                         {"fibers", t.fibers}, {"points", points}});
    if (!t.images.empty()) {  // a cluster's image lanes (a single image's file is as before)
      json lanes = json::array();
      for (const auto& p : t.image_points) lanes.push_back({{"x", p.t_ms}, {"y", p.fiber}, {"kind", p.kind}, {"detail", p.detail}});
      timelines.back()["images"] = t.images;
      timelines.back()["lanes"] = lanes;
    }
  }
  const Speed sp = speed(result);
  return {{"format_version", file.format_version},
          {"hotsim_version", file.hotsim_version},
          {"shard", {{"count", file.shards.count}, {"indices", file.shards.indices}}},
          {"sweep", {{"seeds", optional_json(file.sweep.seeds)}, {"seed", optional_json(file.sweep.seed)},
                     {"strategy", optional_json(file.sweep.strategy)}, {"swarm", file.sweep.swarm}}},
          {"ok", result.ok()},
          {"runs", result.runs},
          {"seconds", result.seconds},
          {"seeds", sp.seeds},
          {"runs_per_second", sp.runs_per_second()},
          {"seeds_per_second", sp.seeds_per_second()},
          {"sharded", result.sharded},
          {"cells", cells},
          {"timelines", timelines}};
}

// ---- reading ----

namespace {

// Reads values out of a parsed document; every failure names the file, where in it and what
// was expected.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& where, const std::string& message) const {
    throw ResultsError(file_, fmt::format("{}: {}", where, message));
  }
  [[noreturn]] void expected(const std::string& where, const std::string& what, const json& found) const {
    std::string text = found.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text.size() > 60) text = text.substr(0, 57) + "...";
    fail(where, fmt::format("expected {}, found {} {}", what, found.type_name(), text));
  }

  const json& member(const json& object, const std::string& where, const char* key) const {
    const std::string here = where.empty() ? "the document" : where;
    if (!object.is_object()) expected(here, "an object", object);
    const auto it = object.find(key);
    if (it == object.end()) fail(here, fmt::format("missing \"{}\"", key));
    return *it;
  }
  static std::string at(const std::string& where, const std::string& key) { return where.empty() ? key : where + "." + key; }

  const json& object(const json& v, const std::string& where) const {
    if (!v.is_object()) expected(where, "an object", v);
    return v;
  }
  const json& array(const json& v, const std::string& where) const {
    if (!v.is_array()) expected(where, "an array", v);
    return v;
  }
  std::uint64_t whole(const json& v, const std::string& where, std::uint64_t max = UINT64_MAX) const {
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0))
      expected(where, fmt::format("a whole number up to {}", max), v);
    const auto n = v.get<std::uint64_t>();
    if (n > max) expected(where, fmt::format("a whole number up to {}", max), v);
    return n;
  }
  int count(const json& v, const std::string& where) const { return static_cast<int>(whole(v, where, INT_MAX)); }
  double number(const json& v, const std::string& where) const {
    if (!v.is_number() || !std::isfinite(v.get<double>())) expected(where, "a finite number", v);
    return v.get<double>();
  }
  std::string text(const json& v, const std::string& where) const {
    if (!v.is_string()) expected(where, "a string", v);
    return v.get<std::string>();
  }
  bool boolean(const json& v, const std::string& where) const {
    if (!v.is_boolean()) expected(where, "true or false", v);
    return v.get<bool>();
  }
  std::set<std::string> names(const json& v, const std::string& where) const {
    std::set<std::string> out;
    std::size_t i = 0;
    for (const auto& item : array(v, where)) out.insert(text(item, fmt::format("{}[{}]", where, i++)));
    return out;
  }

  // Typed member shortcuts.
  std::uint64_t whole(const json& o, const std::string& where, const char* key) const { return whole(member(o, where, key), at(where, key)); }
  int count(const json& o, const std::string& where, const char* key) const { return count(member(o, where, key), at(where, key)); }
  double number(const json& o, const std::string& where, const char* key) const { return number(member(o, where, key), at(where, key)); }
  std::string text(const json& o, const std::string& where, const char* key) const { return text(member(o, where, key), at(where, key)); }
  bool boolean(const json& o, const std::string& where, const char* key) const { return boolean(member(o, where, key), at(where, key)); }

 private:
  std::string file_;
};

scenarios::LatencyHistogram read_histogram(const Reader& in, const json& v, const std::string& where) {
  scenarios::LatencyHistogram h;
  const auto& buckets = in.array(in.member(v, where, "buckets"), Reader::at(where, "buckets"));
  std::uint64_t previous_hi = 0;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    const std::string here = fmt::format("{}.buckets[{}]", where, i);
    const json& b = in.array(buckets[i], here);
    if (b.size() != 3) in.expected(here, "[lo_ns, hi_ns, count]", b);
    const std::uint64_t lo = in.whole(b[0], here + "[0]"), hi = in.whole(b[1], here + "[1]"), n = in.whole(b[2], here + "[2]");
    if (i > 0 && lo <= previous_hi) in.fail(here, "expected buckets in increasing order");
    if (!h.add_bucket(lo, hi, n))
      in.fail(here, fmt::format("[{}, {}] with {} samples is not a bucket of hotsim's histogram layout", lo, hi, n));
    previous_hi = hi;
  }
  const std::uint64_t count = in.whole(v, where, "count");
  if (count != h.count()) in.fail(Reader::at(where, "count"), fmt::format("expected {} (the sum of the buckets), found {}", h.count(), count));
  const std::uint64_t max_ns = in.whole(v, where, "max_ns");
  if (!h.restore_max(max_ns)) in.fail(Reader::at(where, "max_ns"), fmt::format("{} does not lie in the highest non-empty bucket", max_ns));
  return h;
}

// A --swarm cell's subsets and per-feature counts; no count exceeds the seeds the cell ran.
void read_swarm(const Reader& in, const json& v, const std::string& where, scenarios::Cell& c) {
  c.swarm = true;
  in.object(v, where);
  c.swarm_subsets = in.names(in.member(v, where, "subsets"), Reader::at(where, "subsets"));
  if (c.swarm_subsets.size() > static_cast<std::size_t>(c.seeds_run))
    in.fail(Reader::at(where, "subsets"), fmt::format("{} subsets, more than the {} seeds run", c.swarm_subsets.size(), c.seeds_run));
  auto counts = [&](const json& o, const std::string& at, int most) {
    std::map<std::string, int> out;
    for (const auto& [feature, n] : in.object(o, at).items()) {
      const int count = in.count(n, at + "." + feature);
      if (count > most) in.fail(at + "." + feature, fmt::format("{} seeds, more than the {} it can have", count, most));
      out[feature] = count;
    }
    return out;
  };
  c.swarm_feature_seeds = counts(in.member(v, where, "feature_seeds"), Reader::at(where, "feature_seeds"), c.seeds_run);
  const std::string fired_at = Reader::at(where, "fired");
  for (const auto& [oracle, per_feature] : in.object(in.member(v, where, "fired"), fired_at).items()) {
    const int most = c.fired.contains(oracle) ? c.fired.at(oracle) : 0;
    c.swarm_fired[oracle] = counts(per_feature, fired_at + "." + oracle, most);
  }
}

scenarios::Cell read_cell(const Reader& in, const json& v, const std::string& where, std::map<std::string, std::string>& repros) {
  scenarios::Cell c;
  in.object(v, where);
  c.scenario = in.text(v, where, "scenario");
  c.scenario_path = in.text(v, where, "path");
  c.scenario_checksum = in.text(v, where, "scenario_checksum");
  c.policy = in.text(v, where, "policy");
  if (c.scenario.empty() || c.policy.empty()) in.fail(where, "expected a scenario and a policy name");
  c.seeds_run = in.count(v, where, "seeds");
  c.planned_seeds = in.count(v, where, "planned_seeds");
  if (c.seeds_run > c.planned_seeds)
    in.fail(Reader::at(where, "seeds"), fmt::format("{} seeds run, more than the sweep's {}", c.seeds_run, c.planned_seeds));
  const auto& runs = in.array(in.member(v, where, "runs"), Reader::at(where, "runs"));
  if (runs.size() != static_cast<std::size_t>(c.seeds_run))
    in.fail(Reader::at(where, "runs"), fmt::format("expected one [seed, trace hash] per seed run ({}), found {}", c.seeds_run, runs.size()));
  std::set<std::uint64_t> seeds;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const std::string here = fmt::format("{}.runs[{}]", where, i);
    const json& r = in.array(runs[i], here);
    if (r.size() != 2) in.expected(here, "[seed, trace hash]", r);
    const std::uint64_t seed = in.whole(r[0], here + "[0]");
    const std::string hash = in.text(r[1], here + "[1]");
    if (hash.size() != 16 || hash.find_first_not_of("0123456789abcdef") != std::string::npos)
      in.expected(here + "[1]", "16 lower-case hex digits", r[1]);
    if (!seeds.insert(seed).second) in.fail(here, fmt::format("seed {} appears twice", seed));
    c.trace_hashes.emplace_back(seed, std::stoull(hash, nullptr, 16));
  }
  c.expected = in.names(in.member(v, where, "expected"), Reader::at(where, "expected"));
  c.allowed = in.names(in.member(v, where, "allowed"), Reader::at(where, "allowed"));
  c.targeted = in.names(in.member(v, where, "targeted"), Reader::at(where, "targeted"));
  const std::string fired_at = Reader::at(where, "fired");
  for (const auto& [oracle, f] : in.object(in.member(v, where, "fired"), fired_at).items()) {
    const std::string here = fired_at + "." + oracle;
    const int n = in.count(f, here, "seeds");
    if (n < 1 || n > c.seeds_run) in.fail(Reader::at(here, "seeds"), fmt::format("expected 1 to {} (the seeds run), found {}", c.seeds_run, n));
    c.fired[oracle] = n;
    const std::uint64_t first = in.whole(f, here, "first_seed");
    if (!seeds.contains(first)) in.fail(Reader::at(here, "first_seed"), fmt::format("seed {} is not among the cell's runs", first));
    c.first_seed[oracle] = first;
    const int to_first = in.count(f, here, "seeds_to_first");
    if (to_first < 1 || to_first > c.seeds_run)
      in.fail(Reader::at(here, "seeds_to_first"), fmt::format("expected 1 to {}, found {}", c.seeds_run, to_first));
    c.seeds_to_first[oracle] = to_first;
    c.violation[oracle] = in.text(f, here, "violation");
    const std::string repro = in.text(f, here, "repro");
    if (!repro.empty()) repros[repro_key(c.scenario, c.policy, oracle)] = repro;
  }
  const std::string exercised_at = Reader::at(where, "exercised");
  for (const auto& [oracle, n] : in.object(in.member(v, where, "exercised"), exercised_at).items()) {
    const int count = in.count(n, exercised_at + "." + oracle);
    if (count > c.seeds_run) in.fail(exercised_at + "." + oracle, fmt::format("{} seeds, more than the {} run", count, c.seeds_run));
    c.exercised[oracle] = count;
  }
  c.requests_ok = in.count(v, where, "requests_ok");
  c.sessions = in.count(v, where, "sessions");
  c.run_seconds = in.number(v, where, "run_seconds");
  c.pauses = read_histogram(in, in.member(v, where, "pause_histogram"), Reader::at(where, "pause_histogram"));
  c.upgrade_pauses = read_histogram(in, in.member(v, where, "upgrade_pause_histogram"), Reader::at(where, "upgrade_pause_histogram"));
  c.largest_image = in.whole(v, where, "largest_image_bytes");
  c.fresh_image_bytes = in.whole(v, where, "fresh_image_bytes");
  const std::string problems_at = Reader::at(where, "problems");
  std::size_t i = 0;
  for (const auto& p : in.array(in.member(v, where, "problems"), problems_at)) c.problems.push_back(in.text(p, fmt::format("{}[{}]", problems_at, i++)));
  if (v.contains("swarm")) read_swarm(in, v["swarm"], Reader::at(where, "swarm"), c);
  return c;
}

Timeline read_timeline(const Reader& in, const json& v, const std::string& where) {
  Timeline t;
  t.key = in.text(v, where, "key");
  t.title = in.text(v, where, "title");
  t.violation = in.text(v, where, "violation");
  t.violation_ms = in.number(v, where, "at");
  // Names, then points that index them as "y" (a timeline's fibers, a cluster's image lanes).
  auto names = [&](const char* key, std::vector<std::string>& out) {
    const std::string at = Reader::at(where, key);
    std::size_t i = 0;
    for (const auto& f : in.array(in.member(v, where, key), at)) out.push_back(in.text(f, fmt::format("{}[{}]", at, i++)));
  };
  auto points = [&](const char* key, const std::vector<std::string>& rows, const char* row, std::vector<Timeline::Point>& out) {
    const std::string at = Reader::at(where, key);
    std::size_t i = 0;
    for (const auto& p : in.array(in.member(v, where, key), at)) {
      const std::string here = fmt::format("{}[{}]", at, i++);
      const int y = in.count(p, here, "y");
      if (static_cast<std::size_t>(y) >= rows.size())
        in.fail(Reader::at(here, "y"), fmt::format("expected {} index below {}, found {}", row, rows.size(), y));
      out.push_back({in.number(p, here, "x"), y, in.text(p, here, "kind"), in.text(p, here, "detail")});
    }
  };
  names("fibers", t.fibers);
  points("points", t.fibers, "a fiber", t.points);
  if (!v.contains("images")) return t;  // one image: no lanes
  names("images", t.images);
  points("lanes", t.images, "an image", t.image_points);
  return t;
}

}  // namespace

namespace {

ResultsFile parse_document(const std::string& text, const std::string& path) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    throw ResultsError(path, fmt::format("not JSON (expected a results.json written by hotsim run --out): {}", e.what()));
  }
  const Reader in(path);
  in.object(doc, "the document");
  ResultsFile file;
  file.path = path;
  if (!doc.contains("format_version"))
    in.fail("format_version", fmt::format("missing: expected format version {} (an older hotsim wrote none)", kResultsFormatVersion));
  const std::uint64_t version = in.whole(doc, "", "format_version");
  if (version != static_cast<std::uint64_t>(kResultsFormatVersion))
    in.fail("format_version", fmt::format("expected {}, found {}: written by another hotsim; merge results of one hotsim build",
                                          kResultsFormatVersion, version));
  file.hotsim_version = in.text(doc, "", "hotsim_version");
  const json& shard = in.member(doc, "", "shard");
  file.shards.count = in.count(shard, "shard", "count");
  if (file.shards.count < 1) in.fail("shard.count", "expected at least 1");
  file.shards.indices.clear();
  std::size_t i = 0;
  for (const auto& k : in.array(in.member(shard, "shard", "indices"), "shard.indices")) {
    const std::string here = fmt::format("shard.indices[{}]", i++);
    const int index = in.count(k, here);
    if (index < 1 || index > file.shards.count) in.fail(here, fmt::format("expected 1 to {}, found {}", file.shards.count, index));
    if (!file.shards.indices.empty() && index <= file.shards.indices.back()) in.fail(here, "expected shard indices in increasing order");
    file.shards.indices.push_back(index);
  }
  if (file.shards.indices.empty()) in.fail("shard.indices", "expected at least one shard");
  const json& sweep = in.member(doc, "", "sweep");
  if (const json& s = in.member(sweep, "sweep", "seeds"); !s.is_null()) file.sweep.seeds = in.count(s, "sweep.seeds");
  if (const json& s = in.member(sweep, "sweep", "seed"); !s.is_null()) file.sweep.seed = in.whole(s, "sweep.seed");
  if (const json& s = in.member(sweep, "sweep", "strategy"); !s.is_null()) file.sweep.strategy = in.text(s, "sweep.strategy");
  if (sweep.contains("swarm")) file.sweep.swarm = in.boolean(sweep, "sweep", "swarm");

  scenarios::SuiteResult& r = file.result;
  r.runs = in.whole(doc, "", "runs");
  r.seconds = in.number(doc, "", "seconds");
  r.sharded = in.boolean(doc, "", "sharded");
  r.shard = {file.shards.indices.size() == 1 ? file.shards.indices.front() : 1, file.shards.indices.size() == 1 ? file.shards.count : 1};
  std::map<std::string, std::string> repros;  // relative to the file
  i = 0;
  std::uint64_t runs = 0;
  std::set<std::string> names;
  for (const auto& c : in.array(in.member(doc, "", "cells"), "cells")) {
    const std::string here = fmt::format("cells[{}]", i++);
    r.cells.push_back(read_cell(in, c, here, repros));
    if (r.cells.back().swarm != file.sweep.swarm)
      in.fail(here, file.sweep.swarm ? "expected the \"swarm\" counts of a --swarm sweep" : "\"swarm\" counts in a sweep without --swarm");
    if (!names.insert(r.cells.back().scenario + "/" + r.cells.back().policy).second)
      in.fail(here, fmt::format("scenario {} with policy {} appears twice", r.cells.back().scenario, r.cells.back().policy));
    runs += static_cast<std::uint64_t>(r.cells.back().seeds_run);
  }
  if (runs != r.runs) in.fail("runs", fmt::format("expected {} (the seeds run by the cells together), found {}", runs, r.runs));
  const fs::path dir = fs::path(path).parent_path();
  for (const auto& [key, repro] : repros)
    file.repro_files[key] = fs::path(repro).is_absolute() ? repro : (dir / repro).lexically_normal().string();
  i = 0;
  for (const auto& t : in.array(in.member(doc, "", "timelines"), "timelines")) {
    file.timelines.push_back(read_timeline(in, t, fmt::format("timelines[{}]", i++)));
    Timeline& added = file.timelines.back();
    if (const auto it = file.repro_files.find(added.key); it != file.repro_files.end()) added.replay_command = "hotsim replay " + it->second;
  }
  return file;
}

}  // namespace

ResultsFile parse_results(const std::string& text, const std::string& path) {
  try {
    return parse_document(text, path);
  } catch (const json::exception& e) {  // every access is checked first; this is a safety net
    throw ResultsError(path, fmt::format("unexpected content: {}", e.what()));
  }
}

ResultsFile load_results(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ResultsError(path, "cannot read the file (expected a results.json written by hotsim run --out)");
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) throw ResultsError(path, "cannot read the file");
  return parse_results(text.str(), path);
}

}  // namespace reports
