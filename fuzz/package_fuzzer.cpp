// libFuzzer target: the package parser refuses bad input with PackageError only, and what it
// accepts renders and parses back to the same package.
#include <cstdint>
#include <string>

#include "upgrader/package.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const upgrader::Package p = upgrader::parse_package(text, "fuzz.pkg");
    const std::string rendered = upgrader::render_package(p);
    if (upgrader::render_package(upgrader::parse_package(rendered, "fuzz.pkg")) != rendered) __builtin_trap();
  } catch (const upgrader::PackageError&) {
  }
  return 0;
}
