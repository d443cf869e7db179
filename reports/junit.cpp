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

}  // namespace

std::string junit_xml(const scenarios::SuiteResult& result) {
  int failures = 0;
  for (const auto& c : result.cells) failures += !c.ok();
  std::string out = fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"hotsim\" tests=\"{}\" failures=\"{}\" time=\"{:.3f}\">\n",
                                result.cells.size(), failures, result.seconds);
  for (const auto& c : result.cells) {
    out += fmt::format("  <testcase classname=\"{}\" name=\"{}\">\n", escape(c.scenario), escape(c.policy));
    if (!c.ok()) {
      std::string text;
      for (const auto& p : c.problems) text += p + "\n";
      out += fmt::format("    <failure message=\"{}\">{}</failure>\n", escape(c.problems.front()), escape(text));
    }
    out += "  </testcase>\n";
  }
  return out + "</testsuite>\n";
}

}  // namespace reports
