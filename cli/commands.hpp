#pragma once
// The hotsim subcommands, callable in-process (tests) as well as from main().
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "sim/ready_queue.hpp"

namespace cli {

struct RunOptions {
  std::vector<std::string> inputs;  // scenario files or directories of them
  std::optional<int> seeds;
  std::optional<std::uint64_t> seed;
  std::optional<std::string> strategy;
  std::string shard = "1/1";
  int jobs = 1;
  std::string junit, json, out;
  bool progress_bar = false;  // a terminal: redraw one line; otherwise plain lines
  std::string crash_points;   // "all": enumerate every crash point instead of sweeping seeds
  std::uint64_t crash_states = 8;  // crash points: states explored per point at most
  bool update_points = false;  // start the upgrade at every yield point the load reaches
  bool print_hashes = false;  // one line per run: scenario, policy, seed, trace hash
  std::vector<std::string> policies;     // instead of each scenario's own (scenarios/policy_override.hpp)
  std::vector<std::string> policy_libs;  // loaded by main before the run; named in replay commands
  bool swarm = false;         // each seed with its own subset of hazards and faults (scenarios/swarm.hpp)
};

struct MergeOptions {
  std::vector<std::string> files;  // results.json of each shard
  std::string out;                 // index.html, junit.xml, summary.md, results.json and repros/ go here
  bool allow_partial = false;      // merge although shards are missing (hazards not judged)
};

// Each returns the process exit status (README, "Exit codes"): 0 every outcome as declared /
// reproduced, 1 an undeclared outcome, 2 usage or input error (the message says file, line
// and what was expected; inputs are validated before any run starts), 3 replay diverged, a repro's
// scenario or package file changed (refused, naming the file), or internal error.
int run_command(const RunOptions& options);
// `hotsim merge`: the shards' results merged and judged as one unsharded run (reports/merge.hpp).
int merge_command(const MergeOptions& options);
int replay_command(const std::string& repro_file);
int shrink_command(const std::string& repro_file, const std::string& out_file, int max_attempts);
int explain_command(const std::string& repro_file, int context_lines);
// Replays a repro and writes its trace as Chrome trace-event JSON for the Perfetto UI.
int trace_command(const std::string& repro_file, const std::string& perfetto_out);

// Prints an exception that ended a command ("error: ..." for bad input, one line per problem,
// "internal error: ..." otherwise) and returns its exit status: 2 or 3.
int error_status(const std::exception& e);

// Scenario files named by the inputs (directories: their *.toml, sorted by name).
std::vector<std::string> scenario_files(const std::vector<std::string>& inputs);

// `--policy-lib`: loads each library, which registers its policies (upgrader/policy_library.hpp),
// and says on stderr what each registered. Throws PolicyLibraryError (an input error: exit 2).
void load_policy_libraries(const std::vector<std::string>& libraries);

}  // namespace cli
