#include "upgrader/policy_library.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <iterator>

#include "upgrader/policy.hpp"

namespace upgrader {

std::vector<std::string> load_policy_library(const std::string& path) {
  const std::vector<std::string> before = policy_names();
  // dlopen searches the library path for a bare name; a file named on the command line is a file.
  const std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    throw PolicyLibraryError(path, std::string("cannot load it as a shared library (") + (why ? why : "unknown error") +
                                       "); expected a .so built against hotsim::upgrader");
  }
  if (auto* entry = reinterpret_cast<void (*)()>(dlsym(handle, "hotsim_register_policies"))) entry();
  const std::vector<std::string> after = policy_names();
  std::vector<std::string> added;
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(), std::back_inserter(added));
  if (added.empty())
    throw PolicyLibraryError(path, "it registered no new policy; expected upgrader::register_policy called from a static "
                                   "initializer or from an exported extern \"C\" void hotsim_register_policies()");
  return added;
}

}  // namespace upgrader
