// libFuzzer target: the scenario parser refuses bad input with ScenarioError only.
#include <cstdint>
#include <string>

#include "scenarios/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    // Relative to the repository's default suite, so app paths can resolve.
    (void)scenarios::parse_scenario(text, std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/fuzz.toml");
  } catch (const scenarios::ScenarioError&) {
  }
  return 0;
}
