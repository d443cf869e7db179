// libFuzzer target: the snapshot loader refuses corrupt input with SnapshotError only, and
// what it accepts encodes back to exactly the same bytes. Half the inputs get their length
// and checksum fields fixed up, so mutations reach the decoder behind them.
#include <cstdint>
#include <string>

#include "upgrader/checksum.hpp"
#include "upgrader/snapshot.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  constexpr std::size_t kHeader = 8 + 4 + 8;
  if ((data[0] & 1) && bytes.size() >= kHeader + 8) {
    const std::size_t payload = bytes.size() - kHeader - 8;
    for (int i = 0; i < 8; ++i) bytes[12 + i] = static_cast<char>(static_cast<std::uint64_t>(payload) >> (8 * i));
    const std::uint64_t sum = upgrader::fnv1a64(std::string_view(bytes).substr(kHeader, payload));
    for (int i = 0; i < 8; ++i) bytes[kHeader + payload + i] = static_cast<char>(sum >> (8 * i));
  }
  try {
    upgrader::Image image;
    image.restore(upgrader::decode_snapshot(bytes, "fuzz.snapshot"));
    if (upgrader::encode_snapshot(image) != bytes) __builtin_trap();
  } catch (const upgrader::SnapshotError&) {
  }
  return 0;
}
