#include "cli/pkg.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "scenarios/generate_app.hpp"
#include "upgrader/package.hpp"
#include "upgrader/release.hpp"

namespace cli {
namespace {

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  out = s.str();
  return true;
}

// The line of the first "key =" in text (1 if none): where [package] names itself.
int line_of_key(const std::string& text, std::string_view key) {
  int line = 1;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = text.find('\n', at);
    std::string_view l(text.data() + at, (end == std::string::npos ? text.size() : end) - at);
    while (!l.empty() && l.front() == ' ') l.remove_prefix(1);
    if (l.starts_with(key) && l.substr(key.size()).find('=') != std::string_view::npos) return line;
    if (end == std::string::npos) break;
    at = end + 1;
    ++line;
  }
  return 1;
}

}  // namespace

std::vector<std::string> check_packages(const std::vector<std::string>& files) {
  std::vector<std::string> problems;
  std::vector<upgrader::Package> packages;
  std::map<std::string, std::pair<std::size_t, int>> by_name;  // name -> package index, line of its name
  for (const std::string& f : files) {
    std::string text;
    if (!read_file(f, text)) {
      problems.push_back(fmt::format("{}:1: cannot read the file", f));
      continue;
    }
    try {
      packages.push_back(upgrader::parse_package(text, f));
    } catch (const upgrader::PackageError& e) {
      problems.push_back(e.what());
      continue;
    }
    const int line = line_of_key(text, "name");
    const auto [it, fresh] = by_name.emplace(packages.back().name, std::pair{packages.size() - 1, line});
    if (!fresh) {
      problems.push_back(fmt::format("{}:{}: package {} is also defined by {}; expected one file per package in a release", f, line,
                                     packages.back().name, packages[it->second.first].source));
      packages.pop_back();
    }
  }
  // The dependency graph: every requirement met by a file of the set, no cycle.
  for (const upgrader::Package& p : packages)
    for (const upgrader::Requirement& r : p.requirements) {
      auto it = by_name.find(r.package);
      if (it == by_name.end())
        problems.push_back(fmt::format("{}:{}: {} requires {}, which none of the files provides", p.source, r.line, p.name, r.describe()));
      else if (const auto& dep = packages[it->second.first]; !r.accepts(dep.version))
        problems.push_back(fmt::format("{}:{}: {} requires {}, but {} has version {}", p.source, r.line, p.name, r.describe(),
                                       dep.source, dep.version));
    }
  std::set<std::string> done, on_path;
  std::vector<std::string> path;
  std::function<void(const upgrader::Package&)> visit = [&](const upgrader::Package& p) {
    if (done.contains(p.name)) return;
    if (on_path.contains(p.name)) {
      auto from = std::find(path.begin(), path.end(), p.name);
      std::vector<std::string> cycle(from, path.end());
      cycle.push_back(p.name);
      const auto& head = packages[by_name.at(*from).first];
      int line = by_name.at(*from).second;
      for (const auto& r : head.requirements)
        if (cycle.size() > 1 && r.package == cycle[1]) line = r.line;
      problems.push_back(fmt::format("{}:{}: dependency cycle {}; expected requirements to point one way", head.source, line,
                                     fmt::join(cycle, " -> ")));
      return;
    }
    on_path.insert(p.name);
    path.push_back(p.name);
    for (const auto& r : p.requirements)
      if (auto it = by_name.find(r.package); it != by_name.end()) visit(packages[it->second.first]);
    path.pop_back();
    on_path.erase(p.name);
    done.insert(p.name);
  };
  for (const auto& [name, at] : by_name) visit(packages[at.first]);
  if (!problems.empty()) return problems;
  // The release itself on a fresh image: superclasses and extended classes defined.
  upgrader::Release release = upgrader::Release::fresh();
  for (const auto& left : upgrader::apply_in_dependency_order(release, packages)) problems.push_back(left.reason);
  return problems;
}

int pkg_check_command(const std::vector<std::string>& files) {
  const auto problems = check_packages(files);
  for (const auto& p : problems) fmt::print(stderr, "error: {}\n", p);
  if (!problems.empty()) {
    fmt::print(stderr, "{} problem{} in {} file{}\n", problems.size(), problems.size() == 1 ? "" : "s", files.size(),
               files.size() == 1 ? "" : "s");
    return 2;
  }
  fmt::print("ok: {} package file{}, one release\n", files.size(), files.size() == 1 ? "" : "s");
  return 0;
}

int pkg_seal_command(const std::vector<std::string>& files) {
  int status = 0;
  for (const std::string& f : files) {
    std::string text;
    if (!read_file(f, text)) {
      fmt::print(stderr, "error: {}:1: cannot read the file\n", f);
      status = 2;
      continue;
    }
    const std::string sealed = upgrader::seal_package_text(text);
    try {
      upgrader::parse_package(sealed, f);  // sealing a file that does not parse would hide nothing
    } catch (const upgrader::PackageError& e) {
      fmt::print(stderr, "error: {} (not sealed)\n", e.what());
      status = 2;
      continue;
    }
    std::ofstream out(f, std::ios::binary | std::ios::trunc);
    out << sealed;
    if (!out.flush()) {
      fmt::print(stderr, "error: {}:1: cannot write the file\n", f);
      status = 2;
      continue;
    }
    fmt::print("sealed {}\n", f);
  }
  return status;
}

int gen_app_command(const GenAppOptions& o) {
  scenarios::GenOptions g;
  g.seed = o.seed;
  g.packages = o.packages;
  g.methods = o.methods;
  g.depth = o.depth;
  const scenarios::GeneratedApp app = scenarios::generate_app(g);
  namespace fs = std::filesystem;
  std::size_t methods = 0;
  for (const auto& [sub, release] : {std::pair{"old", &app.old_release}, std::pair{"new", &app.new_release}}) {
    const fs::path dir = fs::path(o.out) / sub;
    fs::create_directories(dir);
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.path().extension() == ".pkg") fs::remove(entry.path());
    for (const auto& [name, bytes] : scenarios::render_release(*release)) {
      std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
      out << bytes;
      if (!out.flush()) throw std::runtime_error(fmt::format("{}: cannot write", (dir / name).string()));
    }
    if (std::string(sub) == "new")
      for (const auto& p : *release) methods += p.methods.size();
  }
  fmt::print("generated {} packages per release ({} methods in the new one, chains {} deep) in {}/old and {}/new (seed {})\n",
             app.new_release.size(), methods, app.longest_chain, o.out, o.out, o.seed);
  return 0;
}

}  // namespace cli
