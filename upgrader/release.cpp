#include "upgrader/release.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace upgrader {

const std::vector<std::pair<std::string, std::string>>& Release::kernel_classes() {
  static const std::vector<std::pair<std::string, std::string>> kernel{
      {"Boolean", "Object"},        {"True", "Boolean"},        {"False", "Boolean"},
      {"UndefinedObject", "Object"}, {"Magnitude", "Object"},    {"Number", "Magnitude"},
      {"Integer", "Number"},        {"Float", "Number"},        {"Character", "Magnitude"},
      {"Collection", "Object"},     {"SequenceableCollection", "Collection"},
      {"ArrayedCollection", "SequenceableCollection"},           {"Array", "ArrayedCollection"},
      {"String", "ArrayedCollection"}, {"Symbol", "String"},    {"OrderedCollection", "SequenceableCollection"},
      {"Set", "Collection"},        {"Dictionary", "Set"},      {"Association", "Magnitude"},
      {"Exception", "Object"},      {"Error", "Exception"},     {"Transcript", "Object"},
  };
  return kernel;
}

Release Release::fresh() {
  Release r;
  const auto add = [&](const std::string& name, const std::string& superclass) {
    ClassInfo& c = r.classes[name];
    c.name = name;
    c.superclass = superclass;
    ClassInfo& meta = r.classes[metaclass_of(name)];
    meta.name = metaclass_of(name);
    meta.superclass = superclass.empty() ? "" : metaclass_of(superclass);
  };
  add("Object", "");
  for (const auto& [name, superclass] : kernel_classes()) add(name, superclass);
  // As in Smalltalk, class objects are objects too: "Object class" inherits from Class, so
  // a class understands what Object's instances understand (extensions included).
  add("Class", "Object");
  r.classes["Object class"].superclass = "Class";
  return r;
}

const CompiledMethod* Release::lookup(const std::string& class_name, const std::string& selector) const {
  const CompiledMethod* found = nullptr;
  if (method_cache_.find(class_name, selector, found)) return found;
  const ClassInfo* c = nullptr;
  for (int depth = 0; depth < 1000 && !found; ++depth) {
    const std::string& name = c == nullptr ? class_name : c->superclass;
    if (name.empty()) break;
    auto it = classes.find(name);
    if (it == classes.end()) break;
    c = &it->second;
    if (auto m = c->methods.find(selector); m != c->methods.end()) found = m->second.get();
  }
  method_cache_.put(class_name, selector, found);
  return found;
}

std::string Release::class_var_owner(const std::string& class_name, const std::string& var) const {
  std::string name = is_metaclass(class_name) ? class_name : metaclass_of(class_name);
  for (int depth = 0; depth < 1000 && !name.empty(); ++depth) {
    auto c = classes.find(name);
    if (c == classes.end()) return {};
    if (std::find(c->second.class_vars.begin(), c->second.class_vars.end(), var) != c->second.class_vars.end()) return name;
    name = c->second.superclass;
  }
  return {};
}

const std::vector<std::string>& Release::all_fields(const std::string& class_name) const {
  if (auto cached = shape_cache_.shapes.find(class_name); cached != shape_cache_.shapes.end()) return cached->second;
  std::vector<const ClassInfo*> chain;
  std::string name = class_name;
  while (!is_root(name) && chain.size() < 1000) {
    auto c = classes.find(name);
    if (c == classes.end()) break;
    chain.push_back(&c->second);
    name = c->second.superclass;
  }
  std::vector<std::string> fields;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it)
    for (const auto& f : (*it)->fields)
      if (std::find(fields.begin(), fields.end(), f) == fields.end()) fields.push_back(f);
  // A class object also holds its own class's class variables.
  if (!chain.empty())
    for (const auto& v : chain.front()->class_vars)
      if (std::find(fields.begin(), fields.end(), v) == fields.end()) fields.push_back(v);
  return shape_cache_.shapes.emplace(class_name, std::move(fields)).first->second;
}

const FieldTable& Release::nil_fields(const std::string& class_name) const {
  if (auto cached = shape_cache_.nil_fields.find(class_name); cached != shape_cache_.nil_fields.end()) return cached->second;
  return shape_cache_.nil_fields.emplace(class_name, FieldTable::nil_fields(all_fields(class_name))).first->second;
}

std::string Release::gap() const {
  for (const auto& [name, c] : classes) {
    if (c.name != name) return fmt::format("class '{}' is filed as '{}'", c.name, name);
    if (!c.package.empty() && !packages.contains(c.package))
      return fmt::format("class '{}' comes from {}, which is not installed", name, c.package);
    std::string s = c.superclass;
    for (std::size_t depth = 0; !is_root(s); ++depth) {
      const auto it = classes.find(s);
      if (it == classes.end()) return fmt::format("superclass '{}' of '{}' is missing", s, name);
      if (depth > classes.size()) return fmt::format("class '{}' inherits from itself", name);
      s = it->second.superclass;
    }
    for (const auto& [selector, m] : c.methods) {
      if (m == nullptr || m->class_name != name || m->selector != selector)
        return fmt::format("method {}>>{} is filed under the wrong class or selector", name, selector);
      // A method of no package ("") was typed into the image (upgrader/local_change.hpp).
      if (!m->package.empty() && !packages.contains(m->package))
        return fmt::format("{}>>{} comes from {}, which is not installed", name, selector, m->package);
    }
  }
  return {};
}

std::vector<std::string> Release::unmet_requirements(const Package& package) const {
  std::vector<std::string> unmet;
  for (const Requirement& r : package.requirements) {
    auto it = packages.find(r.package);
    if (it == packages.end())
      unmet.push_back(fmt::format("{} (not installed)", r.describe()));
    else if (!r.accepts(it->second))
      unmet.push_back(fmt::format("{} (installed: {})", r.describe(), it->second));
  }
  return unmet;
}

void Release::apply(const Package& package, bool check_requires) {
  method_cache_ = MethodCache();
  shape_cache_ = ShapeCache();
  if (check_requires) {
    auto unmet = unmet_requirements(package);
    if (!unmet.empty())
      throw LoadError(fmt::format("{}: {} {} requires {}", package.source, package.name, package.version, fmt::join(unmet, ", ")));
  }
  // Everything is checked before anything changes (on error this release is unchanged),
  // without copying the release: a big release is built package by package.
  std::map<std::string, const ClassDef*> defined;
  for (const ClassDef& c : package.classes) {
    if (auto it = classes.find(c.name); it != classes.end() && it->second.package.empty())
      throw LoadError(fmt::format("{}:{}: class '{}' is a kernel class: extend it with methods, do not redefine it",
                                  package.source, c.line, c.name));
    defined.emplace(c.name, &c);
  }
  const auto superclass_of = [&](const std::string& name) -> const std::string* {
    if (auto d = defined.find(name); d != defined.end()) return &d->second->superclass;
    if (auto it = classes.find(name); it != classes.end()) return &it->second.superclass;
    return nullptr;
  };
  const auto known = [&](const std::string& name) {
    return defined.contains(instance_side(name)) || classes.contains(name);
  };
  for (const ClassDef& c : package.classes) {
    std::set<std::string> seen{c.name};
    for (std::string s = c.superclass; !is_root(s);) {
      const std::string* up = superclass_of(s);
      if (up == nullptr)
        throw LoadError(fmt::format("{}:{}: superclass '{}' of '{}' is not loaded", package.source, c.line, s, c.name));
      if (!seen.insert(s).second)
        throw LoadError(fmt::format("{}:{}: class '{}' would inherit from itself", package.source, c.line, c.name));
      s = *up;
    }
  }
  for (const MethodDef& m : package.methods)
    if (!known(m.class_name))
      throw LoadError(fmt::format("{}:{}: method {}>>{} for a class that is not loaded", package.source, m.line, m.class_name, m.selector));
  for (const MethodDef& m : package.initializers)
    if (!known(m.class_name))
      throw LoadError(fmt::format("{}:{}: initialize for a class that is not loaded: {}", package.source, m.line, m.class_name));
  for (const ClassDef& c : package.classes) {
    ClassInfo& info = classes[c.name];
    info.name = c.name;
    info.superclass = c.superclass;
    info.fields = c.fields;  // reshaping: live instances are migrated when this is published
    info.package = package.name;
    // Its metaclass: class-side methods, class-instance variables, class variables.
    ClassInfo& meta = classes[metaclass_of(c.name)];
    meta.name = metaclass_of(c.name);
    meta.superclass = classes.contains(metaclass_of(c.superclass)) || c.superclass != "Object" ? metaclass_of(c.superclass) : "";
    meta.fields = c.class_fields;
    meta.class_vars = c.class_vars;
    meta.package = package.name;
  }
  for (const MethodDef& m : package.methods)
    classes.at(m.class_name).methods[m.selector] =
        std::make_shared<const CompiledMethod>(CompiledMethod{m.class_name, m.selector, m.body, package.name, package.version});
  packages[package.name] = package.version;
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
