#pragma once
// Names found in (or listed for) the staging directory are untrusted input.
#include <optional>
#include <string>
#include <string_view>

namespace upgrader {

// Why `name` may not be used as a staging file name, or nullopt if it may: it must be one
// plain path component (no '/', not '.' or '..', no leading '.'), valid UTF-8 without
// control characters, at most 255 bytes.
std::optional<std::string> staging_name_problem(std::string_view name);

}  // namespace upgrader
