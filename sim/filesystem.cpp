#include "sim/filesystem.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <set>

#include "support/assert.hpp"

namespace sim {

std::string_view to_string(FsErrc code) {
  switch (code) {
    case FsErrc::NotFound: return "no such file or directory";
    case FsErrc::AlreadyExists: return "already exists";
    case FsErrc::NotADirectory: return "not a directory";
    case FsErrc::IsADirectory: return "is a directory";
    case FsErrc::NotEmpty: return "directory not empty";
    case FsErrc::BadPath: return "bad path";
    case FsErrc::NoSpace: return "no space left on device";
    case FsErrc::Io: return "input/output error";
  }
  return "?";
}

std::string_view to_string(FsModel model) { return model == FsModel::Posix ? "posix" : "ext4-ordered"; }

std::optional<FsModel> parse_fs_model(std::string_view name) {
  if (name == "posix") return FsModel::Posix;
  if (name == "ext4-ordered") return FsModel::Ext4Ordered;
  return std::nullopt;
}

FsError::FsError(FsErrc code, std::string path, std::string_view what)
    : std::runtime_error(fmt::format("{}: {}{}{}", path, to_string(code), what.empty() ? "" : ": ", what)),
      code_(code),
      path_(std::move(path)) {}

std::vector<std::string> split_path(std::string_view path) {
  const std::string shown(path);
  if (path.empty()) throw FsError(FsErrc::BadPath, shown, "empty path");
  if (path.find('\0') != std::string_view::npos) throw FsError(FsErrc::BadPath, shown, "NUL byte in path");
  if (path.front() == '/') throw FsError(FsErrc::BadPath, shown, "absolute path; expected a relative one");
  std::vector<std::string> parts;
  if (path == ".") return parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = path.find('/', start);
    const std::string_view part = path.substr(start, end == std::string_view::npos ? end : end - start);
    if (part.empty()) throw FsError(FsErrc::BadPath, shown, "empty path component");
    if (part == "." || part == "..") throw FsError(FsErrc::BadPath, shown, "'.' or '..' component");
    parts.emplace_back(part);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

SimFs::SimFs(ChoiceStream& choices, FsConfig config) : choices_(choices), config_(config) {
  nodes_[kRoot].dir = true;
  durable_dirs_[kRoot];
}

void SimFs::op(std::string_view name, std::string_view path) {
  if (hook_) hook_(name, path);
}

std::optional<SimFs::Ino> SimFs::find(std::string_view path) {
  Ino ino = kRoot;
  for (const std::string& part : split_path(path)) {
    Node& n = node(ino);
    if (!n.dir) return std::nullopt;
    auto it = n.entries.find(part);
    if (it == n.entries.end()) return std::nullopt;
    ino = it->second;
  }
  return ino;
}

SimFs::Ino SimFs::lookup(std::string_view path) {
  if (auto ino = find(path)) return *ino;
  throw FsError(FsErrc::NotFound, std::string(path), "");
}

std::pair<SimFs::Ino, std::string> SimFs::parent_of(std::string_view path) {
  std::vector<std::string> parts = split_path(path);
  if (parts.empty()) throw FsError(FsErrc::BadPath, std::string(path), "the root has no parent");
  Ino ino = kRoot;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    Node& n = node(ino);
    auto it = n.entries.find(parts[i]);
    if (it == n.entries.end()) throw FsError(FsErrc::NotFound, std::string(path), "parent missing");
    if (!node(it->second).dir) throw FsError(FsErrc::NotADirectory, std::string(path), "");
    ino = it->second;
  }
  return {ino, parts.back()};
}

SimFs::Node& SimFs::file_at(std::string_view path) {
  Node& n = node(lookup(path));
  if (n.dir) throw FsError(FsErrc::IsADirectory, std::string(path), "");
  return n;
}

SimFs::Ino SimFs::dir_at(std::string_view path) {
  Ino ino = lookup(path);
  if (!node(ino).dir) throw FsError(FsErrc::NotADirectory, std::string(path), "");
  return ino;
}

void SimFs::journal(JournalOp op) {
  for (const Step& s : op.steps) {
    auto& entries = node(s.dir).entries;
    // Link counts: a crash can leave a file under two names (a rename persisted in one
    // directory only), and its bytes count once, until its last name goes.
    if (auto had = entries.find(s.name); had != entries.end()) {
      --node(had->second).links;
      if (!s.link) entries.erase(had);
    }
    if (s.link) {
      entries[s.name] = s.ino;
      ++node(s.ino).links;
    }
    if (config_.model == FsModel::Posix)
      name_history_[s.dir][s.name].push_back(s.link ? std::optional<Ino>(s.ino) : std::nullopt);
  }
  if (config_.model == FsModel::Ext4Ordered) journal_.push_back(std::move(op));
}

void SimFs::commit_through(std::size_t index) {
  HOTSIM_ASSERT(index < journal_.size(), "committing the journal through operation {} of {}", index, journal_.size());
  for (std::size_t i = 0; i <= index && i < journal_.size(); ++i) {
    for (const Step& s : journal_[i].steps) {
      auto& entries = durable_dirs_[s.dir];
      if (s.link) entries[s.name] = s.ino;
      else entries.erase(s.name);
    }
  }
  journal_.erase(journal_.begin(), journal_.begin() + static_cast<std::ptrdiff_t>(std::min(index + 1, journal_.size())));
  collect_garbage();
}

void SimFs::collect_garbage() {
  // With nothing pending, a node neither view reaches is gone for good.
  if (!journal_.empty() || !name_history_.empty()) return;
  std::set<Ino> live{kRoot};
  std::deque<Ino> todo{kRoot};
  while (!todo.empty()) {
    const Ino ino = todo.front();
    todo.pop_front();
    auto visit = [&](const std::map<std::string, Ino>& entries) {
      for (const auto& [name, child] : entries)
        if (live.insert(child).second && node(child).dir) todo.push_back(child);
    };
    visit(node(ino).entries);
    if (auto d = durable_dirs_.find(ino); d != durable_dirs_.end()) visit(d->second);
  }
  std::erase_if(nodes_, [&](const auto& kv) { return !live.contains(kv.first); });
  std::erase_if(durable_dirs_, [&](const auto& kv) { return !live.contains(kv.first); });
}

void SimFs::set_data(Node& file, std::string data, std::string_view path) {
  HOTSIM_ASSERT(!file.dir && file.data.size() <= used_, "{}: {} bytes of data but {} bytes counted as used", path,
                file.data.size(), used_);
  const std::uint64_t next_used = used_ - file.data.size() + data.size();
  if (data.size() > file.data.size() && next_used > config_.capacity_bytes)
    throw FsError(FsErrc::NoSpace, std::string(path),
                  fmt::format("{} bytes used of {}", used_, config_.capacity_bytes));
  used_ = next_used;
  file.data = std::move(data);
  if (config_.model == FsModel::Posix) file.sizes.push_back(file.data.size());
}

void SimFs::write_data(Ino ino, std::string data, std::size_t keep_from, std::string_view path) {
  Node& file = node(ino);
  if (tear_) {
    // A crash lands inside this write: record it in flight and let the crash decide how
    // much of it reached the page cache.
    auto crash_now = std::move(tear_);
    tear_ = nullptr;
    std::string before = file.data.substr(0, keep_from);
    set_data(file, before, path);
    in_flight_ = InFlight{ino, std::string(path), std::move(before), std::move(data)};
    crash_now();
    HOTSIM_ASSERT(false, "{}: the torn write's crash returned", path);
  }
  set_data(file, std::move(data), path);
}

void SimFs::mkdir(std::string_view path) {
  op("mkdir", path);
  auto [dir, name] = parent_of(path);
  if (node(dir).entries.contains(name)) throw FsError(FsErrc::AlreadyExists, std::string(path), "");
  const Ino ino = next_ino_++;
  nodes_[ino].dir = true;
  durable_dirs_[ino];
  journal({{{true, dir, name, ino}}});
}

void SimFs::create(std::string_view path) {
  op("create", path);
  auto [dir, name] = parent_of(path);
  if (node(dir).entries.contains(name)) throw FsError(FsErrc::AlreadyExists, std::string(path), "");
  const Ino ino = next_ino_++;
  nodes_[ino];
  journal({{{true, dir, name, ino}}});
}

void SimFs::write(std::string_view path, std::string_view data) {
  op("write", path);
  auto [dir, name] = parent_of(path);
  auto& entries = node(dir).entries;
  auto it = entries.find(name);
  if (it == entries.end()) {
    const Ino ino = next_ino_++;
    nodes_[ino];
    journal({{{true, dir, name, ino}}});
    it = entries.find(name);
  }
  Node& file = node(it->second);
  if (file.dir) throw FsError(FsErrc::IsADirectory, std::string(path), "");
  if (config_.model == FsModel::Posix && !file.data.empty()) set_data(file, "", path);  // the truncate
  file.pages_lost = false;  // every page of the file is dirty again: the next fsync writes them
  write_data(it->second, std::string(data), 0, path);
}

void SimFs::append(std::string_view path, std::string_view data) {
  op("append", path);
  Node& file = file_at(path);
  const std::size_t had = file.data.size();
  write_data(lookup(path), file.data + std::string(data), had, path);
}

std::string SimFs::read(std::string_view path) {
  op("read", path);
  return file_at(path).data;
}

void SimFs::rename(std::string_view from, std::string_view to) {
  op("rename", fmt::format("{} -> {}", from, to));
  auto [src_dir, src_name] = parent_of(from);
  auto [dst_dir, dst_name] = parent_of(to);
  auto src = node(src_dir).entries.find(src_name);
  if (src == node(src_dir).entries.end()) throw FsError(FsErrc::NotFound, std::string(from), "");
  const Ino ino = src->second;
  auto& dst_entries = node(dst_dir).entries;
  if (auto dst = dst_entries.find(dst_name); dst != dst_entries.end()) {
    if (dst->second == ino) return;
    Node& old = node(dst->second);
    if (old.dir) throw FsError(FsErrc::IsADirectory, std::string(to), "rename onto a directory");
    if (old.links == 1) used_ -= old.data.size();
  }
  journal({{{false, src_dir, src_name, ino}, {true, dst_dir, dst_name, ino}}});
}

void SimFs::unlink(std::string_view path) {
  op("unlink", path);
  auto [dir, name] = parent_of(path);
  auto it = node(dir).entries.find(name);
  if (it == node(dir).entries.end()) throw FsError(FsErrc::NotFound, std::string(path), "");
  Node& n = node(it->second);
  if (n.dir && !n.entries.empty()) throw FsError(FsErrc::NotEmpty, std::string(path), "");
  if (!n.dir && n.links == 1) used_ -= n.data.size();
  journal({{{false, dir, name, it->second}}});
}

void SimFs::fsync(std::string_view path) {
  op("fsync", path);
  Node& file = file_at(path);
  if (file.pages_lost) {
    // After a failed fsync the kernel marked the dirty pages clean: this one succeeds and
    // persists nothing (Linux; PostgreSQL's "fsyncgate", 2018).
    file.pages_lost = false;
    return;
  }
  file.durable = file.data;
  file.sizes.clear();
}

void SimFs::fail_fsync(std::string_view path) {
  op("fsync", path);
  file_at(path).pages_lost = true;
  throw FsError(FsErrc::Io, std::string(path), "fsync failed (injected)");
}

void SimFs::fsync_dir(std::string_view path) {
  op("fsync_dir", path);
  const Ino dir = dir_at(path);
  if (config_.model == FsModel::Posix) {
    durable_dirs_[dir] = node(dir).entries;
    name_history_.erase(dir);
    collect_garbage();
    return;
  }
  for (std::size_t i = journal_.size(); i-- > 0;) {
    const auto& steps = journal_[i].steps;
    if (std::any_of(steps.begin(), steps.end(), [&](const Step& s) { return s.dir == dir; })) {
      commit_through(i);
      return;
    }
  }
}

std::vector<std::string> SimFs::list(std::string_view path) {
  op("list", path);
  std::vector<std::string> names;
  for (const auto& [name, ino] : node(dir_at(path)).entries) names.push_back(name);
  if (config_.listing == ListingOrder::Shuffled) {
    // Fisher-Yates driven by the choice stream: "directory order" is arbitrary but replayable.
    for (std::size_t i = names.size(); i > 1; --i)
      std::swap(names[i - 1], names[choices_.below(i)]);
  }
  return names;
}

bool SimFs::exists(std::string_view path) {
  op("stat", path);
  return find(path).has_value();
}

bool SimFs::is_dir(std::string_view path) {
  op("stat", path);
  return node(lookup(path)).dir;
}

std::uint64_t SimFs::size(std::string_view path) {
  op("stat", path);
  return file_at(path).data.size();
}

std::optional<SimFs::Ino> SimFs::find_in(std::string_view path, bool durable) const {
  std::vector<std::string> parts;
  try {
    parts = split_path(path);
  } catch (const FsError&) {
    return std::nullopt;
  }
  Ino ino = kRoot;
  for (const std::string& part : parts) {
    const std::map<std::string, Ino>* entries = nullptr;
    if (durable) {
      auto d = durable_dirs_.find(ino);
      if (d == durable_dirs_.end()) return std::nullopt;
      entries = &d->second;
    } else {
      const Node& n = nodes_.at(ino);
      if (!n.dir) return std::nullopt;
      entries = &n.entries;
    }
    auto it = entries->find(part);
    if (it == entries->end()) return std::nullopt;
    ino = it->second;
  }
  return ino;
}

std::optional<std::string> SimFs::peek(std::string_view path) const {
  const auto ino = find_in(path, false);
  if (!ino || nodes_.at(*ino).dir) return std::nullopt;
  return nodes_.at(*ino).data;
}

std::optional<std::string> SimFs::peek_durable(std::string_view path) const {
  const auto ino = find_in(path, true);
  if (!ino) return std::nullopt;
  auto n = nodes_.find(*ino);
  if (n == nodes_.end() || n->second.dir) return std::nullopt;
  return n->second.durable;
}

std::vector<std::string> SimFs::peek_list(std::string_view dir) const {
  std::vector<std::string> names;
  const auto ino = find_in(dir, false);
  if (!ino || !nodes_.at(*ino).dir) return names;
  for (const auto& [name, child] : nodes_.at(*ino).entries) names.push_back(name);
  return names;
}

// Where each decision of a crash comes from. Option 0 always means "no un-synced change
// survives" and the last option "all of it does", so the extremes need no special case.
class SimFs::Decisions {
 public:
  Decisions(ChoiceStream& choices, CrashOutcome outcome, std::uint64_t state)
      : choices_(choices), outcome_(outcome), state_(state), sampler_(state) {}

  // A decision among `options`: option 0 keeps no un-synced change, `everything` keeps
  // what the process last saw.
  std::uint64_t pick(std::uint64_t options, std::uint64_t everything) {
    if (options <= 1) return 0;
    std::uint64_t digit = 0;
    switch (outcome_) {
      case CrashOutcome::KeepNothing: digit = 0; break;
      case CrashOutcome::KeepEverything:
      case CrashOutcome::ProcessKill: digit = everything; break;
      case CrashOutcome::Enumerated:
        // Mixed radix along the decisions this state takes (see next_enumerated_state).
        digit = state_ % options;
        state_ /= options;
        break;
      case CrashOutcome::Sampled: digit = sampler_.next() % options; break;
      case CrashOutcome::Drawn: digit = choices_.below(options); break;
    }
    taken_.push_back({options, digit});
    return digit;
  }
  std::uint64_t pick(std::uint64_t options) { return pick(options, options - 1); }
  std::vector<CrashDecision> taken() && { return std::move(taken_); }

 private:
  ChoiceStream& choices_;
  CrashOutcome outcome_;
  std::uint64_t state_;
  Xoshiro256StarStar sampler_;
  std::vector<CrashDecision> taken_;
};

std::uint64_t crash_states(const std::vector<CrashDecision>& decisions) {
  std::uint64_t states = 1;
  for (const CrashDecision& d : decisions) states = states > UINT64_MAX / d.options ? UINT64_MAX : states * d.options;
  return states;
}

std::optional<std::uint64_t> next_enumerated_state(const std::vector<CrashDecision>& decisions) {
  // Depth first over the tree of decisions: advance the last one that has an option left,
  // drop those after it (they restart at 0), and encode in the radices of the path so far.
  for (std::size_t j = decisions.size(); j-- > 0;) {
    if (decisions[j].chosen + 1 >= decisions[j].options) continue;
    std::uint64_t state = 0, scale = 1;
    for (std::size_t i = 0; i <= j; ++i) {
      const std::uint64_t digit = i == j ? decisions[i].chosen + 1 : decisions[i].chosen;
      if (digit > 0 && scale > (UINT64_MAX - state) / digit) return std::nullopt;  // past what a state can name
      state += digit * scale;
      if (i < j) {
        if (scale > UINT64_MAX / decisions[i].options) return std::nullopt;
        scale *= decisions[i].options;
      }
    }
    return state;
  }
  return std::nullopt;
}

namespace {

// Recognisably not data: what a block past a file's durable end may hold after a crash.
std::string garbage(std::size_t bytes, std::size_t block) {
  static constexpr char kPattern[] = "\xde\xad\xbe\xef";
  std::string g(bytes, '\0');
  for (std::size_t i = 0; i < bytes; ++i) g[i] = static_cast<char>(kPattern[(i + block) % 4] ^ static_cast<char>(block));
  return g;
}

std::string block_of(const std::string& data, std::size_t from, std::size_t to) {
  std::string b(to - from, '\0');
  if (from < data.size()) b.replace(0, std::min(to, data.size()) - from, data, from, std::min(to, data.size()) - from);
  return b;
}

}  // namespace

std::string SimFs::crash_namespace_ext4(Decisions& decide) {
  const std::size_t pending = journal_.size();
  const std::size_t kept = static_cast<std::size_t>(decide.pick(pending + 1));
  if (kept > 0) commit_through(kept - 1);
  journal_.clear();
  return fmt::format("journal kept {}/{}", kept, pending);
}

std::string SimFs::crash_namespace_posix(Decisions& decide) {
  // Each name changed since its directory's last fsync keeps, independently, its durable
  // value or one it took since (the last one is what the process saw).
  std::size_t names = 0, changed = 0;
  for (auto& [dir, by_name] : name_history_) {
    auto& durable = durable_dirs_[dir];
    for (auto& [name, values] : by_name) {
      std::vector<std::optional<Ino>> options;
      auto was = durable.find(name);
      options.push_back(was == durable.end() ? std::nullopt : std::optional<Ino>(was->second));
      for (const auto& v : values)
        if (std::find(options.begin(), options.end(), v) == options.end()) options.push_back(v);
      // "Everything kept" keeps the value the process last saw.
      const auto last = static_cast<std::uint64_t>(std::find(options.begin(), options.end(), values.back()) - options.begin());
      const auto chosen = options[decide.pick(options.size(), last)];
      ++names;
      if (chosen != options.front()) ++changed;
      if (chosen) durable[name] = *chosen;
      else durable.erase(name);
    }
  }
  name_history_.clear();
  return fmt::format("{} of {} un-synced names changed", changed, names);
}

std::string SimFs::crash_data(Node& before, Node& after, const std::string& path, Decisions& decide) {
  const std::string& old = before.durable;
  const std::string& now = before.data;
  if (config_.model == FsModel::Ext4Ordered) {
    if (now.size() > old.size() && now.compare(0, old.size(), old) == 0) {
      const std::size_t extra = now.size() - old.size();
      const std::uint64_t k = decide.pick(extra + 1);
      after.data = now.substr(0, old.size() + k);
      return fmt::format("; {}: {} of {} appended bytes kept", path, k, extra);
    }
    after.data = decide.pick(2) == 0 ? old : now;
    return fmt::format("; {}: {} content kept", path, after.data == old ? "old" : "new");
  }
  // Posix: a size the file had since its last fsync, then each block on its own.
  std::vector<std::uint64_t> sizes{old.size()};
  for (std::uint64_t sz : before.sizes)
    if (std::find(sizes.begin(), sizes.end(), sz) == sizes.end()) sizes.push_back(sz);
  const auto current = static_cast<std::uint64_t>(std::find(sizes.begin(), sizes.end(), now.size()) - sizes.begin());
  HOTSIM_ASSERT(current < sizes.size(), "{}: the current size {} is not among the sizes seen", path, now.size());
  const std::uint64_t size = sizes[decide.pick(sizes.size(), current)];
  std::string data;
  data.reserve(size);
  int old_blocks = 0, new_blocks = 0, zero_blocks = 0, garbage_blocks = 0;
  for (std::size_t from = 0, b = 0; from < size; from += kBlockBytes, ++b) {
    const std::size_t to = std::min<std::size_t>(size, from + kBlockBytes);
    std::string was = block_of(old, from, to), is = block_of(now, from, to);
    if (was == is) {
      data += is;
      continue;
    }
    if (to <= old.size()) {
      // An overwritten block: old or new bytes (no block depends on another).
      const bool fresh = decide.pick(2) == 1;
      data += fresh ? is : was;
      ++(fresh ? new_blocks : old_blocks);
      continue;
    }
    // Past the durable end: the allocation may persist before the data (ALICE). Bytes of
    // the block before that end keep their durable content then.
    const std::size_t kept = old.size() > from ? old.size() - from : 0;
    switch (decide.pick(3)) {
      case 0: data += was.substr(0, kept) + std::string(to - from - kept, '\0'); ++zero_blocks; break;
      case 1: data += was.substr(0, kept) + garbage(to - from - kept, b); ++garbage_blocks; break;
      default: data += is; ++new_blocks; break;
    }
  }
  after.data = std::move(data);
  if (after.data == old) return fmt::format("; {}: old content kept", path);
  if (after.data == now) return fmt::format("; {}: new content kept", path);
  return fmt::format("; {}: {} of {} bytes, blocks {} new, {} old, {} zeroed, {} garbage", path, size, now.size(), new_blocks,
                     old_blocks, zero_blocks, garbage_blocks);
}

std::string SimFs::crash(CrashOutcome outcome, std::uint64_t state) {
  Decisions decide(choices_, outcome, state);
  std::string report;
  if (in_flight_) {
    // A write torn by the crash: some of its 4 KiB steps reached the page cache.
    const InFlight w = std::move(*in_flight_);
    in_flight_.reset();
    const std::size_t extra = w.after.size() - std::min(w.after.size(), w.before.size());
    const std::size_t steps = (extra + kBlockBytes - 1) / kBlockBytes;
    const std::uint64_t done = decide.pick(steps + 1);
    auto n = nodes_.find(w.ino);
    if (n != nodes_.end())
      set_data(n->second, w.after.substr(0, std::min(w.after.size(), w.before.size() + done * kBlockBytes)), w.path);
    report = fmt::format("{}: {} of {} write steps done; ", w.path, done, steps);
  }
  if (outcome == CrashOutcome::ProcessKill) {
    // The kernel keeps the page cache: the next process sees every change as it was.
    last_crash_ = std::move(decide).taken();
    return report + "process killed, power kept";
  }
  report += config_.model == FsModel::Posix ? crash_namespace_posix(decide) : crash_namespace_ext4(decide);

  // Rebuild everything from the durable view, walking it in name order.
  std::map<Ino, Node> survivors;
  used_ = 0;
  std::deque<std::pair<Ino, std::string>> todo{{kRoot, "."}};
  while (!todo.empty()) {
    auto [ino, path] = todo.front();
    todo.pop_front();
    if (survivors.contains(ino)) continue;  // a second name for a node (a torn rename)
    Node& before = node(ino);
    Node after;
    after.dir = before.dir;
    if (before.dir) {
      after.entries = durable_dirs_[ino];
      for (const auto& [name, child] : after.entries)
        todo.emplace_back(child, path == "." ? name : path + "/" + name);
    } else if (before.data != before.durable || !before.sizes.empty()) {
      report += crash_data(before, after, path, decide);
      after.durable = after.data;
    } else {
      after.data = after.durable = before.data;
    }
    used_ += after.data.size();
    survivors.emplace(ino, std::move(after));
  }
  HOTSIM_ASSERT(survivors.contains(kRoot) && survivors.at(kRoot).dir, "after the crash: root directory {}",
                survivors.contains(kRoot) ? "not a directory" : "lost");
  for (const auto& [ino, n] : survivors)
    for (const auto& [name, child] : n.entries) ++survivors.at(child).links;
  nodes_ = std::move(survivors);
  std::erase_if(durable_dirs_, [&](const auto& kv) { return !nodes_.contains(kv.first); });
  last_crash_ = std::move(decide).taken();
  return report;
}

std::vector<std::string> SimFs::peek_durable_files(std::string_view dir) const {
  std::vector<std::string> names;
  const auto ino = find_in(dir, true);
  if (!ino) return names;
  auto d = durable_dirs_.find(*ino);
  if (d == durable_dirs_.end()) return names;
  for (const auto& [name, child] : d->second)
    if (auto n = nodes_.find(child); n != nodes_.end() && !n->second.dir) names.push_back(name);
  return names;
}

std::string SimFs::corrupt(std::string_view path, MediaFault fault) {
  const auto ino = find_in(path, true);
  if (!ino) return fmt::format("{}: nothing durable to corrupt", path);
  Node& n = node(*ino);
  if (n.dir || n.durable.empty()) return fmt::format("{}: nothing durable to corrupt", path);
  std::string report;
  if (fault == MediaFault::BitFlip) {
    const std::uint64_t bit = choices_.below(n.durable.size() * 8);
    n.durable[bit / 8] = static_cast<char>(n.durable[bit / 8] ^ (1 << (bit % 8)));
    report = fmt::format("{}: bit {} of byte {} flipped", path, bit % 8, bit / 8);
  } else {
    const std::uint64_t block = choices_.below((n.durable.size() + kBlockBytes - 1) / kBlockBytes);
    const std::size_t from = block * kBlockBytes, to = std::min(n.durable.size(), from + kBlockBytes);
    std::fill(n.durable.begin() + static_cast<std::ptrdiff_t>(from), n.durable.begin() + static_cast<std::ptrdiff_t>(to), '\0');
    report = fmt::format("{}: block {} (bytes {}..{}) zeroed", path, block, from, to);
  }
  // Power is off while the media rots: the page cache holds what the disk does.
  used_ = used_ - n.data.size() + n.durable.size();
  n.data = n.durable;
  n.sizes.clear();
  return report;
}

}  // namespace sim
