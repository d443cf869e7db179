// libFuzzer target: the package parser refuses bad input with PackageError only, and what it
// accepts renders and parses back to the same package. Half the inputs get a valid checksum
// trailer, so mutations reach the TOML and the package rules behind the checksum.
#include <cstdint>
#include <string>

#include "upgrader/checksum.hpp"
#include "upgrader/package.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) text += "\n# hotsim-checksum " + upgrader::checksum_text(text + "\n") + "\n";
  try {
    const upgrader::Package p = upgrader::parse_package(text, "fuzz.pkg");
    const std::string rendered = upgrader::render_package(p);
    if (upgrader::render_package(upgrader::parse_package(rendered, "fuzz.pkg")) != rendered) __builtin_trap();
  } catch (const upgrader::PackageError&) {
  }
  return 0;
}
