#include "reports/merge.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace reports {
namespace {

std::string name_of(const ResultsFile& f) { return f.path.empty() ? "(results in memory)" : f.path; }

std::string describe(const ShardSet& s) {
  std::string out;
  for (const int k : s.indices) out += fmt::format("{}{}/{}", out.empty() ? "" : ", ", k, s.count);
  return out;
}

std::string describe(const SweepOptions& s) {
  return fmt::format("--seeds {}, --seed {}, --strategy {}{}", s.seeds ? std::to_string(*s.seeds) : "(the files')",
                     s.seed ? std::to_string(*s.seed) : "(none)", s.strategy.value_or("(the files')"), s.swarm ? ", --swarm" : "");
}

// Everything that must be equal between shards of one sweep, file by file.
void check_same_sweep(const ResultsFile& first, const ResultsFile& f) {
  if (f.format_version != first.format_version)
    throw ResultsError(name_of(f), fmt::format("format version {}, but {} has {}", f.format_version, name_of(first), first.format_version));
  if (f.hotsim_version != first.hotsim_version)
    throw ResultsError(name_of(f), fmt::format("written by hotsim {}, but {} by hotsim {}: merge shards run by one hotsim build",
                                               f.hotsim_version, name_of(first), first.hotsim_version));
  if (f.shards.count != first.shards.count)
    throw ResultsError(name_of(f), fmt::format("shard {}, but {} is shard {}: merge the shards of one sweep", describe(f.shards),
                                               name_of(first), describe(first.shards)));
  if (!(f.sweep == first.sweep))
    throw ResultsError(name_of(f), fmt::format("run with {}, but {} with {}: merge the shards of one sweep", describe(f.sweep),
                                               name_of(first), describe(first.sweep)));
  if (f.result.cells.size() != first.result.cells.size())
    throw ResultsError(name_of(f), fmt::format("{} scenario × policy cells, but {} has {}: shards of different scenario files",
                                               f.result.cells.size(), name_of(first), first.result.cells.size()));
  for (std::size_t i = 0; i < f.result.cells.size(); ++i) {
    const scenarios::Cell &a = first.result.cells[i], &b = f.result.cells[i];
    if (a.scenario != b.scenario || a.policy != b.policy)
      throw ResultsError(name_of(f), fmt::format("cell {} is {} / {}, but in {} it is {} / {}: shards of different scenario files", i + 1,
                                                 b.scenario, b.policy, name_of(first), a.scenario, a.policy));
    if (a.scenario_checksum != b.scenario_checksum)
      throw ResultsError(name_of(f), fmt::format("scenario {} has checksum {}, but in {} {}: shards of different scenario files",
                                                 b.scenario, b.scenario_checksum, name_of(first), a.scenario_checksum));
    if (a.expected != b.expected || a.allowed != b.allowed || a.targeted != b.targeted || a.planned_seeds != b.planned_seeds ||
        a.sessions != b.sessions)
      throw ResultsError(name_of(f), fmt::format("{} / {} declares other expectations or seeds than in {}: shards of different sweeps",
                                                 b.scenario, b.policy, name_of(first)));
  }
}

// Which shard files cover which shard index; refuses one covered twice.
std::vector<int> missing_shards(const std::vector<ResultsFile>& shards) {
  std::map<int, const ResultsFile*> seen;
  for (const auto& f : shards)
    for (const int k : f.shards.indices)
      if (const auto [it, fresh] = seen.emplace(k, &f); !fresh)
        throw ResultsError(name_of(f), fmt::format("shard {}/{} again: {} holds it too; pass each shard once", k, f.shards.count,
                                                   name_of(*it->second)));
  std::vector<int> missing;
  for (int k = 1; k <= shards.front().shards.count; ++k)
    if (!seen.contains(k)) missing.push_back(k);
  return missing;
}

// One cell of every shard, merged. `from[i]` is the file cell `parts[i]` came from.
scenarios::Cell merge_cell(const std::vector<const scenarios::Cell*>& parts, const std::vector<const ResultsFile*>& from,
                           ReproFiles& repros, std::map<std::string, const ResultsFile*>& timeline_source) {
  scenarios::Cell m;
  const scenarios::Cell& first = *parts.front();
  m.scenario = first.scenario;
  m.scenario_path = first.scenario_path;
  m.scenario_checksum = first.scenario_checksum;
  m.policy = first.policy;
  m.expected = first.expected;
  m.allowed = first.allowed;
  m.targeted = first.targeted;
  m.planned_seeds = first.planned_seeds;
  m.sessions = first.sessions;
  m.swarm = first.swarm;
  std::map<std::uint64_t, const ResultsFile*> seed_file;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const scenarios::Cell& c = *parts[i];
    for (const auto& [seed, hash] : c.trace_hashes) {
      if (const auto [it, fresh] = seed_file.emplace(seed, from[i]); !fresh)
        throw ResultsError(name_of(*from[i]), fmt::format("{} / {} ran seed {}, and so did {}: the shards overlap", c.scenario, c.policy,
                                                          seed, name_of(*it->second)));
      m.trace_hashes.emplace_back(seed, hash);
    }
    m.seeds_run += c.seeds_run;
    m.requests_ok += c.requests_ok;
    m.run_seconds += c.run_seconds;
    m.pauses.merge(c.pauses);
    m.upgrade_pauses.merge(c.upgrade_pauses);
    m.largest_image = std::max(m.largest_image, c.largest_image);
    if (c.seeds_run > 0) m.fresh_image_bytes = c.fresh_image_bytes;
    for (const auto& [oracle, n] : c.exercised) m.exercised[oracle] += n;
    m.swarm_subsets.insert(c.swarm_subsets.begin(), c.swarm_subsets.end());
    for (const auto& [feature, n] : c.swarm_feature_seeds) m.swarm_feature_seeds[feature] += n;
    for (const auto& [oracle, features] : c.swarm_fired)
      for (const auto& [feature, n] : features) m.swarm_fired[oracle][feature] += n;
    for (const auto& [oracle, n] : c.fired) {
      m.fired[oracle] += n;
      const std::uint64_t seed = c.first_seed.at(oracle);
      if (m.first_seed.contains(oracle) && m.first_seed.at(oracle) < seed) continue;
      m.first_seed[oracle] = seed;
      m.violation[oracle] = c.violation.contains(oracle) ? c.violation.at(oracle) : "";
      const std::string key = repro_key(c.scenario, c.policy, oracle);
      if (const auto it = from[i]->repro_files.find(key); it != from[i]->repro_files.end()) repros[key] = it->second;
      else repros.erase(key);
      timeline_source[key] = from[i];
    }
  }
  if (m.seeds_run > m.planned_seeds)
    throw ResultsError(name_of(*from.back()), fmt::format("{} / {}: the shards ran {} seeds together, more than the sweep's {}", m.scenario,
                                                          m.policy, m.seeds_run, m.planned_seeds));
  // As run_suite orders them: by seed, the order seeds are handed out in.
  std::sort(m.trace_hashes.begin(), m.trace_hashes.end());
  for (const auto& [oracle, seed] : m.first_seed) {
    const auto at = std::lower_bound(m.trace_hashes.begin(), m.trace_hashes.end(), std::pair<std::uint64_t, std::uint64_t>{seed, 0});
    m.seeds_to_first[oracle] = static_cast<int>(at - m.trace_hashes.begin()) + 1;
  }
  return m;
}

}  // namespace

Merged merge_results(const std::vector<ResultsFile>& shards, const MergeOptions& options) {
  if (shards.empty()) throw ResultsError("hotsim merge", "no results files given");
  const ResultsFile& first = shards.front();
  for (const auto& f : shards) check_same_sweep(first, f);
  Merged out;
  out.missing = missing_shards(shards);
  if (!out.missing.empty() && !options.allow_partial) {
    std::string missing, given;
    for (const int k : out.missing) missing += fmt::format("{}{}/{}", missing.empty() ? "" : ", ", k, first.shards.count);
    for (const auto& f : shards) given += fmt::format("{}{} ({})", given.empty() ? "" : ", ", name_of(f), describe(f.shards));
    throw ResultsError("hotsim merge", fmt::format("shard{} {} missing: given {}; pass every shard's results.json, or --allow-partial "
                                                   "to merge them without judging expected hazards",
                                                   out.missing.size() > 1 ? "s" : "", missing, given));
  }

  ResultsFile& r = out.results;
  r.hotsim_version = first.hotsim_version;
  r.sweep = first.sweep;
  r.result.sharded = !out.missing.empty();
  if (out.missing.empty()) {
    r.shards = {};  // the whole sweep, as if unsharded
  } else {
    r.shards.count = first.shards.count;
    r.shards.indices.clear();
    for (const auto& f : shards) r.shards.indices.insert(r.shards.indices.end(), f.shards.indices.begin(), f.shards.indices.end());
    std::sort(r.shards.indices.begin(), r.shards.indices.end());
  }
  r.result.shard = {r.shards.indices.size() == 1 ? r.shards.indices.front() : 1, r.shards.indices.size() == 1 ? r.shards.count : 1};
  for (const auto& f : shards) {
    r.result.runs += f.result.runs;
    r.result.seconds += f.result.seconds;  // machine time: the shards' rates add up to one machine's
  }
  std::map<std::string, const ResultsFile*> timeline_source;
  for (std::size_t i = 0; i < first.result.cells.size(); ++i) {
    std::vector<const scenarios::Cell*> parts;
    std::vector<const ResultsFile*> from;
    for (const auto& f : shards) {
      parts.push_back(&f.result.cells[i]);
      from.push_back(&f);
    }
    r.result.cells.push_back(merge_cell(parts, from, r.repro_files, timeline_source));
    const scenarios::Cell& m = r.result.cells.back();
    if (out.missing.empty() && m.seeds_run != m.planned_seeds)
      throw ResultsError("hotsim merge", fmt::format("{} / {}: the shards ran {} seeds together, but the sweep has {}: a shard's results "
                                                     "are incomplete",
                                                     m.scenario, m.policy, m.seeds_run, m.planned_seeds));
  }
  // Timelines in the order an unsharded run makes them: cell by cell, oracle by oracle.
  for (const auto& c : r.result.cells)
    for (const auto& [oracle, n] : c.fired) {
      const std::string key = repro_key(c.scenario, c.policy, oracle);
      const auto source = timeline_source.find(key);
      if (source == timeline_source.end()) continue;
      const auto& ts = source->second->timelines;
      const auto t = std::find_if(ts.begin(), ts.end(), [&](const Timeline& x) { return x.key == key; });
      if (t != ts.end()) r.timelines.push_back(*t);
    }
  scenarios::judge(r.result);
  return out;
}

}  // namespace reports
