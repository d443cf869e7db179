// A policy library that registers from its exported entry point, which hotsim calls after
// loading it.
#include "plugin/renamed_policy.hpp"

extern "C" __attribute__((visibility("default"))) void hotsim_register_policies() {
  plugin_test::register_renamed("plugin-entry-safe", "safe");
}
