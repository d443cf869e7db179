#include "reports/html.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "reports/repro_files.hpp"
#include "reports/summary.hpp"
#include "scenarios/scenario.hpp"

namespace reports {

std::string bundled_chart_js() {
  for (const char* path : {"/usr/share/javascript/chart.js/chart.min.js", "/usr/share/javascript/chart.js/Chart.min.js"}) {
    std::ifstream in(path, std::ios::binary);
    if (!in) continue;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  return {};
}

namespace {

double ms_of(sim::Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// One lane per image of a cluster: the requests each served, and its own events.
void add_image_lanes(const scenarios::RunReport& run, std::size_t max_requests, Timeline& t) {
  if (run.images <= 1) return;
  for (int i = 0; i < run.images; ++i) t.images.push_back(fmt::format("image-{}", i));
  const std::size_t stride = run.served.size() > max_requests ? (run.served.size() + max_requests - 1) / max_requests : 1;
  const std::string sampled = stride > 1 ? fmt::format(" (1 request in {} shown)", stride) : "";
  for (std::size_t k = 0; k < run.served.size(); k += stride) {
    const auto& r = run.served[k];
    t.image_points.push_back({ms_of(r.arrival), r.image, r.on_last_release ? "request on the last release" : "request on an older release",
                              fmt::format("answered in {:.1f} ms{}", ms_of(r.latency), sampled)});
  }
  for (const scenarios::ImageEvent& e : run.image_events) t.image_points.push_back({ms_of(e.at), e.image, e.kind, e.detail});
}

}  // namespace

Timeline timeline_of(const scenarios::RunReport& run, const std::string& oracle, const std::string& replay_command,
                     double window_ms, std::size_t max_points, std::size_t max_image_points) {
  Timeline t;
  t.key = repro_key(run.scenario, run.policy, oracle);
  t.title = fmt::format("{} / {} / {} (seed {})", run.scenario, run.policy, oracle, run.seed);
  t.replay_command = replay_command;
  for (const auto& v : run.violations)
    if (v.oracle == oracle) {
      t.violation = fmt::format("{} at {}: {}", v.oracle, v.where, v.why);
      t.violation_ms = std::chrono::duration<double, std::milli>(v.at).count();
      break;
    }
  const double from = t.violation_ms - window_ms, to = t.violation_ms + window_ms / 5;
  // The events nearest the violation, in trace order.
  std::vector<const sim::TraceEvent*> chosen;
  std::size_t marker = 0;
  for (const auto& e : run.events) {
    const double ms = static_cast<double>(e.time_ns) / 1e6;
    if (ms < from || ms > to || e.kind == sim::EventKind::ClockJump) continue;
    if (e.kind == sim::EventKind::Note && e.detail.starts_with("VIOLATION " + oracle) && marker == 0) marker = chosen.size() + 1;
    chosen.push_back(&e);
  }
  std::size_t first = 0, last = chosen.size();
  if (chosen.size() > max_points) {
    const std::size_t centre = marker > 0 ? marker - 1 : chosen.size() / 2;
    first = centre > max_points * 4 / 5 ? centre - max_points * 4 / 5 : 0;
    last = std::min(chosen.size(), first + max_points);
  }
  std::map<std::uint64_t, int> index;
  for (std::size_t i = first; i < last; ++i) {
    const sim::TraceEvent& e = *chosen[i];
    auto [it, fresh] = index.emplace(e.fiber, static_cast<int>(t.fibers.size()));
    if (fresh) t.fibers.push_back(e.fiber < run.fiber_names.size() ? run.fiber_names[e.fiber] : "?");
    t.points.push_back({static_cast<double>(e.time_ns) / 1e6, it->second, std::string(sim::to_string(e.kind)), e.detail});
  }
  add_image_lanes(run, max_image_points, t);
  return t;
}

namespace {

nlohmann::json data_of(const scenarios::SuiteResult& result, const std::map<std::string, std::string>& repro_files,
                       const std::vector<Timeline>& timelines) {
  using nlohmann::json;
  json cells = json::array();
  std::vector<std::string> policies;
  std::map<std::string, std::vector<int>> histogram;   // policy -> pause buckets
  std::map<std::string, json> image_points;            // policy -> [{x, y}]
  std::map<std::string, double> scenario_seconds;  // real time spent on each scenario's runs
  static const std::vector<double> bounds{0, 1, 10, 100, 1000};   // ms
  for (const auto& c : result.cells) {
    if (std::find(policies.begin(), policies.end(), c.policy) == policies.end()) policies.push_back(c.policy);
    json fired = json::object();
    for (const auto& o : scenarios::oracle_names()) {
      const bool expected = c.expected.contains(o), allowed = c.allowed.contains(o);
      const int count = c.fired.contains(o) ? c.fired.at(o) : 0;
      fired[o] = {{"count", count},
                  {"state", count > 0 ? (expected ? "expected" : allowed ? "allowed" : c.fails_on(o) ? "unexpected" : "reported")
                                      : (expected && !c.swarm ? "missing" : "quiet")},
                  {"repro", repro_file(repro_files, c, o)}};
    }
    cells.push_back({{"scenario", c.scenario}, {"policy", c.policy}, {"seeds", c.seeds_run}, {"ok", c.ok()}, {"problems", c.problems}, {"oracles", fired}});
    auto& h = histogram[c.policy];
    h.resize(bounds.size() + 1);
    c.pauses.for_each_bucket([&](std::uint64_t lo_ns, std::uint64_t, std::uint64_t count) {
      const double ms = static_cast<double>(lo_ns) / 1e6;  // buckets are far finer than these bounds
      std::size_t b = 0;
      while (b < bounds.size() && ms > bounds[b]) ++b;
      h[b] += static_cast<int>(count);
    });
    if (c.largest_image > 0)
      image_points[c.policy].push_back({{"x", c.sessions}, {"y", c.largest_image}, {"scenario", c.scenario}});
    scenario_seconds[c.scenario] += c.run_seconds;
  }
  json seeds_per_second = json::array();  // a seed of a scenario runs once per policy
  for (const auto& [name, seeds] : seeds_per_scenario(result)) {
    const double seconds = scenario_seconds[name];
    seeds_per_second.push_back({{"scenario", name}, {"value", seconds > 0 ? static_cast<double>(seeds) / seconds : 0.0}});
  }
  json pauses = json::object(), images = json::object();
  for (const auto& p : policies) {
    pauses[p] = histogram[p];
    images[p] = image_points.contains(p) ? image_points[p] : json::array();
  }
  json tl = json::array();
  for (const auto& t : timelines) {
    json points = json::array();
    for (const auto& p : t.points) points.push_back({{"x", p.t_ms}, {"y", p.fiber}, {"kind", p.kind}, {"detail", p.detail}});
    tl.push_back({{"title", t.title}, {"replay", t.replay_command}, {"violation", t.violation}, {"at", t.violation_ms},
                  {"fibers", t.fibers}, {"points", points}});
    if (!t.images.empty()) {  // a single image's page stays as it was
      json lanes = json::array();
      for (const auto& p : t.image_points) lanes.push_back({{"x", p.t_ms}, {"y", p.fiber}, {"kind", p.kind}, {"detail", p.detail}});
      tl.back()["images"] = t.images;
      tl.back()["lanes"] = lanes;
    }
  }
  return {{"ok", result.ok()},
          {"runs", result.runs},
          {"seconds", result.seconds},
          {"oracles", scenarios::oracle_names()},
          {"policies", policies},
          {"cells", cells},
          {"pause_buckets", {"0 ms", "≤ 1 ms", "≤ 10 ms", "≤ 100 ms", "≤ 1 s", "> 1 s"}},
          {"pauses", pauses},
          {"images", images},
          {"seeds_per_second", seeds_per_second},
          {"timelines", tl}};
}

// The page's own script: builds the matrix and the charts from the embedded data.
constexpr const char* kPageScript = R"JS(
(function () {
  const errors = document.getElementById('errors');
  window.addEventListener('error', e => { errors.textContent += (e.message || e) + '\n'; });
  const data = JSON.parse(document.getElementById('data').textContent);
  const colours = { seed: '#d62728', priority: '#ff7f0e', safe: '#2ca02c' };
  const colour = p => colours[p] || '#1f77b4';
  let charts = 0;
  const chart = (id, config) => {
    config.options = Object.assign({ animation: false, responsive: false }, config.options || {});
    new Chart(document.getElementById(id), config);
    charts++;
  };

  // Violation matrix: hazard (scenario) x policy, one cell per oracle that fired.
  const table = document.getElementById('matrix');
  const head = table.createTHead().insertRow();
  ['scenario', 'policy', 'seeds'].concat(data.oracles).concat(['verdict']).forEach(h => {
    const th = document.createElement('th'); th.textContent = h; head.appendChild(th);
  });
  const body = table.createTBody();
  data.cells.forEach(c => {
    const row = body.insertRow();
    [c.scenario, c.policy, c.seeds].forEach(v => { row.insertCell().textContent = v; });
    data.oracles.forEach(o => {
      const f = c.oracles[o], td = row.insertCell();
      td.className = f.state;
      td.textContent = f.count > 0 ? f.count : (f.state === 'missing' ? '?' : '');
      if (f.repro) td.title = 'hotsim replay ' + f.repro;
    });
    const v = row.insertCell(); v.textContent = c.ok ? 'ok' : 'FAIL'; v.className = c.ok ? 'ok' : 'fail';
    if (!c.ok) v.title = c.problems.join('\n');
  });

  chart('pauses', { type: 'bar', data: { labels: data.pause_buckets,
    datasets: data.policies.map(p => ({ label: p, data: data.pauses[p], backgroundColor: colour(p) })) },
    options: { scales: { y: { type: 'logarithmic', title: { display: true, text: 'requests' } },
                         x: { title: { display: true, text: 'time held back by the upgrade (virtual)' } } } } });
  chart('images', { type: 'scatter', data: {
    datasets: data.policies.map(p => ({ label: p, data: data.images[p], backgroundColor: colour(p), pointRadius: 6 })) },
    options: { scales: { x: { title: { display: true, text: 'live sessions' } },
                         y: { title: { display: true, text: 'largest image saved after the deploy (bytes)' } } } } });
  chart('speed', { type: 'bar', data: { labels: data.seeds_per_second.map(s => s.scenario),
    datasets: [{ label: 'seeds per second', data: data.seeds_per_second.map(s => s.value), backgroundColor: '#1f77b4' }] } });

  const holder = document.getElementById('timelines');
  data.timelines.forEach((t, i) => {
    const section = document.createElement('section');
    section.className = 'timeline';
    const h = document.createElement('h3'); h.textContent = t.title; section.appendChild(h);
    const p = document.createElement('p'); p.textContent = t.violation; section.appendChild(p);
    const code = document.createElement('code'); code.textContent = t.replay; section.appendChild(code);
    const canvas = document.createElement('canvas');
    canvas.id = 'timeline-' + i; canvas.width = 1100; canvas.height = 80 + 26 * t.fibers.length;
    section.appendChild(canvas);
    holder.appendChild(section);
    const kinds = [...new Set(t.points.map(q => q.kind))];
    chart(canvas.id, { type: 'scatter', data: { datasets: kinds.map((k, n) => ({
        label: k, data: t.points.filter(q => q.kind === k),
        pointStyle: k === 'note' ? 'star' : 'circle', pointRadius: k === 'note' ? 7 : 3,
        backgroundColor: `hsl(${(n * 67) % 360},70%,45%)` })) },
      options: { plugins: { tooltip: { callbacks: { label: c => c.raw.kind + ' ' + (c.raw.detail || '') } } },
        scales: { x: { title: { display: true, text: 'virtual time (ms); violation at ' + t.at.toFixed(3) } },
                  y: { min: -1, max: t.fibers.length, reverse: true,
                       ticks: { stepSize: 1, callback: v => t.fibers[v] || '' } } } } });
    if (!t.images) return;
    // A cluster: one lane per image over the whole run, the violation as a line of stars.
    const h4 = document.createElement('h4'); h4.textContent = 'Each image of the cluster over the run'; section.appendChild(h4);
    const lanes = document.createElement('canvas');
    lanes.id = 'lanes-' + i; lanes.className = 'lanes'; lanes.width = 1100; lanes.height = 100 + 40 * t.images.length;
    section.appendChild(lanes);
    const laneColours = { 'request on the last release': '#2ca02c', 'request on an older release': '#d62728',
                          boot: '#1f77b4', crash: '#000000', release: '#9467bd', save: '#ff7f0e' };
    const laneKinds = [...new Set(t.lanes.map(q => q.kind))];
    const sets = laneKinds.map(k => ({ label: k, data: t.lanes.filter(q => q.kind === k),
      pointStyle: k.startsWith('request') ? 'line' : k === 'crash' ? 'crossRot' : 'rectRot',
      pointRadius: k.startsWith('request') ? 4 : 7, borderColor: laneColours[k] || '#7f7f7f',
      backgroundColor: laneColours[k] || '#7f7f7f' }));
    sets.push({ label: 'violation', data: t.images.map((_, y) => ({ x: t.at, y: y, kind: 'violation', detail: t.violation })),
      pointStyle: 'star', pointRadius: 9, borderColor: '#b00', backgroundColor: '#b00' });
    chart(lanes.id, { type: 'scatter', data: { datasets: sets },
      options: { plugins: { tooltip: { callbacks: { label: c => c.raw.kind + ' ' + (c.raw.detail || '') } } },
        scales: { x: { title: { display: true, text: 'virtual time (ms)' } },
                  y: { min: -1, max: t.images.length, reverse: true,
                       ticks: { stepSize: 1, callback: v => t.images[v] || '' } } } } });
  });
  document.body.dataset.chartsReady = String(charts);
})();
)JS";

constexpr const char* kStyle = R"CSS(
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; font-size: 14px; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: center; }
td.expected { background: #fde0c5; } td.allowed, td.reported { background: #fff3c4; }
td.unexpected, td.fail { background: #f4a3a3; font-weight: bold; } td.missing { background: #f4a3a3; }
td.ok { background: #c8ecc8; }
canvas { margin: 1em 0; } code { background: #f2f2f2; padding: 2px 6px; }
#errors { color: #b00; }
)CSS";

}  // namespace

std::string html_report(const scenarios::SuiteResult& result, const std::map<std::string, std::string>& repro_files,
                        const std::vector<Timeline>& timelines, const std::string& chart_js) {
  std::string json = data_of(result, repro_files, timelines).dump();
  // Inside <script>, "</" would end the element early.
  for (std::size_t at = 0; (at = json.find("</", at)) != std::string::npos; at += 3) json.replace(at, 2, "<\\/");
  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>hotsim report</title>\n";
  out += fmt::format("<style>{}</style>\n", kStyle);
  out += fmt::format("<script>{}</script>\n</head><body>\n", chart_js);
  out += fmt::format("<h1>hotsim report</h1>\n<p>{}: {}</p>\n", speed(result).describe(),
                     result.ok() ? "every outcome as declared" : "<strong>unexpected outcomes</strong>");
  out += "<pre id=\"errors\"></pre>\n";
  out += "<h2>Violations: hazard × policy</h2>\n<p>Seeds in which each oracle fired. Orange: expected; yellow: allowed (or, under --swarm, reported: fired where the policy declares hazards of its own); red: unexpected or expected but missing. Hover a cell for its replay command.</p>\n<table id=\"matrix\"></table>\n";
  out += "<h2>Pause per request, by policy</h2>\n<canvas id=\"pauses\" width=\"900\" height=\"340\"></canvas>\n";
  out += "<h2>Image size against live sessions</h2>\n<canvas id=\"images\" width=\"900\" height=\"340\"></canvas>\n";
  out += "<h2>Simulator speed</h2>\n<canvas id=\"speed\" width=\"900\" height=\"300\"></canvas>\n";
  out += "<h2>Failures and hazards: the fibers around each violation</h2>\n<div id=\"timelines\"></div>\n";
  out += fmt::format("<script type=\"application/json\" id=\"data\">{}</script>\n", json);
  out += fmt::format("<script>{}</script>\n</body></html>\n", kPageScript);
  return out;
}

}  // namespace reports
