#include "reports/junit.hpp"

#include <fmt/format.h>


namespace reports {
namespace {

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// The message: the first unexpected violation, on one line; the body: every problem of the
// cell, then for each unexpected oracle its violation, first seed and replay command.
struct Failure {
  std::string message, body;
};

Failure failure_of(const scenarios::Cell& c, const ReproFiles& repro_files) {
  Failure f;
  for (const auto& [oracle, count] : c.fired) {
    if (!c.fails_on(oracle)) continue;
    const auto text = c.violation.find(oracle);
    const std::string violation = text == c.violation.end() || text->second.empty() ? oracle : text->second;
    const std::uint64_t seed = c.first_seed.at(oracle);
    const std::string file = repro_file(repro_files, c, oracle);
    const std::string replay = file.empty() ? "" : "hotsim replay " + file;
    if (f.message.empty())
      f.message = fmt::format("{} (seed {}){}", violation, seed, replay.empty() ? "" : "; replay: " + replay);
    f.body += fmt::format("\n{} fired unexpectedly in {} of {} seeds\n  violation: {}\n  seed: {}\n", oracle, count, c.seeds_run,
                          violation, seed);
    if (!replay.empty()) f.body += fmt::format("  replay: {}\n", replay);
  }
  if (f.message.empty()) f.message = c.problems.front();
  std::string problems;
  for (const auto& p : c.problems) problems += p + "\n";
  f.body = problems + f.body;
  return f;
}

}  // namespace

std::string junit_xml(const scenarios::SuiteResult& result, const ReproFiles& repro_files) {
  int failures = 0;
  for (const auto& c : result.cells) failures += !c.ok();
  std::string out = fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"hotsim\" tests=\"{}\" failures=\"{}\" time=\"{:.3f}\">\n",
                                result.cells.size(), failures, result.seconds);
  for (const auto& c : result.cells) {
    out += fmt::format("  <testcase classname=\"{}\" name=\"{}\">\n", escape(c.scenario), escape(c.policy));
    if (!c.ok()) {
      const Failure f = failure_of(c, repro_files);
      out += fmt::format("    <failure message=\"{}\">{}</failure>\n", escape(f.message), escape(f.body));
    }
    out += "  </testcase>\n";
  }
  return out + "</testsuite>\n";
}

}  // namespace reports
