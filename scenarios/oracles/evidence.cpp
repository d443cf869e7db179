#include "scenarios/oracles/evidence.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <fstream>
#include <sstream>

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
                       const std::vector<std::string>& new_files) {
  Releases r;
  for (const auto& f : old_files) r.old_packages.push_back(read_package(app_dir + "/old/" + f));
  for (const auto& f : new_files) {
    r.new_bytes.push_back(read_bytes(app_dir + "/new/" + f));
    r.new_packages.push_back(upgrader::parse_package(r.new_bytes.back(), app_dir + "/new/" + f));
    r.new_files.push_back(f.substr(f.rfind('/') + 1));
  }
  // The new release is the old one with the uploaded packages replacing their namesakes.
  std::set<PackageVersion> olds, news;
  std::set<std::string> uploaded;
  for (const auto& p : r.new_packages) news.emplace(p.name, p.version), uploaded.insert(p.name);
  for (const auto& p : r.old_packages) {
    olds.emplace(p.name, p.version);
    if (!uploaded.contains(p.name)) news.emplace(p.name, p.version);
  }
  for (const auto& p : olds) if (!news.contains(p)) r.old_only.insert(p);
  for (const auto& p : news) if (!olds.contains(p)) r.new_only.insert(p);
  upgrader::Image image;
  r.new_installable = install_in_dependency_order(image, r.old_packages).empty() &&
                      install_in_dependency_order(image, r.new_packages).empty();
  return r;
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
  return s;
}

int ReleaseState::count() const { return static_cast<int>(std::count(held.begin(), held.end(), true)); }

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

std::vector<std::string> torn_code(const upgrader::Release& release, const upgrader::Package& package) {
  std::vector<std::string> torn;
  for (const auto& [cname, cls] : release.classes) {
    for (const auto& [sel, m] : cls.methods) {
      if (m->package != package.name || m->version != package.version) continue;
      const upgrader::MethodDef* def = nullptr;
      for (const auto& d : package.methods)
        if (d.class_name == cname && d.selector == sel) def = &d;
      if (def == nullptr) torn.push_back(fmt::format("{}>>{} is not in {}", cname, sel, package.source));
      else if (!same_body(def->body, m->body)) torn.push_back(fmt::format("{}>>{} differs from {}", cname, sel, package.source));
    }
  }
  return torn;
}

void RequestWitness::on_method(const upgrader::CompiledMethod& m) {
  const PackageVersion pv{m.package, m.version};
  const bool old_code = releases_.old_only.contains(pv), new_code = !old_code && releases_.new_only.contains(pv);
  if (!old_code && !new_code) return;
  (old_code ? old_seen_ : new_seen_).insert(fmt::format("{}>>{} ({} {})", m.class_name, m.selector, m.package, m.version));
}

std::string RequestWitness::describe() const {
  return fmt::format("ran old {} and new {}", fmt::join(old_seen_, ", "), fmt::join(new_seen_, ", "));
}

sim::Duration overlap(const std::vector<CpuSpan>& spans, sim::Time start, sim::Time end) {
  sim::Duration total{0};
  for (const CpuSpan& s : spans) {
    const sim::Time lo = std::max(s.start, start), hi = std::min(s.end, end);
    if (hi > lo) total += hi - lo;
  }
  return total;
}

}  // namespace scenarios
