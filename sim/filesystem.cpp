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
  }
  return "?";
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
    if (s.link) entries[s.name] = s.ino;
    else entries.erase(s.name);
  }
  journal_.push_back(std::move(op));
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
  if (!journal_.empty()) return;
  // With the journal empty, a node neither view reaches is gone for good.
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
  set_data(file, std::string(data), path);
}

void SimFs::append(std::string_view path, std::string_view data) {
  op("append", path);
  Node& file = file_at(path);
  set_data(file, file.data + std::string(data), path);
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
    used_ -= old.data.size();
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
  if (!n.dir) used_ -= n.data.size();
  journal({{{false, dir, name, it->second}}});
}

void SimFs::fsync(std::string_view path) {
  op("fsync", path);
  Node& file = file_at(path);
  file.durable = file.data;
}

void SimFs::fsync_dir(std::string_view path) {
  op("fsync_dir", path);
  const Ino dir = dir_at(path);
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

std::string SimFs::crash(CrashOutcome outcome) {
  // Each decision of the crash: the choice stream's, or the chosen extreme.
  auto decide = [&](std::uint64_t options, std::uint64_t keep_nothing, std::uint64_t keep_everything) {
    switch (outcome) {
      case CrashOutcome::KeepNothing: return keep_nothing;
      case CrashOutcome::KeepEverything: return keep_everything;
      case CrashOutcome::Drawn: break;
    }
    return choices_.below(options);
  };
  const std::size_t pending = journal_.size();
  const std::size_t kept = static_cast<std::size_t>(decide(pending + 1, 0, pending));
  if (kept > 0) commit_through(kept - 1);
  journal_.clear();
  std::string report = fmt::format("journal kept {}/{}", kept, pending);

  // Rebuild everything from the durable view, walking it in name order.
  std::map<Ino, Node> survivors;
  used_ = 0;
  std::deque<std::pair<Ino, std::string>> todo{{kRoot, "."}};
  while (!todo.empty()) {
    auto [ino, path] = todo.front();
    todo.pop_front();
    Node& before = node(ino);
    Node after;
    after.dir = before.dir;
    if (before.dir) {
      after.entries = durable_dirs_[ino];
      for (const auto& [name, child] : after.entries)
        todo.emplace_back(child, path == "." ? name : path + "/" + name);
    } else if (before.data != before.durable) {
      const std::string& old = before.durable;
      const std::string& now = before.data;
      std::string kept_data;
      if (now.size() > old.size() && now.compare(0, old.size(), old) == 0) {
        const std::size_t extra = now.size() - old.size();
        switch (decide(3, 0, 1)) {
          case 0: kept_data = old; break;
          case 1: kept_data = now; break;
          default: kept_data = now.substr(0, old.size() + choices_.below(extra + 1)); break;
        }
        report += fmt::format("; {}: {} of {} appended bytes kept", path, kept_data.size() - old.size(), extra);
      } else {
        kept_data = decide(2, 0, 1) == 0 ? old : now;
        report += fmt::format("; {}: {} content kept", path, kept_data == old ? "old" : "new");
      }
      after.data = after.durable = std::move(kept_data);
    } else {
      after.data = after.durable = before.data;
    }
    used_ += after.data.size();
    survivors.emplace(ino, std::move(after));
  }
  HOTSIM_ASSERT(kept <= pending && survivors.contains(kRoot) && survivors.at(kRoot).dir,
                "after the crash: journal kept {} of {}, root directory {}", kept, pending, survivors.contains(kRoot) ? "kept" : "lost");
  nodes_ = std::move(survivors);
  std::erase_if(durable_dirs_, [&](const auto& kv) { return !nodes_.contains(kv.first); });
  return report;
}

}  // namespace sim
