#pragma once
// A code package: one TOML text file (see scenarios/apps/README.md for the format).
// Parsing checks everything it can before anything touches an image: a package that
// parses is well formed; whether its requirements are met is the loader's question.
#include <cstdint>
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
  std::vector<std::string> fields;
  int line = 0;
};

struct MethodDef {
  std::string class_name;
  std::string selector;
  std::vector<Step> body;
  int line = 0;
};

struct Requirement {
  std::string package;
  std::int64_t min_version = 0;
};

struct Package {
  std::string name;
  std::int64_t version = 0;
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

// Renders a package in the file format, trailer included (tests, generators, apps).
std::string render_package(const Package& package);

}  // namespace upgrader
