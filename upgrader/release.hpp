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
  std::string package;  // who defined it: the oracles' evidence of old vs new code
  std::int64_t version = 0;
};

struct ClassInfo {
  std::string name;
  std::string superclass;
  std::vector<std::string> fields;  // own fields; inherited ones come from the superclass
  std::map<std::string, std::shared_ptr<const CompiledMethod>> methods;
  std::string package;
};

class Release {
 public:
  std::uint64_t number = 0;  // 0 = the empty image
  std::map<std::string, ClassInfo> classes;
  std::map<std::string, std::int64_t> packages;  // installed name -> version

  const CompiledMethod* lookup(const std::string& class_name, const std::string& selector) const;
  // Inherited fields first, then the class's own; empty for an unknown class.
  std::vector<std::string> all_fields(const std::string& class_name) const;
  bool has_class(const std::string& name) const { return name == "Object" || classes.contains(name); }
  // What keeps this release from being self-contained, as readable text (empty: complete):
  // a class whose superclass is missing or that inherits from itself, a method filed under
  // another class or selector, code of a package that is not installed. Requirements between
  // packages are not checked here (the seed policy installs without them).
  std::string gap() const;
  // Missing requirements of `package` against this release, as readable text (empty: none).
  std::vector<std::string> unmet_requirements(const Package& package) const;

  // Adds `package` on top of this release (classes, then methods). Throws LoadError if a
  // superclass is missing, inheritance would loop, or a method's class is unknown; when
  // check_requires is set, also when a requirement is not installed. On error this release
  // is unchanged.
  void apply(const Package& package, bool check_requires);
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
