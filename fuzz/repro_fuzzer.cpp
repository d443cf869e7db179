// libFuzzer target: the repro parser refuses bad input with ScenarioError only, and what it
// accepts renders and parses back to the same repro, every RunSettings field included.
#include <cstdint>
#include <string>

#include "scenarios/repro.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const scenarios::Repro r = scenarios::parse_repro(text, "fuzz.repro.toml");
    const scenarios::Repro again = scenarios::parse_repro(scenarios::render_repro(r), "fuzz.repro.toml");
    if (!(again == r)) __builtin_trap();
  } catch (const scenarios::ScenarioError&) {
  }
  return 0;
}
