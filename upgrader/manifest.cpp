#include "upgrader/manifest.hpp"

#include <fmt/format.h>

#include <set>
#include <toml++/toml.h>

#include "upgrader/package.hpp"
#include "upgrader/staging.hpp"

namespace upgrader {

std::vector<ManifestEntry> parse_manifest(std::string_view text, const std::string& source) {
  toml::table doc;
  try {
    doc = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    throw PackageError(source, static_cast<int>(e.source().begin.line), fmt::format("TOML: {}", e.description()));
  }
  for (const auto& [key, value] : doc)
    if (key.str() != "package")
      throw PackageError(source, static_cast<int>(value.source().begin.line),
                         fmt::format("unknown key '{}' in the manifest; expected [[package]] tables", key.str()));
  const auto* arr = doc["package"].as_array();
  if (arr == nullptr || arr->empty()) throw PackageError(source, 1, "expected at least one [[package]] with file and checksum");
  std::vector<ManifestEntry> entries;
  std::set<std::string> files;
  for (const toml::node& n : *arr) {
    const int line = static_cast<int>(n.source().begin.line);
    const auto* t = n.as_table();
    if (t == nullptr) throw PackageError(source, line, "expected a [[package]] table");
    for (const auto& [key, value] : *t)
      if (key.str() != "file" && key.str() != "checksum")
        throw PackageError(source, static_cast<int>(value.source().begin.line),
                           fmt::format("unknown key '{}' in [[package]]; expected file, checksum", key.str()));
    const auto file = (*t)["file"].value<std::string>();
    const auto sum = (*t)["checksum"].value<std::string>();
    if (!file) throw PackageError(source, line, "[[package]] needs 'file' (a string)");
    if (!sum || !sum->starts_with("fnv1a64:")) throw PackageError(source, line, "[[package]] needs 'checksum' (\"fnv1a64:<hex>\")");
    if (auto problem = staging_name_problem(*file))
      throw PackageError(source, line, fmt::format("file \"{}\" refused: {}", *file, *problem));
    if (!files.insert(*file).second) throw PackageError(source, line, fmt::format("file \"{}\" is listed twice", *file));
    entries.push_back({*file, *sum, line});
  }
  return entries;
}

std::string render_manifest(const std::vector<ManifestEntry>& entries) {
  std::string out;
  for (const auto& e : entries) out += fmt::format("[[package]]\nfile = \"{}\"\nchecksum = \"{}\"\n\n", e.file, e.checksum);
  return out;
}

}  // namespace upgrader
