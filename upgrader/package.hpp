#pragma once
// A code package: one TOML text file (see scenarios/apps/README.md for the format).
// Parsing checks everything it can before anything touches an image: a package that
// parses is well formed; whether its requirements are met is the loader's question.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace upgrader {

// "file:line: message" — every package error says where and what was expected.
class PackageError : public std::runtime_error {
 public:
  PackageError(std::string file, int line, const std::string& message);
  const std::string& file() const { return file_; }
  int line() const { return line_; }

 private:
  std::string file_;
  int line_;
};

using Literal = std::variant<std::monostate, std::int64_t, std::string>;

// One step of a method body in the tiny method language.
struct Step {
  enum class Kind { Send, New, Read, Set, Add, Cpu, Answer };
  Kind kind;
  std::string name;    // Send: selector; New: class; Read/Set/Add/Answer: field ("" = answer self)
  std::string target;  // Send: "self" or a field holding the receiver; New: field to store into
  Literal value;       // Set: the value; Add: the delta; Answer: a literal instead of a field
  std::int64_t micros = 0;  // Cpu
  int line = 0;
};

struct ClassDef {
  std::string name;
  std::string superclass;  // "Object" for the root
  std::vector<std::string> fields;        // instance variables
  std::vector<std::string> class_fields;  // class-instance variables (one set per class)
  std::vector<std::string> class_vars;    // class variables (shared with subclasses, both sides)
  int line = 0;
};

// The metaclass of `name`, as Smalltalk spells it: "Foo class". Class-side methods are
// filed under it; the class object (what `Foo` evaluates to) is its one instance.
inline std::string metaclass_of(const std::string& name) { return name + " class"; }
inline bool is_metaclass(std::string_view name) { return name.ends_with(" class"); }
inline std::string instance_side(std::string_view name) {
  return std::string(is_metaclass(name) ? name.substr(0, name.size() - 6) : name);
}

struct MethodDef {
  std::string class_name;  // "Foo" (instance side) or "Foo class" (class side)
  std::string selector;
  std::vector<Step> body;
  int line = 0;
};

// A requirement on another package: any version (min 0, max unbounded), at least one
// (`version = 3`), or a range (`version = ">= 2, < 5"`; bounds kept inclusive here).
struct Requirement {
  static constexpr std::int64_t kUnbounded = INT64_MAX;
  std::string package;
  std::int64_t min_version = 0;
  std::int64_t max_version = kUnbounded;
  int line = 0;  // where the file states it (not part of the package's identity)
  bool accepts(std::int64_t version) const { return version >= min_version && version <= max_version; }
  std::string describe() const;  // "Foo", "Foo >= 2", "Foo >= 2, <= 4"
};

struct Package {
  std::string name;
  std::int64_t version = 0;    // the number packages are ordered by (Monticello's N)
  std::string version_name;    // Monticello's "Name-author.N" when the file gives one, else 
  std::vector<Requirement> requirements;
  std::vector<ClassDef> classes;
  std::vector<MethodDef> methods;
  std::vector<MethodDef> initializers;  // class-side initialize, run once on install
  std::string source;                   // file name it came from
  std::string checksum;                 // of the whole file, "fnv1a64:..."
};

// Parses a package file. The last non-empty line must be the trailer
// "# hotsim-checksum fnv1a64:<hex>" over every byte before it: a torn upload has no
// trailer or a wrong one, and is refused.
Package parse_package(std::string_view text, const std::string& source);

// A Monticello version name "Name-author.N": N, or nullopt when `text` is not one whose
// Name is `package` (the author may contain anything but '.', N is a positive integer).
std::optional<std::int64_t> monticello_version(std::string_view text, std::string_view package);

// A selector: a unary or keyword one (letters, digits, '_', ':') or a binary one
// ("+", "=", "<=", ",", "->", ...).
bool valid_selector(std::string_view selector);

// Writes (or rewrites) the checksum trailer of a package file's text: everything before
// an existing trailer line is kept as it is (what `hotsim pkg seal` does).
std::string seal_package_text(std::string_view text);

// Renders a package in the file format, trailer included (tests, generators, apps).
std::string render_package(const Package& package);

}  // namespace upgrader
