#pragma once
// FNV-1a 64 over bytes, written as "fnv1a64:<16 hex digits>". Detects torn or altered
// uploads; it is not a defence against an attacker who can also rewrite the manifest.
#include <cstdint>
#include <string>
#include <string_view>

namespace upgrader {

std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t seed = 0xcbf29ce484222325ULL);
std::string checksum_text(std::string_view bytes);  // "fnv1a64:..."

}  // namespace upgrader
