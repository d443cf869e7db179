#pragma once
// `hotsim merge`: the results of the shards of one sweep (`hotsim run --shard K/N`), read
// from their results.json, merged into the result an unsharded run of the same sweep has —
// counts added, histograms merged bucket by bucket (so percentiles are those of the union),
// each oracle's first seed, violation, repro and timeline taken from the shard that ran the
// lowest seed — and then judged by scenarios::judge exactly as an unsharded run is.
#include <string>
#include <vector>

#include "reports/json.hpp"

namespace reports {

struct MergeOptions {
  // Merge even if shards of the sweep are missing: expected hazards and vacuity are then not
  // judged, as in a single shard.
  bool allow_partial = false;
};

struct Merged {
  ResultsFile results;       // repro_files: the repros of the chosen shards, where they are now
  std::vector<int> missing;  // shards of the sweep not among the inputs (only with allow_partial)
};

// Refuses (ResultsError naming the file and what was expected) shards of different hotsim
// versions, format versions, sweeps or scenario files, the same shard or seed twice, and —
// without allow_partial — missing shards, named.
Merged merge_results(const std::vector<ResultsFile>& shards, const MergeOptions& options = {});

}  // namespace reports
