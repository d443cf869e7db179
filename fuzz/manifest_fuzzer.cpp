// libFuzzer target: the safe policy's manifest parser; every accepted file name is safe.
#include <cstdint>
#include <string>

#include "upgrader/manifest.hpp"
#include "upgrader/package.hpp"
#include "upgrader/staging.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    for (const auto& e : upgrader::parse_manifest(text, "load"))
      if (upgrader::staging_name_problem(e.file)) __builtin_trap();
  } catch (const upgrader::PackageError&) {
  }
  return 0;
}
