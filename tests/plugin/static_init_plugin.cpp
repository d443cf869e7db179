// A policy library that registers from a static initializer, run when dlopen loads it.
#include "plugin/renamed_policy.hpp"

namespace {

const bool registered = [] {
  plugin_test::register_renamed("plugin-seed", "seed");
  plugin_test::register_renamed("plugin-safe", "safe");
  return true;
}();

}  // namespace
