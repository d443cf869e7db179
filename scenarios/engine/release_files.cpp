#include "scenarios/engine/release_files.hpp"

#include <map>
#include <mutex>
#include <string>

#include "scenarios/engine.hpp"

namespace scenarios {

namespace {

// Every file's name and bytes, in the scenario's order: what read_releases reads.
std::string files_key(const Scenario& sc) {
  std::string key = sc.app_dir;
  const auto add = [&](const std::string& file) {
    const std::string b = read_package_bytes(sc.app_dir + "/" + file);
    key += '\0' + file + '\0' + std::to_string(b.size()) + '\0' + b;
  };
  for (const auto& f : sc.old_packages) add(f);
  key.append("\0new", 4);
  for (const auto& f : sc.new_packages) add(f);
  for (const auto& deploy : sc.next_packages) {
    key.append("\0next", 5);
    for (const auto& f : deploy) add(f);
  }
  return key;
}

}  // namespace

std::shared_ptr<const ScenarioReleases> scenario_releases(const Scenario& sc) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const ScenarioReleases>> read;
  std::string key = files_key(sc);
  {
    const std::lock_guard<std::mutex> lock(mutex);
    if (auto it = read.find(key); it != read.end()) return it->second;
  }
  // Built outside the lock (two threads may both build it; both results are equal).
  auto built = std::make_shared<ScenarioReleases>();
  built->releases = read_releases(sc.app_dir, sc.old_packages, sc.new_packages, sc.next_packages);
  built->fresh_image_bytes = fresh_image_bytes(built->releases);
  upgrader::Image fresh;
  built->old_failed = install_in_dependency_order(fresh, built->releases.old_packages);
  built->old_release = fresh.current();
  const std::lock_guard<std::mutex> lock(mutex);
  return read.try_emplace(std::move(key), std::move(built)).first->second;
}

std::vector<std::string> ScenarioReleases::install_old_release(upgrader::Image& image) const {
  if (image.current()->number != 0) return install_in_dependency_order(image, releases.old_packages);
  if (old_release->number > 0)  // none installed: the fresh image stays as it is
    image.publish(std::make_shared<const upgrader::Release>(*old_release));  // the copy starts with empty caches
  return old_failed;
}

}  // namespace scenarios
