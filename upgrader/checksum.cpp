#include "upgrader/checksum.hpp"

#include <fmt/format.h>

namespace upgrader {

std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t hash) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::string checksum_text(std::string_view bytes) { return fmt::format("fnv1a64:{:016x}", fnv1a64(bytes)); }

}  // namespace upgrader
