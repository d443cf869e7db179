#pragma once
// The self-contained HTML report: it opens offline in a browser. Charts are drawn by
// Chart.js (Debian's libjs-chart.js), whose code is inlined into the page.
#include <map>
#include <string>
#include <vector>

#include "scenarios/suite.hpp"

namespace reports {

// The fibers around one violation, from a replay with its trace kept.
struct Timeline {
  std::string key;             // repro_key(scenario, policy, oracle)
  std::string title;           // scenario / policy / oracle
  std::string replay_command;  // hotsim replay <file>
  std::string violation;
  double violation_ms = 0;     // virtual time
  std::vector<std::string> fibers;
  struct Point {
    double t_ms;
    int fiber;  // index into fibers
    std::string kind, detail;
  };
  std::vector<Point> points;
  // A cluster's run: one lane per image over the whole run, with the requests it served (on
  // the run's last release or an older one) and what it went through (boot, crash, release,
  // save). Empty for a single image, whose report is as before clusters.
  std::vector<std::string> images;
  std::vector<Point> image_points;  // fiber: the image's lane
};

// Builds a timeline from a replayed run: the events within `window_ms` before the first
// violation of `oracle` and a fifth of that after it, at most `max_points` of them; for a
// cluster also its image lanes, at most `max_image_points` requests on them (every k-th one
// when there were more; the images' own events are all kept).
Timeline timeline_of(const scenarios::RunReport& replayed, const std::string& oracle, const std::string& replay_command,
                     double window_ms = 500, std::size_t max_points = 600, std::size_t max_image_points = 600);

// chart_js: the library's source, inlined (read from /usr/share/javascript/chart.js).
std::string html_report(const scenarios::SuiteResult& result, const std::map<std::string, std::string>& repro_files,
                        const std::vector<Timeline>& timelines, const std::string& chart_js);

// The Chart.js build Debian installs; empty if it is missing.
std::string bundled_chart_js();

}  // namespace reports
