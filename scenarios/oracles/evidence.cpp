#include "scenarios/oracles/evidence.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <string_view>
#include <utility>
#include <fstream>
#include <sstream>

#include "upgrader/checksum.hpp"
#include "upgrader/snapshot.hpp"

namespace scenarios {

namespace {

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

upgrader::Package read_package(const std::string& path) { return upgrader::parse_package(read_bytes(path), path); }

bool same_body(const std::vector<upgrader::Step>& a, const std::vector<upgrader::Step>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].kind != b[i].kind || a[i].name != b[i].name || a[i].target != b[i].target || a[i].value != b[i].value ||
        a[i].micros != b[i].micros)
      return false;
  return true;
}

}  // namespace

Releases read_releases(const std::string& app_dir, const std::vector<std::string>& old_files,
                       const std::vector<std::string>& new_files, const std::vector<std::vector<std::string>>& next_files) {
  Releases r;
  for (const auto& f : old_files) r.old_packages.push_back(read_package(app_dir + "/" + f));
  auto upload = [&](const std::string& path, int deploy) {
    r.new_bytes.push_back(read_bytes(path));
    r.new_packages.push_back(upgrader::parse_package(r.new_bytes.back(), path));
    r.new_files.push_back(path.substr(path.rfind('/') + 1));
    r.deploy_of.push_back(deploy);
  };
  for (const auto& f : new_files) upload(app_dir + "/" + f, 1);
  for (std::size_t k = 0; k < next_files.size(); ++k)
    for (const auto& f : next_files[k]) upload(app_dir + "/" + f, static_cast<int>(k) + 2);
  const int last = 1 + static_cast<int>(next_files.size());

  // Release d: release d-1 with deploy d's packages replacing their namesakes.
  std::map<std::string, std::int64_t> named;           // package -> version, in the release so far
  std::map<std::string, std::size_t> uploaded;         // package -> its latest upload so far
  for (const auto& p : r.old_packages) named[p.name] = p.version;
  upgrader::Image image;
  bool installs = install_in_dependency_order(image, r.old_packages).empty();
  for (int d = 0; d <= last; ++d) {
    std::vector<upgrader::Package> batch;
    for (std::size_t i = 0; i < r.new_packages.size(); ++i)
      if (r.deploy_of[i] == d) {
        named[r.new_packages[i].name] = r.new_packages[i].version;
        uploaded[r.new_packages[i].name] = i;
        batch.push_back(r.new_packages[i]);
      }
    std::set<PackageVersion> versions(named.begin(), named.end());
    r.versions.push_back(std::move(versions));
    std::vector<std::size_t> contents;
    for (const auto& [name, i] : uploaded) contents.push_back(i);
    std::sort(contents.begin(), contents.end());
    r.contents.push_back(std::move(contents));
    installs = installs && install_in_dependency_order(image, batch).empty();
    r.installable.push_back(d == 0 || installs);
  }
  std::set<PackageVersion> all;
  for (const auto& v : r.versions) all.insert(v.begin(), v.end());
  for (const auto& pv : all) {
    std::uint64_t bits = 0;
    for (int d = 0; d <= last; ++d)
      if (r.versions[static_cast<std::size_t>(d)].contains(pv)) bits |= std::uint64_t{1} << d;
    if (bits != (std::uint64_t{1} << (last + 1)) - 1) r.holders[pv] = bits;
  }
  return r;
}

std::vector<std::size_t> Releases::uploaded_by(int deploy) const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < deploy_of.size(); ++i)
    if (deploy_of[i] == deploy) out.push_back(i);
  return out;
}

int Releases::release_of(const std::vector<bool>& held) const {
  for (int r = last(); r >= 0; --r) {
    const auto& have = versions[static_cast<std::size_t>(r)];
    const auto& mine = contents[static_cast<std::size_t>(r)];
    bool is = true;
    // Every package of the release that was uploaded, and no uploaded package it lacks.
    for (std::size_t i = 0; i < held.size() && is; ++i) {
      const bool belongs = have.contains({new_packages[i].name, new_packages[i].version});
      if (!belongs) is = !held[i];
      else if (std::binary_search(mine.begin(), mine.end(), i)) is = held[i];
    }
    if (is) return r;
  }
  return -1;
}

std::vector<std::string> install_in_dependency_order(upgrader::Image& image, const std::vector<upgrader::Package>& packages) {
  std::vector<const upgrader::Package*> left;
  for (const auto& p : packages) left.push_back(&p);
  for (bool progress = true; progress && !left.empty();) {
    progress = false;
    for (auto it = left.begin(); it != left.end();) {
      try {
        image.install(**it, true);
        it = left.erase(it);
        progress = true;
      } catch (const upgrader::LoadError&) {
        ++it;
      }
    }
  }
  std::vector<std::string> failed;
  for (const auto* p : left) failed.push_back(p->source);
  return failed;
}

ReleaseState release_state(const upgrader::Release& release, const Releases& releases) {
  ReleaseState s;
  s.held.reserve(releases.new_packages.size());
  for (const auto& p : releases.new_packages) s.held.push_back(holds_code_of(release, p));
  s.release = releases.release_of(s.held);
  return s;
}

int ReleaseState::count() const { return static_cast<int>(std::count(held.begin(), held.end(), true)); }

upgrader::Package read_package_file(const std::string& path) { return read_package(path); }

std::string read_package_bytes(const std::string& path) { return read_bytes(path); }

bool holds_local_change(const upgrader::Release& release, const upgrader::MethodDef& method) {
  const auto c = release.classes.find(method.class_name);
  if (c == release.classes.end()) return false;
  const auto m = c->second.methods.find(method.selector);
  return m != c->second.methods.end() && m->second->package.empty() && same_body(m->second->body, method.body);
}

bool holds_code_of(const upgrader::Release& release, const upgrader::Package& package) {
  for (const auto& c : package.classes) {
    auto it = release.classes.find(c.name);
    if (it == release.classes.end() || it->second.fields != c.fields || it->second.superclass != c.superclass) return false;
  }
  for (const auto& m : package.methods) {
    auto it = release.classes.find(m.class_name);
    if (it == release.classes.end()) return false;
    auto mit = it->second.methods.find(m.selector);
    if (mit == it->second.methods.end() || !same_body(mit->second->body, m.body)) return false;
  }
  return true;
}

std::vector<std::vector<std::string>> torn_code(const upgrader::Release& release, const std::vector<upgrader::Package>& packages) {
  std::vector<std::vector<std::string>> torn(packages.size());
  // Each package's methods by (class, selector), the last definition winning as it does
  // when installed; a package by name and version (the first, if two are the same).
  using Defs = std::map<std::pair<std::string_view, std::string_view>, const upgrader::MethodDef*>;
  std::vector<Defs> defs(packages.size());
  std::map<std::pair<std::string_view, std::int64_t>, std::size_t> by_version;
  for (std::size_t k = 0; k < packages.size(); ++k) {
    for (const auto& d : packages[k].methods) defs[k][{d.class_name, d.selector}] = &d;
    by_version.try_emplace({packages[k].name, packages[k].version}, k);
  }
  for (const auto& [cname, cls] : release.classes) {
    for (const auto& [sel, m] : cls.methods) {
      const auto owner = by_version.find({m->package, m->version});
      if (owner == by_version.end()) continue;
      for (std::size_t k = owner->second; k < packages.size(); ++k) {
        const upgrader::Package& package = packages[k];
        if (package.name != m->package || package.version != m->version) continue;
        const auto found = defs[k].find({cname, sel});
        if (found == defs[k].end()) torn[k].push_back(fmt::format("{}>>{} is not in {}", cname, sel, package.source));
        else if (!same_body(found->second->body, m->body)) torn[k].push_back(fmt::format("{}>>{} differs from {}", cname, sel, package.source));
      }
    }
  }
  return torn;
}

RequestWitness::RequestWitness(const Releases& releases)
    : releases_(releases), own_(std::make_unique<MethodIndex>(releases)), methods_(own_.get()) {}

void RequestWitness::on_method(const upgrader::CompiledMethod& m) {
  const MethodIndex::Entry& e = methods_->find(m);
  if (!e.held) return;  // code every release has
  // Kept in address order only to find an entry fast; describe() orders by label.
  const auto at = std::lower_bound(seen_.begin(), seen_.end(), &e, std::less<const MethodIndex::Entry*>{});
  if (at != seen_.end() && *at == &e) return;  // running it again changes nothing
  seen_.insert(at, &e);
  common_ &= e.bits;
}

bool RequestWitness::ran_new() const {
  return std::any_of(seen_.begin(), seen_.end(), [](const MethodIndex::Entry* e) { return (e->bits & 1) == 0; });
}

namespace {
// "Class>>selector (package version)", in the order of those texts.
template <class Labels>
std::set<std::string> formatted(const Labels& methods) {
  std::set<std::string> out;
  for (const auto& [class_name, selector, package, version] : methods)
    out.insert(fmt::format("{}>>{} ({} {})", class_name, selector, package, version));
  return out;
}
}  // namespace

std::string RequestWitness::describe() const {
  std::map<std::uint64_t, std::set<MethodLabel, LabelLess>> by_releases;  // releases holding the code -> methods
  for (const MethodIndex::Entry* e : seen_) by_releases[e->bits].insert(e->label);
  if (releases_.last() == 1) {  // two releases: old (bit 0) and new (bit 1)
    const auto old_seen = by_releases.find(1), new_seen = by_releases.find(2);
    return fmt::format("ran old {} and new {}", fmt::join(old_seen == by_releases.end() ? std::set<std::string>{} : formatted(old_seen->second), ", "),
                       fmt::join(new_seen == by_releases.end() ? std::set<std::string>{} : formatted(new_seen->second), ", "));
  }
  std::vector<std::string> parts;
  for (const auto& [bits, methods] : by_releases) {
    const std::set<std::string> labels = formatted(methods);
    std::vector<int> releases;
    for (int r = 0; r < 64; ++r)
      if ((bits >> r) & 1) releases.push_back(r);
    parts.push_back(fmt::format("{} of release{} {}", fmt::join(labels, ", "), releases.size() > 1 ? "s" : "",
                                fmt::join(releases, ", ")));
  }
  return fmt::format("ran {}", fmt::join(parts, " and "));
}

sim::Duration overlap(const std::vector<CpuSpan>& spans, sim::Time start, sim::Time end) {
  sim::Duration total{0};
  for (const CpuSpan& s : spans) {
    const sim::Time lo = std::max(s.start, start), hi = std::min(s.end, end);
    if (hi > lo) total += hi - lo;
  }
  return total;
}

const PollSeen* first_poll(const Observation& obs, sim::Time from, std::optional<sim::Time> after, std::optional<int> process) {
  for (const PollSeen& p : obs.polls)
    if ((!process || p.process == *process) && p.mark.at >= from && (!after || p.mark.at > *after)) return &p;
  return nullptr;
}

FailedCleanup failed_cleanup(const Observation& obs, sim::Time from, std::optional<sim::Time> until, std::optional<int> process) {
  FailedCleanup c;
  for (const FileOpSeen& op : obs.server_ops)
    if (op.failed && (!process || op.process == *process) && op.mark.at >= from && (!until || op.mark.at < *until))
      c.failed = &op;
  if (c.failed != nullptr) c.redone_by = first_poll(obs, c.failed->mark.at, c.failed->mark.at, process);
  return c;
}

std::optional<std::pair<std::uint64_t, ReleaseState>> decode_image(const std::string& bytes, const std::string& name,
                                                                    const Releases& releases) {
  try {
    const upgrader::Image::State image = upgrader::decode_snapshot(bytes, name);
    // What decodes encodes back to exactly these bytes (the snapshot fuzzer checks it), so
    // their hash is the canonical encoding's: no image to build and encode again.
    return std::make_pair(upgrader::fnv1a64(bytes), release_state(*image.release, releases));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace scenarios
