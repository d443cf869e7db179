// libFuzzer target: results.json as `hotsim merge` reads it. The reader refuses bad input with
// ResultsError only; what it accepts writes back and reads back to the same JSON; and merging
// it (even as a partial sweep) ends in a result or a ResultsError, never anything else.
#include <cstdint>
#include <string>

#include "reports/json.hpp"
#include "reports/merge.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const reports::ResultsFile file = reports::parse_results(text, "fuzz/results.json");
    // Paths come back resolved, so compare from the first rewrite on.
    const std::string once = reports::results_json(file, "fuzz/results.json").dump();
    const std::string twice = reports::results_json(reports::parse_results(once, "fuzz/results.json"), "fuzz/results.json").dump();
    if (once != twice) __builtin_trap();
    const reports::Merged merged = reports::merge_results({file}, {.allow_partial = true});
    reports::parse_results(reports::results_json(merged.results, "fuzz/merged.json").dump(), "fuzz/merged.json");
  } catch (const reports::ResultsError&) {
  }
  return 0;
}
