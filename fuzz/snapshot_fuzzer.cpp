// libFuzzer target: the snapshot loader refuses corrupt input with SnapshotError only, and
// what it accepts encodes back to exactly the same bytes.
#include <cstdint>
#include <string>

#include "upgrader/snapshot.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    upgrader::Image image;
    image.restore(upgrader::decode_snapshot(bytes, "fuzz.snapshot"));
    if (upgrader::encode_snapshot(image) != bytes) __builtin_trap();
  } catch (const upgrader::SnapshotError&) {
  }
  return 0;
}
