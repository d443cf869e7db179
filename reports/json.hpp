#pragma once
// results.json: a suite run's machine-readable results, written by `hotsim run` and read back
// by `hotsim merge` (reports/merge.hpp). It holds everything the reports are made from, so
// the results of shards rebuild the report an unsharded run writes: per cell the seeds run
// with their trace hashes, fired and exercised counts per oracle, each oracle's first seed,
// violation and repro, the pause histograms bucket by bucket, the largest image; per file the
// format version, the hotsim version, the shard and the sweep's options.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "reports/html.hpp"
#include "reports/repro_files.hpp"
#include "scenarios/suite.hpp"

namespace reports {

// Raised when a results.json cannot be read: "<file>: <where in it>: expected ..., found ...".
class ResultsError : public std::runtime_error {
 public:
  ResultsError(std::string file, const std::string& message);
  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

// Bumped whenever a field the merge reads changes meaning; a reader refuses any other value.
inline constexpr int kResultsFormatVersion = 1;

// The options of `hotsim run` that decide which runs a sweep has: shards must share them.
struct SweepOptions {
  std::optional<int> seeds;
  std::optional<std::uint64_t> seed;
  std::optional<std::string> strategy;
  bool swarm = false;  // --swarm (absent from files written before it: false)
  bool operator==(const SweepOptions&) const = default;
};

// Which shards of a sweep a result covers: one shard K/N holds {K}; an unsharded run, or a
// merge of every shard, is 1/1.
struct ShardSet {
  int count = 1;
  std::vector<int> indices{1};  // increasing, each in [1, count]
  bool operator==(const ShardSet&) const = default;
};

struct ResultsFile {
  std::string path;  // where it was read from ("" if built in memory)
  int format_version = kResultsFormatVersion;
  std::string hotsim_version;
  ShardSet shards;
  SweepOptions sweep;
  scenarios::SuiteResult result;  // cells as judged by the run that wrote it
  ReproFiles repro_files;         // paths usable from the current directory
  std::vector<Timeline> timelines;  // each with its repro key
};

// The JSON of `file`, to be written at `results_path`: repro paths in it are relative to that
// file's directory.
nlohmann::json results_json(const ResultsFile& file, const std::string& results_path);

// Reads a results.json written by results_json. Refuses (ResultsError naming the file and
// what was expected) malformed JSON, another format version and any missing or mistyped
// field. Repro paths come back resolved against the file's directory.
ResultsFile load_results(const std::string& path);
ResultsFile parse_results(const std::string& text, const std::string& path);

}  // namespace reports
