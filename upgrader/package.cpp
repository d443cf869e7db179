#include "upgrader/package.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <tuple>
#include <toml++/toml.h>

#include "upgrader/checksum.hpp"

namespace upgrader {

PackageError::PackageError(std::string file, int line, const std::string& message)
    : std::runtime_error(fmt::format("{}:{}: {}", file, line, message)), file_(std::move(file)), line_(line) {}

namespace {

constexpr std::string_view kTrailer = "# hotsim-checksum ";

bool identifier_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == ':'; }
bool valid_identifier(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), identifier_char);
}
constexpr std::string_view kBinaryChars = "+-*/\\~<>=@%|&?,";

// Parses "N" or a range of comma-separated bounds (">= 2, < 5", "= 3", "<= 4").
std::optional<std::pair<std::int64_t, std::int64_t>> parse_range(std::string_view text) {
  std::int64_t lo = 0, hi = Requirement::kUnbounded;
  bool any = false;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    std::string_view op;
    for (std::string_view o : {">=", "<=", ">", "<", "="})
      if (part.starts_with(o)) {
        op = o;
        break;
      }
    if (op.empty()) return std::nullopt;
    part.remove_prefix(op.size());
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.empty() || part.size() > 18 || !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return std::nullopt;
    const std::int64_t n = std::stoll(std::string(part));
    if (op == ">=") lo = std::max(lo, n);
    else if (op == ">") lo = std::max(lo, n + 1);
    else if (op == "<=") hi = std::min(hi, n);
    else if (op == "<") hi = std::min(hi, n - 1);
    else lo = std::max(lo, n), hi = std::min(hi, n);
    any = true;
  }
  if (!any) return std::nullopt;
  return std::pair{lo, hi};
}

int line_of(const toml::node& node) { return static_cast<int>(node.source().begin.line); }

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(int line, const std::string& message) const { throw PackageError(file_, line, message); }

  void only_keys(const toml::table& table, std::initializer_list<std::string_view> allowed, std::string_view what) const {
    for (const auto& [key, value] : table) {
      bool ok = false;
      for (auto a : allowed) ok = ok || key.str() == a;
      if (!ok) fail(line_of(value), fmt::format("unknown key '{}' in {}; expected one of: {}", key.str(), what, fmt::join(allowed, ", ")));
    }
  }

  std::string string(const toml::table& table, std::string_view key, std::string_view what, int line) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) fail(line, fmt::format("{} needs '{}' (a string)", what, key));
    const auto* s = node->as_string();
    if (s == nullptr || s->get().empty()) fail(line_of(*node), fmt::format("'{}' in {}: expected a non-empty string", key, what));
    return s->get();
  }

  std::string identifier(const toml::table& table, std::string_view key, std::string_view what, int line) const {
    std::string s = string(table, key, what, line);
    if (!valid_identifier(s))
      fail(line_of(*table.get(key)), fmt::format("'{}' in {}: expected letters, digits, '_', '-' or ':', got \"{}\"", key, what, s));
    return s;
  }

  std::string selector(const toml::table& table, std::string_view key, std::string_view what, int line) const {
    std::string s = string(table, key, what, line);
    if (!valid_selector(s))
      fail(line_of(*table.get(key)),
           fmt::format("'{}' in {}: expected a selector (unary or keyword: a letter then letters, digits, '_', ':'; "
                       "binary: one to three of {}), got \"{}\"", key, what, kBinaryChars, s));
    return s;
  }

  // A class ("Foo") or its metaclass ("Foo class"): where class-side methods are filed.
  std::string class_ref(const toml::table& table, std::string_view key, std::string_view what, int line) const {
    std::string s = string(table, key, what, line);
    const std::string base = instance_side(s);
    if (!valid_identifier(base))
      fail(line_of(*table.get(key)),
           fmt::format("'{}' in {}: expected a class name, or a class name and ' class' for the class side, got \"{}\"", key, what, s));
    return s;
  }

  std::vector<std::string> names(const toml::table& t, std::string_view key, int line, std::set<std::string>& seen) const {
    std::vector<std::string> out;
    if (!t.contains(key)) return out;
    for (const toml::node& f : array(t, key, "[[class]]", line)) {
      const auto* s = f.as_string();
      if (s == nullptr || s->get().empty()) fail(line_of(f), fmt::format("'{}': expected non-empty strings", key));
      if (!seen.insert(s->get()).second) fail(line_of(f), fmt::format("variable '{}' is declared twice in this class", s->get()));
      out.push_back(s->get());
    }
    return out;
  }

  std::int64_t integer(const toml::table& table, std::string_view key, std::string_view what, int line, std::int64_t min) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) fail(line, fmt::format("{} needs '{}' (an integer)", what, key));
    const auto* i = node->as_integer();
    if (i == nullptr) fail(line_of(*node), fmt::format("'{}' in {}: expected an integer", key, what));
    if (i->get() < min) fail(line_of(*node), fmt::format("'{}' in {}: expected at least {}, got {}", key, what, min, i->get()));
    return i->get();
  }

  const toml::array& array(const toml::table& table, std::string_view key, std::string_view what, int line) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) fail(line, fmt::format("{} needs '{}' (an array)", what, key));
    const auto* a = node->as_array();
    if (a == nullptr) fail(line_of(*node), fmt::format("'{}' in {}: expected an array", key, what));
    return *a;
  }

  const toml::table& table_at(const toml::node& node, std::string_view what) const {
    const auto* t = node.as_table();
    if (t == nullptr) fail(line_of(node), fmt::format("{}: expected a table", what));
    return *t;
  }

  Literal literal(const toml::node& node, std::string_view what) const {
    if (const auto* i = node.as_integer()) return i->get();
    if (const auto* s = node.as_string()) return s->get();
    fail(line_of(node), fmt::format("{}: expected an integer or a string", what));
  }

  Step step(const toml::node& node) const {
    const toml::table& t = table_at(node, "method body step");
    const int line = line_of(node);
    Step s{};
    s.line = line;
    static const std::initializer_list<std::string_view> kinds{"send", "new", "read", "set", "add", "cpu_us", "answer"};
    int found = 0;
    for (auto k : kinds) found += t.contains(k);
    if (found != 1) fail(line, fmt::format("a method body step needs exactly one of: {}", fmt::join(kinds, ", ")));
    if (t.contains("send")) {
      only_keys(t, {"send", "to"}, "a send step");
      s.kind = Step::Kind::Send;
      s.name = selector(t, "send", "a send step", line);
      s.target = t.contains("to") ? class_ref(t, "to", "a send step", line) : "self";
    } else if (t.contains("new")) {
      only_keys(t, {"new", "into"}, "a new step");
      s.kind = Step::Kind::New;
      s.name = identifier(t, "new", "a new step", line);
      s.target = identifier(t, "into", "a new step", line);
    } else if (t.contains("read")) {
      only_keys(t, {"read"}, "a read step");
      s.kind = Step::Kind::Read;
      s.name = identifier(t, "read", "a read step", line);
    } else if (t.contains("set")) {
      only_keys(t, {"set", "value"}, "a set step");
      s.kind = Step::Kind::Set;
      s.name = identifier(t, "set", "a set step", line);
      if (!t.contains("value")) fail(line, "a set step needs 'value'");
      s.value = literal(*t.get("value"), "'value' of a set step");
    } else if (t.contains("add")) {
      only_keys(t, {"add", "value"}, "an add step");
      s.kind = Step::Kind::Add;
      s.name = identifier(t, "add", "an add step", line);
      s.value = integer(t, "value", "an add step", line, INT64_MIN);
    } else if (t.contains("cpu_us")) {
      only_keys(t, {"cpu_us"}, "a cpu step");
      s.kind = Step::Kind::Cpu;
      s.micros = integer(t, "cpu_us", "a cpu step", line, 0);
      if (s.micros > 60'000'000) fail(line, "'cpu_us': expected at most 60000000 (one minute)");
    } else {
      only_keys(t, {"answer"}, "an answer step");
      s.kind = Step::Kind::Answer;
      const toml::node& a = *t.get("answer");
      if (const auto* str = a.as_string(); str != nullptr && str->get().starts_with("field:"))
        s.name = str->get().substr(6);
      else
        s.value = literal(a, "'answer'");
    }
    return s;
  }

  MethodDef method(const toml::node& node, std::string_view what) const {
    const toml::table& t = table_at(node, what);
    const int line = line_of(node);
    MethodDef m;
    m.line = line;
    if (what == "[[method]]") {
      only_keys(t, {"class", "selector", "body"}, what);
      m.selector = selector(t, "selector", what, line);
    } else {
      only_keys(t, {"class", "body"}, what);
      m.selector = "initialize";
    }
    m.class_name = what == "[[method]]" ? class_ref(t, "class", what, line) : identifier(t, "class", what, line);
    for (const toml::node& s : array(t, "body", what, line)) m.body.push_back(step(s));
    return m;
  }

 private:
  std::string file_;
};

}  // namespace

std::string Requirement::describe() const {
  if (max_version == kUnbounded) return min_version <= 0 ? package : fmt::format("{} >= {}", package, min_version);
  return fmt::format("{} >= {}, <= {}", package, min_version, max_version);
}

bool valid_selector(std::string_view selector) {
  if (selector.empty()) return false;
  if (std::all_of(selector.begin(), selector.end(), [](char c) { return kBinaryChars.find(c) != std::string_view::npos; }))
    return selector.size() <= 3;
  return valid_identifier(selector);
}

std::optional<std::int64_t> monticello_version(std::string_view text, std::string_view package) {
  // "Name-author.N": the Name, a '-', an author without '.', a '.', and N.
  if (!text.starts_with(package) || text.size() <= package.size() + 1 || text[package.size()] != '-') return std::nullopt;
  const std::string_view rest = text.substr(package.size() + 1);
  const std::size_t dot = rest.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || rest.substr(0, dot).find('.') != std::string_view::npos) return std::nullopt;
  const std::string_view author = rest.substr(0, dot), n = rest.substr(dot + 1);
  if (!std::all_of(author.begin(), author.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }))
    return std::nullopt;
  if (n.empty() || n.size() > 18 || n.front() == '0' || !std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::stoll(std::string(n));
}

Package parse_package(std::string_view text, const std::string& source) {
  Reader r(source);
  // The trailer: last non-empty line, covering every byte before it.
  std::size_t end = text.size();
  while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == '\r' || text[end - 1] == ' ')) --end;
  const std::size_t start = text.rfind('\n', end == 0 ? 0 : end - 1);
  const std::size_t trailer_at = start == std::string_view::npos ? 0 : start + 1;
  const std::string_view last = text.substr(trailer_at, end - trailer_at);
  const int total_lines = static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(trailer_at), '\n')) + 1;
  if (!last.starts_with(kTrailer))
    r.fail(total_lines, "expected the trailer '# hotsim-checksum fnv1a64:<hex>' as the last line (is the upload complete?)");
  const std::string_view body = text.substr(0, trailer_at);
  const std::string declared(last.substr(kTrailer.size()));
  if (declared != checksum_text(body))
    r.fail(total_lines, fmt::format("checksum mismatch: the trailer says {}, the content is {} (torn or altered upload)", declared, checksum_text(body)));

  toml::table doc;
  try {
    doc = toml::parse(body, source);
  } catch (const toml::parse_error& e) {
    r.fail(static_cast<int>(e.source().begin.line), fmt::format("TOML: {}", e.description()));
  }
  r.only_keys(doc, {"package", "class", "method", "initialize"}, "the package file");
  Package p;
  p.source = source;
  p.checksum = checksum_text(text);
  const toml::node* header = doc.get("package");
  if (header == nullptr) r.fail(1, "expected a [package] table with name and version");
  const toml::table& h = r.table_at(*header, "[package]");
  const int hl = line_of(*header);
  r.only_keys(h, {"name", "version", "requires"}, "[package]");
  p.name = r.identifier(h, "name", "[package]", hl);
  if (const toml::node* v = h.get("version"); v != nullptr && v->is_string()) {
    p.version_name = v->as_string()->get();
    const auto n = monticello_version(p.version_name, p.name);
    if (!n)
      r.fail(line_of(*v), fmt::format("'version' in [package]: expected an integer or a Monticello version \"{}-<author>.<N>\" "
                                      "(N a positive integer), got \"{}\"", p.name, p.version_name));
    p.version = *n;
  } else {
    p.version = r.integer(h, "version", "[package]", hl, 1);
  }
  if (h.contains("requires")) {
    std::set<std::string> required;
    for (const toml::node& n : r.array(h, "requires", "[package]", hl)) {
      const toml::table& req = r.table_at(n, "a requirement");
      r.only_keys(req, {"package", "version"}, "a requirement");
      Requirement q{r.identifier(req, "package", "a requirement", line_of(n))};
      q.line = line_of(n);
      if (const toml::node* v = req.get("version"); v != nullptr && v->is_string()) {
        const auto range = parse_range(v->as_string()->get());
        if (!range)
          r.fail(line_of(*v), fmt::format("'version' of a requirement: expected an integer (at least), or bounds such as "
                                          "\">= 2, < 5\" (>=, >, <=, <, = and a number, comma-separated), got \"{}\"",
                                          v->as_string()->get()));
        std::tie(q.min_version, q.max_version) = *range;
        if (q.min_version > q.max_version)
          r.fail(line_of(*v), fmt::format("'version' of a requirement: \"{}\" admits no version", v->as_string()->get()));
      } else if (v != nullptr) {
        q.min_version = r.integer(req, "version", "a requirement", line_of(n), 1);
      }
      if (q.package == p.name) r.fail(line_of(n), "a package cannot require itself");
      if (!required.insert(q.package).second) r.fail(line_of(n), fmt::format("package {} is required twice", q.package));
      p.requirements.push_back(std::move(q));
    }
  }
  std::set<std::string> class_names;
  if (const toml::node* classes = doc.get("class")) {
    const auto* arr = classes->as_array();
    if (arr == nullptr) r.fail(line_of(*classes), "'class': expected [[class]] tables");
    for (const toml::node& n : *arr) {
      const toml::table& t = r.table_at(n, "[[class]]");
      const int line = line_of(n);
      r.only_keys(t, {"name", "superclass", "fields", "class_fields", "class_vars"}, "[[class]]");
      ClassDef c;
      c.line = line;
      c.name = r.identifier(t, "name", "[[class]]", line);
      c.superclass = t.contains("superclass") ? r.identifier(t, "superclass", "[[class]]", line) : "Object";
      if (c.name == "Object") r.fail(line, "class 'Object' is built in and cannot be redefined");
      if (c.superclass == c.name) r.fail(line, fmt::format("class '{}' cannot be its own superclass", c.name));
      if (!class_names.insert(c.name).second) r.fail(line, fmt::format("class '{}' is defined twice", c.name));
      std::set<std::string> instance_seen, class_seen;
      c.fields = r.names(t, "fields", line, instance_seen);
      c.class_fields = r.names(t, "class_fields", line, class_seen);
      c.class_vars = r.names(t, "class_vars", line, class_seen);
      for (const auto& v : c.class_vars)
        if (instance_seen.contains(v)) r.fail(line, fmt::format("class variable '{}' is also an instance variable", v));
      p.classes.push_back(std::move(c));
    }
  }
  for (const char* key : {"method", "initialize"}) {
    const toml::node* methods = doc.get(key);
    if (methods == nullptr) continue;
    const auto* arr = methods->as_array();
    const std::string what = fmt::format("[[{}]]", key);
    if (arr == nullptr) r.fail(line_of(*methods), fmt::format("'{}': expected {} tables", key, what));
    for (const toml::node& n : *arr) (std::string(key) == "method" ? p.methods : p.initializers).push_back(r.method(n, what));
  }
  return p;
}

namespace {

// A TOML string with every character escaped as TOML requires (toml++ does the quoting).
std::string q(std::string_view text) {
  std::ostringstream out;
  out << toml::value<std::string>(std::string(text));
  return out.str();
}

std::string render_literal(const Literal& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* s = std::get_if<std::string>(&v)) return q(*s);
  return "0";
}

std::string render_step(const Step& s) {
  switch (s.kind) {
    case Step::Kind::Send: return fmt::format("{{ send = {}, to = {} }}", q(s.name), q(s.target));
    case Step::Kind::New: return fmt::format("{{ new = {}, into = {} }}", q(s.name), q(s.target));
    case Step::Kind::Read: return fmt::format("{{ read = {} }}", q(s.name));
    case Step::Kind::Set: return fmt::format("{{ set = {}, value = {} }}", q(s.name), render_literal(s.value));
    case Step::Kind::Add: return fmt::format("{{ add = {}, value = {} }}", q(s.name), render_literal(s.value));
    case Step::Kind::Cpu: return fmt::format("{{ cpu_us = {} }}", s.micros);
    case Step::Kind::Answer:
      return s.name.empty() ? fmt::format("{{ answer = {} }}", render_literal(s.value))
                            : fmt::format("{{ answer = {} }}", q("field:" + s.name));
  }
  return "";
}

std::string render_body(const std::vector<Step>& body) {
  std::string out = "body = [\n";
  for (const Step& s : body) out += "  " + render_step(s) + ",\n";
  return out + "]\n";
}

}  // namespace

std::string render_package(const Package& p) {
  std::string out = fmt::format("[package]\nname = {}\nversion = {}\n", q(p.name),
                                p.version_name.empty() ? std::to_string(p.version) : q(p.version_name));
  if (!p.requirements.empty()) {
    out += "requires = [";
    for (std::size_t i = 0; i < p.requirements.size(); ++i) {
      const Requirement& r = p.requirements[i];
      out += fmt::format("{}{{ package = {}", i ? ", " : " ", q(r.package));
      if (r.max_version != Requirement::kUnbounded)
        out += fmt::format(", version = \">= {}, <= {}\"", r.min_version, r.max_version);
      else if (r.min_version > 0)
        out += fmt::format(", version = {}", r.min_version);
      out += " }";
    }
    out += " ]\n";
  }
  const auto list = [](const std::vector<std::string>& names) {
    std::string l = "[";
    for (std::size_t i = 0; i < names.size(); ++i) l += fmt::format("{}{}", i ? ", " : "", q(names[i]));
    return l + "]";
  };
  for (const ClassDef& c : p.classes) {
    out += fmt::format("\n[[class]]\nname = {}\nsuperclass = {}\nfields = {}\n", q(c.name), q(c.superclass), list(c.fields));
    if (!c.class_fields.empty()) out += fmt::format("class_fields = {}\n", list(c.class_fields));
    if (!c.class_vars.empty()) out += fmt::format("class_vars = {}\n", list(c.class_vars));
  }
  for (const MethodDef& m : p.methods)
    out += fmt::format("\n[[method]]\nclass = {}\nselector = {}\n", q(m.class_name), q(m.selector)) + render_body(m.body);
  for (const MethodDef& m : p.initializers)
    out += fmt::format("\n[[initialize]]\nclass = {}\n", q(m.class_name)) + render_body(m.body);
  out += "\n";
  return out + std::string(kTrailer) + checksum_text(out) + "\n";
}

std::string seal_package_text(std::string_view text) {
  // Drop an existing trailer line (the last non-empty one), keep every byte before it.
  std::size_t end = text.size();
  while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == '\r' || text[end - 1] == ' ')) --end;
  const std::size_t start = end == 0 ? std::string_view::npos : text.rfind('\n', end - 1);
  const std::size_t last_at = start == std::string_view::npos ? 0 : start + 1;
  std::string body(text.substr(0, text.substr(last_at, end - last_at).starts_with(kTrailer) ? last_at : text.size()));
  if (!body.empty() && body.back() != '\n') body += '\n';
  return body + std::string(kTrailer) + checksum_text(body) + "\n";
}

}  // namespace upgrader
