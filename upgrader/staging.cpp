#include "upgrader/staging.hpp"

namespace upgrader {
namespace {

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    int extra = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : -1;
    if (extra < 0 || (extra == 1 && c < 0xc2) || i + extra >= s.size() + (extra == 0 ? 1 : 0)) return false;
    if (i + static_cast<std::size_t>(extra) >= s.size() && extra > 0) return false;
    for (int k = 1; k <= extra; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    i += static_cast<std::size_t>(extra) + 1;
  }
  return true;
}

}  // namespace

std::optional<std::string> staging_name_problem(std::string_view name) {
  if (name.empty()) return "empty name";
  if (name.size() > 255) return "name longer than 255 bytes";
  if (name.front() == '/') return "absolute path";
  if (name.find('/') != std::string_view::npos) return "name contains '/' (a path, not a file name)";
  if (name == "." || name == "..") return "'.' or '..'";
  if (name.front() == '.') return "hidden name (leading '.')";
  if (!valid_utf8(name)) return "name is not valid UTF-8";
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f) return "control character in name";
  return std::nullopt;
}

}  // namespace upgrader
