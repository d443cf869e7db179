#include "upgrader/release.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace upgrader {

const CompiledMethod* Release::lookup(const std::string& class_name, const std::string& selector) const {
  std::string name = class_name;
  for (int depth = 0; depth < 1000 && name != "Object"; ++depth) {
    auto c = classes.find(name);
    if (c == classes.end()) return nullptr;
    if (auto m = c->second.methods.find(selector); m != c->second.methods.end()) return m->second.get();
    name = c->second.superclass;
  }
  return nullptr;
}

std::vector<std::string> Release::all_fields(const std::string& class_name) const {
  std::vector<const ClassInfo*> chain;
  std::string name = class_name;
  while (name != "Object" && chain.size() < 1000) {
    auto c = classes.find(name);
    if (c == classes.end()) break;
    chain.push_back(&c->second);
    name = c->second.superclass;
  }
  std::vector<std::string> fields;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it)
    for (const auto& f : (*it)->fields)
      if (std::find(fields.begin(), fields.end(), f) == fields.end()) fields.push_back(f);
  return fields;
}

std::string Release::gap() const {
  for (const auto& [name, c] : classes) {
    if (c.name != name) return fmt::format("class '{}' is filed as '{}'", c.name, name);
    if (!packages.contains(c.package)) return fmt::format("class '{}' comes from {}, which is not installed", name, c.package);
    std::string s = c.superclass;
    for (std::size_t depth = 0; s != "Object"; ++depth) {
      const auto it = classes.find(s);
      if (it == classes.end()) return fmt::format("superclass '{}' of '{}' is missing", s, name);
      if (depth > classes.size()) return fmt::format("class '{}' inherits from itself", name);
      s = it->second.superclass;
    }
    for (const auto& [selector, m] : c.methods) {
      if (m == nullptr || m->class_name != name || m->selector != selector)
        return fmt::format("method {}>>{} is filed under the wrong class or selector", name, selector);
      if (!packages.contains(m->package)) return fmt::format("{}>>{} comes from {}, which is not installed", name, selector, m->package);
    }
  }
  return {};
}

std::vector<std::string> Release::unmet_requirements(const Package& package) const {
  std::vector<std::string> unmet;
  for (const Requirement& r : package.requirements) {
    auto it = packages.find(r.package);
    if (it == packages.end())
      unmet.push_back(fmt::format("{} >= {} (not installed)", r.package, r.min_version));
    else if (it->second < r.min_version)
      unmet.push_back(fmt::format("{} >= {} (installed: {})", r.package, r.min_version, it->second));
  }
  return unmet;
}

void Release::apply(const Package& package, bool check_requires) {
  if (check_requires) {
    auto unmet = unmet_requirements(package);
    if (!unmet.empty())
      throw LoadError(fmt::format("{}: {} {} requires {}", package.source, package.name, package.version, fmt::join(unmet, ", ")));
  }
  Release next = *this;  // build aside: on error nothing changes
  for (const ClassDef& c : package.classes) {
    ClassInfo& info = next.classes[c.name];
    info.name = c.name;
    info.superclass = c.superclass;
    info.fields = c.fields;  // reshaping: live instances are migrated when this is published
    info.package = package.name;
  }
  for (const ClassDef& c : package.classes) {
    std::set<std::string> seen{c.name};
    for (std::string s = c.superclass; s != "Object";) {
      auto it = next.classes.find(s);
      if (it == next.classes.end())
        throw LoadError(fmt::format("{}:{}: superclass '{}' of '{}' is not loaded", package.source, c.line, s, c.name));
      if (!seen.insert(s).second)
        throw LoadError(fmt::format("{}:{}: class '{}' would inherit from itself", package.source, c.line, c.name));
      s = it->second.superclass;
    }
  }
  for (const MethodDef& m : package.methods) {
    auto it = next.classes.find(m.class_name);
    if (it == next.classes.end())
      throw LoadError(fmt::format("{}:{}: method {}>>{} for a class that is not loaded", package.source, m.line, m.class_name, m.selector));
    it->second.methods[m.selector] = std::make_shared<const CompiledMethod>(
        CompiledMethod{m.class_name, m.selector, m.body, package.name, package.version});
  }
  for (const MethodDef& m : package.initializers)
    if (!next.classes.contains(m.class_name))
      throw LoadError(fmt::format("{}:{}: initialize for a class that is not loaded: {}", package.source, m.line, m.class_name));
  next.packages[package.name] = package.version;
  *this = std::move(next);
}

std::vector<NotApplied> apply_in_dependency_order(Release& release, const std::vector<Package>& packages) {
  std::vector<NotApplied> left;
  for (const Package& p : packages) left.push_back({&p, {}});
  for (std::size_t before = left.size() + 1; !left.empty() && left.size() < before;) {
    before = left.size();
    std::erase_if(left, [&](NotApplied& n) {
      try {
        release.apply(*n.package, /*check_requires=*/true);
        return true;
      } catch (const LoadError& e) {
        n.reason = e.what();
        return false;
      }
    });
  }
  return left;
}

}  // namespace upgrader
