#pragma once
// `hotsim live`: scenarios on a real staging directory in real time (scenarios/live/).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cli {

struct LiveCommandOptions {
  std::vector<std::string> inputs;  // scenario files or directories of them
  double time_scale = 1.0;          // real seconds per scenario second
  int seeds = 1;                    // runs per scenario × policy
  std::optional<std::uint64_t> seed;  // the first seed (default: each scenario's own)
  std::vector<std::string> policies;  // instead of each scenario's own
  std::optional<int> sessions;        // instead of each scenario's own
  std::string dir;                    // where run directories are made (default: $TMPDIR or /tmp)
  bool keep = false;                  // leave each run's directory behind
};

// Exit status as `hotsim run`'s: 0 every live verdict as its scenario declares, 1 otherwise,
// 2 bad input (a scenario, a policy, the directory), 3 internal error.
int live_command(const LiveCommandOptions& options);

}  // namespace cli
