#pragma once
// A scenario's package files, read, parsed and installed once per process: every seed of a
// scenario reads the same files, and doing it again per run was about an eighth of the
// default suite's time (large-release: a third). Keyed by the files' bytes, so a file that
// changes between two runs is read afresh. Thread-safe: suites run seeds on worker threads.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "scenarios/oracles/evidence.hpp"
#include "scenarios/scenario.hpp"
#include "upgrader/image.hpp"

namespace scenarios {

struct ScenarioReleases {
  Releases releases;
  std::uint64_t fresh_image_bytes = 0;  // fresh_image_bytes(releases)
  // The old release as install_in_dependency_order builds it on a fresh image, and the files
  // it could not install. Never looked up in (its caches stay empty): each boot publishes a
  // copy, so threads share it safely.
  std::shared_ptr<const upgrader::Release> old_release;
  std::vector<std::string> old_failed;

  // Installs the old release on `image`, as install_in_dependency_order would: a copy of
  // old_release when the image is fresh, package by package otherwise. Returns the failed files.
  std::vector<std::string> install_old_release(upgrader::Image& image) const;
};

// Throws what read_releases throws (a file that does not parse); a failure is not kept.
std::shared_ptr<const ScenarioReleases> scenario_releases(const Scenario& sc);

}  // namespace scenarios
