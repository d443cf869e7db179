#include "scenarios/engine/leftovers.hpp"

#include <algorithm>

#include "scenarios/engine/package_order.hpp"
#include "upgrader/checksum.hpp"
#include "upgrader/manifest.hpp"
#include "upgrader/package.hpp"

namespace scenarios {

namespace {

// An earlier build of new package k: the same name and version with slightly different
// code (one more step in its first method, or one more field), sealed like any package.
// Complete and valid, but not what this deploy names.
std::string earlier_build(const Releases& releases, std::size_t k) {
  upgrader::Package p = releases.new_packages[k];
  if (!p.methods.empty()) p.methods.front().body.push_back({upgrader::Step::Kind::Cpu, "", "", {}, 1, 0});
  else if (!p.classes.empty()) p.classes.front().fields.push_back("earlierBuild");
  return upgrader::render_package(p);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> leftover_files(const Scenario& sc, const Releases& releases,
                                                                const std::string& trigger_name,
                                                                upgrader::Policy::Trigger format) {
  std::vector<std::pair<std::string, std::string>> files;
  if (sc.leftovers.empty()) return files;
  auto has = [&](const char* kind) { return std::find(sc.leftovers.begin(), sc.leftovers.end(), kind) != sc.leftovers.end(); };
  if (has("old-packages"))  // the release in production, staged again (an old upload never cleaned up)
    for (const auto& p : releases.old_packages) files.emplace_back(p.source.substr(p.source.rfind('/') + 1), upgrader::render_package(p));
  // An interrupted earlier deploy of an earlier build: every file but the last it would
  // have uploaded (in dependency order), under the names the first deploy uses.
  const auto order = package_order("dependency", releases, releases.uploaded_by(1), [](std::size_t) { return std::size_t{0}; });
  if (has("earlier-build"))
    for (std::size_t i = 0; i + 1 < order.size(); ++i) files.emplace_back(releases.new_files[order[i]], earlier_build(releases, order[i]));
  if (has("stale-trigger")) {  // and its trigger: naming the earlier build, so never loadable whole
    std::string bytes;
    if (format == upgrader::Policy::Trigger::Manifest) {
      std::vector<upgrader::ManifestEntry> manifest;
      for (const std::size_t k : order) manifest.push_back({releases.new_files[k], upgrader::checksum_text(earlier_build(releases, k)), 0});
      bytes = upgrader::render_manifest(manifest);
    }
    files.emplace_back(trigger_name, bytes);
  }
  return files;
}

}  // namespace scenarios
