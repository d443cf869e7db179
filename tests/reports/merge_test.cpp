// Merging shards' results (reports/merge.hpp) in-process: histograms merge into the
// histogram of the union, any partition of a cell's runs merges into the cell of all of them
// (counts, first seeds, percentiles, verdict), results.json reads back what was written, and
// every broken results.json is refused with a ResultsError naming the file.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <fmt/format.h>
#include <map>
#include <set>

#include "reports/json.hpp"
#include "reports/merge.hpp"
#include "reports/summary.hpp"

namespace {

using scenarios::Cell;
using scenarios::LatencyHistogram;

// Pauses from 0 to about 10 s of virtual time, most of them small, as runs have them.
rc::Gen<std::int64_t> pause_ns() {
  return rc::gen::oneOf(rc::gen::inRange<std::int64_t>(0, 64), rc::gen::inRange<std::int64_t>(0, 2'000'000),
                        rc::gen::inRange<std::int64_t>(0, 10'000'000'000));
}

LatencyHistogram histogram_of(const std::vector<std::int64_t>& ns) {
  LatencyHistogram h;
  for (const auto n : ns) h.add(sim::Duration(n));
  return h;
}

// Cuts `items` into `parts` groups, item i going to group owner[i] % parts.
template <typename T>
std::vector<std::vector<T>> partition(const std::vector<T>& items, const std::vector<std::size_t>& owner, std::size_t parts) {
  std::vector<std::vector<T>> out(parts);
  for (std::size_t i = 0; i < items.size(); ++i) out[owner.empty() ? 0 : owner[i % owner.size()] % parts].push_back(items[i]);
  return out;
}

RC_GTEST_PROP(MergeHistogram, MergingAnyPartitionEqualsTheHistogramOfTheUnion, ()) {
  const auto ns = *rc::gen::container<std::vector<std::int64_t>>(pause_ns());
  const auto parts = *rc::gen::inRange<std::size_t>(1, 6);
  const auto owner = *rc::gen::container<std::vector<std::size_t>>(ns.size(), rc::gen::arbitrary<std::size_t>());
  LatencyHistogram merged;
  for (const auto& part : partition(ns, owner, parts)) merged.merge(histogram_of(part));
  const LatencyHistogram all = histogram_of(ns);
  RC_ASSERT(merged == all);
  for (const double q : {0.5, 0.9, 0.99, 1.0}) RC_ASSERT(merged.percentile(q) == all.percentile(q));
  RC_ASSERT(merged.max() == all.max());
}

RC_GTEST_PROP(MergeHistogram, MergeIsAssociativeAndCommutative, ()) {
  const auto a = histogram_of(*rc::gen::container<std::vector<std::int64_t>>(pause_ns()));
  const auto b = histogram_of(*rc::gen::container<std::vector<std::int64_t>>(pause_ns()));
  const auto c = histogram_of(*rc::gen::container<std::vector<std::int64_t>>(pause_ns()));
  LatencyHistogram left = a, bc = b, ba = b;
  left.merge(b);
  left.merge(c);  // (a + b) + c
  bc.merge(c);
  LatencyHistogram a_bc = a;
  a_bc.merge(bc);  // a + (b + c)
  ba.merge(a);
  LatencyHistogram ab = a;
  ab.merge(b);
  RC_ASSERT(left == a_bc);
  RC_ASSERT(ab == ba);
}

TEST(MergeHistogram, RestoreRefusesWhatIsNotABucket) {
  LatencyHistogram h;
  EXPECT_FALSE(h.add_bucket(33, 34, 1));   // below 64 ns each nanosecond is its own bucket
  EXPECT_TRUE(h.add_bucket(40, 40, 2));
  EXPECT_FALSE(h.add_bucket(64, 64, 1));   // [64, 65] is the bucket
  EXPECT_TRUE(h.add_bucket(64, 65, 1));
  EXPECT_FALSE(h.add_bucket(64, 65, 0));
  EXPECT_FALSE(h.restore_max(40));         // the highest non-empty bucket is [64, 65]
  EXPECT_TRUE(h.restore_max(65));
  EXPECT_EQ(h.count(), 3u);
  EXPECT_EQ(h.max().count(), 65);
}

// One run of a synthetic cell: what run_suite folds into the cell.
struct Run {
  std::uint64_t seed = 0;
  std::set<std::string> fired, exercised;
  std::vector<std::int64_t> pauses, upgrade_pauses;
  std::uint64_t image = 0;
  int requests_ok = 0;
  std::vector<std::string> swarm;  // --swarm: the run's features
};

const std::vector<std::string> kOracles{"torn-request", "dnu-by-upgrade", "lost-session", "liveness"};

// Some of the oracles (inside a property).
std::set<std::string> some_oracles() {
  std::set<std::string> out;
  for (const auto& o : kOracles)
    if (*rc::gen::arbitrary<bool>()) out.insert(o);
  return out;
}

// Runs with distinct seeds (as a sweep has), in increasing seed order (inside a property);
// with `swarm`, each with some of a few swarm features.
std::vector<Run> generate_runs(bool swarm = false) {
    const auto seeds = *rc::gen::container<std::set<std::uint64_t>>(rc::gen::inRange<std::uint64_t>(0, 1000));
    std::vector<Run> runs;
    for (const auto s : seeds) {
      Run r;
      r.seed = s;
      r.fired = some_oracles();
      r.exercised = some_oracles();
      r.exercised.insert(r.fired.begin(), r.fired.end());
      r.pauses = *rc::gen::container<std::vector<std::int64_t>>(pause_ns());
      r.upgrade_pauses = *rc::gen::container<std::vector<std::int64_t>>(pause_ns());
      r.image = *rc::gen::inRange<std::uint64_t>(0, 1'000'000);
      r.requests_ok = *rc::gen::inRange(0, 100);
      if (swarm)
        for (const char* f : {"upload-name", "power-cuts-2", "eio-read"})
          if (*rc::gen::arbitrary<bool>()) r.swarm.push_back(f);
      runs.push_back(r);
    }
    return runs;
}

// The cell run_suite makes of these runs (in seed order), with `planned` seeds in the sweep.
Cell fold(const std::vector<Run>& runs, int planned, bool swarm = false) {
  Cell c;
  c.swarm = swarm;
  c.scenario = "synthetic";
  c.scenario_path = "synthetic.toml";
  c.scenario_checksum = "fnv1a64:0123456789abcdef";
  c.policy = "safe";
  c.expected = {"torn-request"};
  c.allowed = {"liveness"};
  c.targeted = {"torn-request", "lost-session"};
  c.sessions = 5;
  c.planned_seeds = planned;
  c.fresh_image_bytes = 1000;
  for (const Run& r : runs) {
    ++c.seeds_run;
    c.trace_hashes.emplace_back(r.seed, r.seed * 0x9e3779b97f4a7c15ULL);
    c.requests_ok += r.requests_ok;
    c.pauses.merge(histogram_of(r.pauses));
    c.upgrade_pauses.merge(histogram_of(r.upgrade_pauses));
    c.largest_image = std::max(c.largest_image, r.image);
    for (const auto& o : r.exercised) ++c.exercised[o];
    if (swarm) {
      c.swarm_subsets.insert(fmt::format("{}", fmt::join(r.swarm, "+")));
      for (const auto& f : r.swarm) {
        ++c.swarm_feature_seeds[f];
        for (const auto& o : r.fired) ++c.swarm_fired[o][f];
      }
    }
    for (const auto& o : r.fired) {
      if (++c.fired[o] > 1) continue;
      c.first_seed[o] = r.seed;
      c.seeds_to_first[o] = c.seeds_run;
      c.violation[o] = fmt::format("{} at synthetic [1ms]: seed {}", o, r.seed);
    }
  }
  return c;
}

// The results.json text of shard k/n holding these runs, read back as `hotsim merge` reads it.
reports::ResultsFile shard_file(const std::vector<Run>& runs, int planned, int k, int n, bool swarm = false) {
  reports::ResultsFile f;
  f.hotsim_version = "test";
  f.shards = {n, {k}};
  f.sweep.swarm = swarm;
  f.result.cells.push_back(fold(runs, planned, swarm));
  f.result.runs = runs.size();
  f.result.sharded = n > 1;
  const std::string path = fmt::format("shard-{}/results.json", k);
  return reports::parse_results(reports::results_json(f, path).dump(), path);
}

void expect_same_cell(const Cell& merged, const Cell& all) {
  RC_ASSERT(merged.seeds_run == all.seeds_run);
  RC_ASSERT(merged.trace_hashes == all.trace_hashes);
  RC_ASSERT(merged.fired == all.fired);
  RC_ASSERT(merged.exercised == all.exercised);
  RC_ASSERT(merged.first_seed == all.first_seed);
  RC_ASSERT(merged.seeds_to_first == all.seeds_to_first);
  RC_ASSERT(merged.violation == all.violation);
  RC_ASSERT(merged.pauses == all.pauses);
  RC_ASSERT(merged.upgrade_pauses == all.upgrade_pauses);
  RC_ASSERT(merged.largest_image == all.largest_image);
  RC_ASSERT(merged.requests_ok == all.requests_ok);
  RC_ASSERT(merged.problems == all.problems);
  RC_ASSERT(merged.swarm == all.swarm);
  RC_ASSERT(merged.swarm_subsets == all.swarm_subsets);
  RC_ASSERT(merged.swarm_feature_seeds == all.swarm_feature_seeds);
  RC_ASSERT(merged.swarm_fired == all.swarm_fired);
}

RC_GTEST_PROP(MergeCells, AnyPartitionOfTheRunsMergesIntoTheCellOfAllOfThem, ()) {
  const bool swarm = *rc::gen::arbitrary<bool>();
  const auto runs = generate_runs(swarm);
  const int n = *rc::gen::inRange(1, 5);
  const auto owner = *rc::gen::container<std::vector<std::size_t>>(runs.size(), rc::gen::arbitrary<std::size_t>());
  const int planned = static_cast<int>(runs.size());
  std::vector<reports::ResultsFile> shards;
  const auto parts = partition(runs, owner, static_cast<std::size_t>(n));
  for (int k = 1; k <= n; ++k) shards.push_back(shard_file(parts[static_cast<std::size_t>(k - 1)], planned, k, n, swarm));
  const reports::Merged merged = reports::merge_results(shards);

  scenarios::SuiteResult unsharded;
  unsharded.runs = runs.size();
  unsharded.cells.push_back(fold(runs, planned, swarm));
  scenarios::judge(unsharded);
  RC_ASSERT(merged.missing.empty());
  RC_ASSERT(!merged.results.result.sharded);
  RC_ASSERT(merged.results.result.runs == runs.size());
  expect_same_cell(merged.results.result.cells.front(), unsharded.cells.front());
  RC_ASSERT(reports::markdown(merged.results.result) == reports::markdown(unsharded));
}

RC_GTEST_PROP(MergeCells, ResultsJsonReadsBackWhatWasWritten, ()) {
  const bool swarm = *rc::gen::arbitrary<bool>();
  const auto runs = generate_runs(swarm);
  const auto read = shard_file(runs, static_cast<int>(runs.size()), 1, 1, swarm);
  Cell written = fold(runs, static_cast<int>(runs.size()), swarm);
  RC_ASSERT(read.result.cells.size() == 1u);
  expect_same_cell(read.result.cells.front(), written);
}

RC_GTEST_PROP(MergeCells, AMissingShardIsNamedAndHazardsAreNotJudgedWhenAllowed, ()) {
  const auto runs = generate_runs();
  const int planned = static_cast<int>(runs.size());
  const auto parts = partition(runs, {0, 1, 2}, 3);
  const std::vector<reports::ResultsFile> shards{shard_file(parts[0], planned, 1, 3), shard_file(parts[2], planned, 3, 3)};
  try {
    reports::merge_results(shards);
    RC_FAIL("a missing shard was not refused");
  } catch (const reports::ResultsError& e) {
    RC_ASSERT(std::string(e.what()).find("shard 2/3 missing") != std::string::npos);
  }
  const reports::Merged partial = reports::merge_results(shards, {.allow_partial = true});
  RC_ASSERT(partial.missing == std::vector<int>{2});
  RC_ASSERT(partial.results.result.sharded);
  for (const auto& p : partial.results.result.cells.front().problems) RC_ASSERT(p.find("was expected but") == std::string::npos);
}

// ---- refused inputs: each a ResultsError that names the file ----

std::string valid_document() {
  std::vector<Run> runs(3);
  for (std::uint64_t i = 0; i < 3; ++i) {
    runs[i].seed = i;
    runs[i].fired = {"torn-request"};
    runs[i].exercised = {"torn-request", "lost-session"};
    runs[i].pauses = {1000, 2'000'000};
  }
  reports::ResultsFile f;
  f.hotsim_version = "test";
  f.result.cells.push_back(fold(runs, 3));
  f.result.runs = 3;
  return reports::results_json(f, "results.json").dump(2);
}

void expect_refused(const std::string& text, const std::string& what) {
  try {
    reports::parse_results(text, "shard-7/results.json");
    ADD_FAILURE() << "accepted; expected a refusal saying " << what;
  } catch (const reports::ResultsError& e) {
    EXPECT_EQ(e.file(), "shard-7/results.json");
    EXPECT_NE(std::string(e.what()).find("shard-7/results.json: "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

std::string edited(const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json doc = nlohmann::json::parse(valid_document());
  edit(doc);
  return doc.dump();
}

TEST(MergeInput, TheValidDocumentIsAccepted) { EXPECT_NO_THROW(reports::parse_results(valid_document(), "results.json")); }

TEST(MergeInput, BrokenDocumentsAreRefusedNamingTheFileAndWhatWasExpected) {
  expect_refused("{\"format_version\": 1,", "not JSON");
  expect_refused("[]", "expected an object");
  expect_refused(edited([](auto& d) { d.erase("format_version"); }), "format_version: missing: expected format version 1");
  expect_refused(edited([](auto& d) { d["format_version"] = 2; }), "format_version: expected 1, found 2");
  expect_refused(edited([](auto& d) { d["cells"][0]["seeds"] = "three"; }), "cells[0].seeds: expected a whole number");
  expect_refused(edited([](auto& d) { d["cells"][0]["seeds"] = -1; }), "cells[0].seeds: expected a whole number");
  expect_refused(edited([](auto& d) { d["cells"][0]["runs"].erase(0); }), "cells[0].runs: expected one [seed, trace hash] per seed run");
  expect_refused(edited([](auto& d) { d["cells"][0]["runs"][1][0] = 0; }), "seed 0 appears twice");
  expect_refused(edited([](auto& d) { d["cells"][0]["pause_histogram"]["buckets"][0][1] = 1001; }), "is not a bucket");
  expect_refused(edited([](auto& d) { d["cells"][0]["pause_histogram"]["count"] = 7; }), "(the sum of the buckets)");
  expect_refused(edited([](auto& d) { d["cells"][0]["pause_histogram"]["max_ns"] = 5; }), "does not lie in the highest");
  expect_refused(edited([](auto& d) { d["cells"][0]["fired"]["torn-request"]["first_seed"] = 99; }), "not among the cell's runs");
  expect_refused(edited([](auto& d) { d["cells"][0].erase("scenario_checksum"); }), "cells[0]: missing \"scenario_checksum\"");
  expect_refused(edited([](auto& d) { d["runs"] = 4; }), "runs: expected 3");
  expect_refused(edited([](auto& d) { d.erase("hotsim_version"); }), "the document: missing \"hotsim_version\"");
  expect_refused(edited([](auto& d) { d["seconds"] = "fast"; }), "seconds: expected a finite number, found string");
  expect_refused(edited([](auto& d) { d["shard"]["indices"] = {3}; }), "shard.indices[0]: expected 1 to 1, found 3");
  expect_refused(edited([](auto& d) { d["cells"].push_back(d["cells"][0]); }), "appears twice");
}

// Whatever a truncated or corrupted file holds, reading it ends in a ResultsError or a result:
// never another exception.
RC_GTEST_PROP(MergeInput, DamagedFilesAreRefusedNeverThrownThrough, ()) {
  std::string text = valid_document();
  const auto cut = *rc::gen::inRange<std::size_t>(0, text.size());
  const auto at = *rc::gen::inRange<std::size_t>(0, text.size());
  const char c = *rc::gen::elementOf(std::string("0{}[]\",:-9ax \xff"));
  if (*rc::gen::arbitrary<bool>()) text.resize(cut);
  else text[at] = c;
  try {
    reports::parse_results(text, "damaged.json");
  } catch (const reports::ResultsError& e) {
    RC_ASSERT(std::string(e.what()).starts_with("damaged.json: "));
  }
}

reports::ResultsFile with(const std::function<void(reports::ResultsFile&)>& edit, int k = 1, int n = 2) {
  std::vector<Run> runs(1);
  runs[0].seed = static_cast<std::uint64_t>(k - 1);
  runs[0].fired = {"torn-request"};
  runs[0].exercised = {"torn-request", "lost-session"};
  reports::ResultsFile f = shard_file(runs, 2, k, n);
  edit(f);
  return f;
}

void expect_merge_refused(const std::vector<reports::ResultsFile>& shards, const std::string& file, const std::string& what) {
  try {
    reports::merge_results(shards);
    ADD_FAILURE() << "merged; expected a refusal saying " << what;
  } catch (const reports::ResultsError& e) {
    EXPECT_EQ(e.file(), file) << e.what();
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

TEST(MergeInput, ShardsOfDifferentSweepsAreRefusedNamingTheFile) {
  const auto one = with([](auto&) {}, 1), two = with([](auto&) {}, 2);
  EXPECT_NO_THROW(reports::merge_results({one, two}));
  expect_merge_refused({one, with([](auto& f) { f.hotsim_version = "other"; }, 2)}, "shard-2/results.json", "written by hotsim other");
  expect_merge_refused({one, with([](auto& f) { f.result.cells[0].scenario_checksum = "fnv1a64:ffff"; }, 2)}, "shard-2/results.json",
                       "has checksum fnv1a64:ffff");
  expect_merge_refused({one, one}, "shard-1/results.json", "shard 1/2 again");
  expect_merge_refused({one, with([](auto& f) { f.shards.count = 3; }, 2)}, "shard-2/results.json", "merge the shards of one sweep");
  expect_merge_refused({one, with([](auto& f) { f.sweep.seeds = 9; }, 2)}, "shard-2/results.json", "run with --seeds 9");
  expect_merge_refused({one, with([](auto& f) { f.sweep.swarm = true; }, 2)}, "shard-2/results.json", "--swarm");
  expect_merge_refused({one, with([](auto& f) { f.result.cells[0].policy = "seed"; }, 2)}, "shard-2/results.json",
                       "shards of different scenario files");
  expect_merge_refused({one, with([](auto& f) { f.result.cells[0].trace_hashes[0].first = 0; }, 2)}, "shard-2/results.json",
                       "ran seed 0, and so did shard-1/results.json");
  expect_merge_refused({one}, "hotsim merge", "shard 2/2 missing: given shard-1/results.json (1/2)");
}

}  // namespace
