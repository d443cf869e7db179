#pragma once
// The `safe` policy's trigger: a manifest listing the batch with checksums. The deployer
// uploads every package first, then writes the manifest aside and renames it to the trigger
// name, so the trigger never exists half-written.
//
//   [[package]]
//   file = "Shop-Model-2.pkg"
//   checksum = "fnv1a64:0123456789abcdef"
#include <string>
#include <string_view>
#include <vector>

namespace upgrader {

struct ManifestEntry {
  std::string file;
  std::string checksum;
  int line = 0;
};

// Throws PackageError (file:line: what was expected).
std::vector<ManifestEntry> parse_manifest(std::string_view text, const std::string& source);
std::string render_manifest(const std::vector<ManifestEntry>& entries);

}  // namespace upgrader
