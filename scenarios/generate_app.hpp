#pragma once
// A generated app of real size, shaped like a Monticello baseline: layered packages with
// dependency chains, classes with class-side methods, class variables and class-instance
// variables, extension methods on kernel classes, binary selectors, and Monticello version
// names. Deterministic: the same options give the same bytes (its own PRNG, no
// std::distributions, no unordered containers). `hotsim gen app` writes it; the large-release
// scenario's app (scenarios/apps/large/) is its output, and a test regenerates it byte for
// byte.
#include <cstdint>
#include <string>
#include <vector>

#include "upgrader/package.hpp"

namespace scenarios {

struct GenOptions {
  std::uint64_t seed = 1;
  int packages = 42;     // at least depth
  int methods = 5200;    // per release, in total (spread over the packages)
  int depth = 10;        // layers: the longest dependency chain has this many packages
  std::string prefix = "Gen";
  std::string session_class = "GenSession";
  std::vector<std::string> requests{"browse", "order"};  // the session's entry selectors
};

struct GeneratedApp {
  // Both releases, in name order; new_release upgrades every package of old_release and its
  // entry points call code that only the new versions of lower layers have.
  std::vector<upgrader::Package> old_release, new_release;
  int longest_chain = 0;  // in packages, along requirements
};

// Throws std::invalid_argument for options it cannot satisfy (say which).
GeneratedApp generate_app(const GenOptions& options);

// The file name a package is written under: "<name>-<N>.pkg".
std::string generated_file_name(const upgrader::Package& package);

// Rendered files, (file name, bytes), in name order.
std::vector<std::pair<std::string, std::string>> render_release(const std::vector<upgrader::Package>& release);

}  // namespace scenarios
