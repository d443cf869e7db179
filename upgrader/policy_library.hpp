#pragma once
// Policies from a shared library (`hotsim run --policy-lib libmine.so`): the library
// registers them with register_policy (upgrader/policy.hpp) from a static initializer, or
// from an exported `extern "C" void hotsim_register_policies()`, called once it is loaded.
#include <stdexcept>
#include <string>
#include <vector>

namespace upgrader {

// A library that cannot be loaded or registers no policy: the path and what was expected.
class PolicyLibraryError : public std::runtime_error {
 public:
  PolicyLibraryError(std::string path, const std::string& why)
      : std::runtime_error(path + ": " + why), path_(std::move(path)) {}
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Loads the library (resolving every symbol now) and returns the names of the policies it
// registered, sorted. It stays loaded until the process ends: its policies' code lives there.
std::vector<std::string> load_policy_library(const std::string& path);

}  // namespace upgrader
