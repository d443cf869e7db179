#pragma once
// A release: the class table (classes, methods, inheritance) and the set of installed
// package versions. Immutable once built, so a request can hold on to the release it
// started on while a newer one is published.
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "upgrader/field_table.hpp"
#include "upgrader/method_cache.hpp"
#include "upgrader/package.hpp"

namespace upgrader {

class LoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CompiledMethod {
  std::string class_name;
  std::string selector;
  std::vector<Step> body;
  std::string package;  // who defined it: the oracles' evidence of old vs new code; "" typed into the image
  std::int64_t version = 0;
};

struct ClassInfo {
  std::string name;
  std::string superclass;
  std::vector<std::string> fields;  // own fields; inherited ones come from the superclass
  std::map<std::string, std::shared_ptr<const CompiledMethod>> methods;
  std::string package;  // "" for the kernel classes of a fresh image
  // Metaclasses only ("Foo class"): Foo's class variables, held by Foo's class object and
  // shared with subclasses and instances (not inherited as fields).
  std::vector<std::string> class_vars;
};

class Release {
 public:
  std::uint64_t number = 0;  // 0 = the empty image
  std::map<std::string, ClassInfo> classes;
  std::map<std::string, std::int64_t> packages;  // installed name -> version

  // A fresh image's release: the kernel classes (Object, Boolean, Number, Integer, String,
  // Symbol, Collection, ..., each with its metaclass) with no methods, so that packages can
  // extend them.
  static Release fresh();
  static const std::vector<std::pair<std::string, std::string>>& kernel_classes();  // name, superclass

  // Walks the superclass chain (of metaclasses for "Foo class") up to the root.
  const CompiledMethod* lookup(const std::string& class_name, const std::string& selector) const;
  // Inherited fields first, then the class's own; empty for an unknown class. Kept per class
  // (every new object asks), valid as long as this release is not changed.
  const std::vector<std::string>& all_fields(const std::string& class_name) const;
  // A new instance's fields: all_fields, each nil, in name order. Kept per class likewise.
  const FieldTable& nil_fields(const std::string& class_name) const;
  bool has_class(const std::string& name) const { return name == "Object" || classes.contains(name); }
  // The metaclass, on `class_name`'s side or above it, that declares class variable `var`
  // ("" when none does): where the variable lives.
  std::string class_var_owner(const std::string& class_name, const std::string& var) const;
  // What keeps this release from being self-contained, as readable text (empty: complete):
  // a class whose superclass is missing or that inherits from itself, a method filed under
  // another class or selector, code of a package that is not installed. Requirements between
  // packages are not checked here (the seed policy installs without them).
  std::string gap() const;
  // Missing requirements of `package` against this release, as readable text (empty: none).
  std::vector<std::string> unmet_requirements(const Package& package) const;
  // `name` is a superclass chain's root: "" (above Object and Object class) or "Object" in
  // an image without the kernel.
  static bool is_root(const std::string& name) { return name.empty() || name == "Object"; }

  // Adds `package` on top of this release (classes, then methods). Throws LoadError if a
  // superclass is missing, inheritance would loop, or a method's class is unknown; when
  // check_requires is set, also when a requirement is not installed. On error this release
  // is unchanged.
  void apply(const Package& package, bool check_requires);

 private:
  // all_fields()'s and nil_fields()'s answers; a copy (the next release being built) starts empty.
  struct ShapeCache {
    ShapeCache() = default;
    ShapeCache(const ShapeCache&) {}
    ShapeCache& operator=(const ShapeCache&) {
      shapes.clear();
      nil_fields.clear();
      return *this;
    }
    std::map<std::string, std::vector<std::string>, std::less<>> shapes;
    std::map<std::string, FieldTable, std::less<>> nil_fields;
  };

  mutable MethodCache method_cache_;  // lookup()'s answers; apply() clears it
  mutable ShapeCache shape_cache_;    // likewise
};

// A package that could not be applied, and why (its last LoadError).
struct NotApplied {
  const Package* package;
  std::string reason;
};

// Applies `packages` to `release` with their requirements checked, each as soon as what it
// needs is there (passes over the list until nothing more applies), as a release is built
// from a directory of package files whatever their order. Returns those left unapplied.
std::vector<NotApplied> apply_in_dependency_order(Release& release, const std::vector<Package>& packages);

}  // namespace upgrader
