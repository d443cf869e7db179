#include "scenarios/generate_app.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

namespace scenarios {
namespace {

using upgrader::ClassDef;
using upgrader::Literal;
using upgrader::MethodDef;
using upgrader::Package;
using upgrader::Requirement;
using upgrader::Step;

// splitmix64: the same numbers on every platform and standard library.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int below(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }
  int between(int lo, int hi) { return lo + below(hi - lo + 1); }

 private:
  std::uint64_t s_;
};

const std::vector<std::string>& words() {
  static const std::vector<std::string> w{
      "Account", "Audit",   "Basket",  "Billing", "Catalog", "Coupon",  "Delivery", "Discount", "Export",  "Feed",
      "Gallery", "Import",  "Invoice", "Journal", "Ledger",  "Mail",    "Media",    "Order",    "Payment", "Pricing",
      "Profile", "Rating",  "Report",  "Review",  "Search",  "Session", "Shipping", "Stock",    "Tax",     "Theme",
      "Ticket",  "Voucher", "Wallet",  "Widget",  "Zone",    "Agenda",  "Badge",    "Channel",  "Digest",  "Forum",
      "Grant",   "Harbor",  "Index",   "Kiosk",   "Locale",  "Metric",  "Notice",   "Outbox",   "Portal",  "Quota"};
  return w;
}
const std::vector<std::string>& authors() {
  static const std::vector<std::string> a{"ramon", "dc", "lr", "mb", "tg", "sd", "cdrick"};
  return a;
}

Step step(Step::Kind kind, std::string name, std::string target = {}, Literal value = {}) {
  Step s{};
  s.kind = kind;
  s.name = std::move(name);
  s.target = std::move(target);
  s.value = std::move(value);
  return s;
}
Step cpu(std::int64_t us) {
  Step s = step(Step::Kind::Cpu, "");
  s.micros = us;
  return s;
}
Step add(std::string field, std::int64_t v) { return step(Step::Kind::Add, std::move(field), "", v); }
Step set(std::string field, Literal v) { return step(Step::Kind::Set, std::move(field), "", std::move(v)); }
Step read(std::string field) { return step(Step::Kind::Read, std::move(field)); }
Step send(std::string selector, std::string to) { return step(Step::Kind::Send, std::move(selector), std::move(to)); }
Step make(std::string class_name, std::string into) { return step(Step::Kind::New, std::move(class_name), std::move(into)); }
Step answer(Literal v) { return step(Step::Kind::Answer, "", "", std::move(v)); }
MethodDef method(std::string class_name, std::string selector, std::vector<Step> body) {
  MethodDef m;
  m.class_name = std::move(class_name);
  m.selector = std::move(selector);
  m.body = std::move(body);
  return m;
}

struct Shape {
  std::string name, cls, author;
  int layer = 0;
  int chain_dep = -1;           // the package one layer down this one requires (a chain)
  std::vector<int> extra_deps;  // others below it, required without a version
  int old_n = 1, new_n = 2;
  bool has_initialize = false;
  bool inherits_from_dep = false;  // its class subclasses the chain dependency's class
};

// The longest chain of requirements starting at each package, in packages.
int longest_chain(const std::vector<Shape>& shapes) {
  std::vector<int> memo(shapes.size(), 0);
  int best = 0;
  // Shapes are created layer by layer, so dependencies always have smaller indices.
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    int m = 0;
    if (shapes[i].chain_dep >= 0) m = std::max(m, memo[static_cast<std::size_t>(shapes[i].chain_dep)]);
    for (int d : shapes[i].extra_deps) m = std::max(m, memo[static_cast<std::size_t>(d)]);
    memo[i] = m + 1;
    best = std::max(best, memo[i]);
  }
  return best;
}

}  // namespace

std::string generated_file_name(const Package& p) { return fmt::format("{}-{}.pkg", p.name, p.version); }

std::vector<std::pair<std::string, std::string>> render_release(const std::vector<Package>& release) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const Package& p : release) files.emplace_back(generated_file_name(p), upgrader::render_package(p));
  std::sort(files.begin(), files.end());
  return files;
}

GeneratedApp generate_app(const GenOptions& o) {
  if (o.depth < 2) throw std::invalid_argument("gen: depth must be at least 2");
  if (o.packages < o.depth) throw std::invalid_argument(fmt::format("gen: {} packages cannot form a chain {} deep", o.packages, o.depth));
  if (o.packages > static_cast<int>(words().size() * words().size()))
    throw std::invalid_argument(fmt::format("gen: at most {} packages", words().size() * words().size()));
  if (o.requests.empty()) throw std::invalid_argument("gen: at least one request selector");
  Rng rng(o.seed);

  // 1. Shapes: one package per layer first (the chain), then the rest on random layers.
  std::vector<int> layer_of;
  for (int l = 0; l < o.depth; ++l) layer_of.push_back(l);
  for (int i = o.depth; i < o.packages; ++i) layer_of.push_back(rng.below(o.depth - 1));  // the top layer is the web layer
  std::stable_sort(layer_of.begin(), layer_of.end());
  std::set<std::string> used;
  std::vector<Shape> shapes;
  std::map<int, std::vector<int>> by_layer;
  for (int layer : layer_of) {
    Shape s;
    std::string word;
    do word = words()[static_cast<std::size_t>(rng.below(static_cast<int>(words().size())))] +
              words()[static_cast<std::size_t>(rng.below(static_cast<int>(words().size())))];
    while (!used.insert(word).second);
    s.name = fmt::format("{}-{}", o.prefix, word);
    s.cls = o.prefix + word;
    s.author = authors()[static_cast<std::size_t>(rng.below(static_cast<int>(authors().size())))];
    s.layer = layer;
    s.old_n = rng.between(1, 60);
    s.new_n = s.old_n + rng.between(1, 4);
    s.has_initialize = rng.below(3) == 0;
    s.inherits_from_dep = rng.below(2) == 0;
    const int index = static_cast<int>(shapes.size());
    if (layer > 0) {
      const auto& below = by_layer[layer - 1];
      s.chain_dep = below[static_cast<std::size_t>(rng.below(static_cast<int>(below.size())))];
      for (int k = rng.below(3); k > 0; --k) {
        const int d = rng.below(index);
        if (d != s.chain_dep && shapes[static_cast<std::size_t>(d)].layer < layer &&
            std::find(s.extra_deps.begin(), s.extra_deps.end(), d) == s.extra_deps.end())
          s.extra_deps.push_back(d);
      }
      std::sort(s.extra_deps.begin(), s.extra_deps.end());
    }
    by_layer[layer].push_back(index);
    shapes.push_back(std::move(s));
  }
  GeneratedApp app;
  app.longest_chain = longest_chain(shapes);
  const int top = by_layer.rbegin()->first;
  const int web = by_layer[top].front();  // the package with the session class

  // 2. Packages. Fixed methods first (what requests run), then filler up to the total.
  const auto build = [&](bool is_new) {
    std::vector<Package> release;
    const std::string svc = is_new ? "svcV2" : "svc";  // the new entry points call new code only
    const int fixed_per_package = 4;
    const int filler_total = std::max(0, o.methods - fixed_per_package * o.packages - static_cast<int>(o.requests.size()));
    Rng body_rng(o.seed * 7919 + (is_new ? 2 : 1));
    for (std::size_t i = 0; i < shapes.size(); ++i) {
      const Shape& s = shapes[i];
      Package p;
      p.name = s.name;
      p.version = is_new ? s.new_n : s.old_n;
      p.version_name = fmt::format("{}-{}.{}", s.name, s.author, p.version);
      if (s.chain_dep >= 0) {
        const Shape& d = shapes[static_cast<std::size_t>(s.chain_dep)];
        Requirement r{d.name};
        if (is_new) r.min_version = d.new_n, r.max_version = d.new_n + 3;  // a range, as Metacello baselines give
        else r.min_version = d.old_n;
        p.requirements.push_back(r);
      }
      for (int d : s.extra_deps) p.requirements.push_back(Requirement{shapes[static_cast<std::size_t>(d)].name});
      const std::string meta = upgrader::metaclass_of(s.cls);
      ClassDef c;
      c.name = s.cls;
      c.superclass = s.chain_dep >= 0 && s.inherits_from_dep ? shapes[static_cast<std::size_t>(s.chain_dep)].cls : "Object";
      c.fields = {"f", "n"};
      if (is_new) c.fields.push_back("note");  // reshaped in the new release
      c.class_fields = {"hits"};
      c.class_vars = {"Registry"};
      p.classes.push_back(c);
      // The service chain: class side, each layer calling the one below.
      std::vector<Step> body{cpu(is_new ? 25 : 20), add("hits", 1), add("Registry", 1),
                             send(fmt::format("genTag{}", s.cls), "self")};
      if (s.chain_dep >= 0) body.push_back(send(svc, upgrader::metaclass_of(shapes[static_cast<std::size_t>(s.chain_dep)].cls)));
      p.methods.push_back(method(meta, svc, body));
      if (is_new) p.methods.push_back(method(meta, "svc", body));  // old callers still work on the new release
      // An extension method on a kernel class (Object: class objects understand it too).
      p.methods.push_back(method("Object", fmt::format("genTag{}", s.cls), {cpu(2), answer(std::int64_t{1})}));
      // A binary selector and an instance method.
      p.methods.push_back(method(s.cls, "=", {read("f"), answer(std::int64_t{is_new ? 2 : 1})}));
      if (!is_new) p.methods.push_back(method(s.cls, "touch", {add("n", 1)}));
      if (s.has_initialize)
        p.methods.push_back(method(meta, "initialize", {set("Registry", std::int64_t{0}), set("hits", std::int64_t{0})}));
      if (static_cast<int>(i) == web) {
        ClassDef session;
        session.name = o.session_class;
        session.superclass = "Object";
        session.fields = {"item", "visits"};
        p.classes.push_back(session);
        for (std::size_t r = 0; r < o.requests.size(); ++r) {
          std::vector<Step> entry{add("visits", 1), send(svc, meta)};
          if (r % 2 == 1) entry.insert(entry.begin(), {make(s.cls, "item"), send("=", "item")});
          p.methods.push_back(method(o.session_class, o.requests[r], entry));
        }
      }
      // Filler: what real packages mostly are — methods no request here runs.
      const int filler = filler_total / o.packages + (static_cast<int>(i) < filler_total % o.packages ? 1 : 0);
      static const std::vector<std::string> kernel{"Object", "String", "Number", "Collection", "Integer", "Symbol"};
      static const std::vector<std::string> binary{"<", "<=", ">", "+", "-", "*", ",", "->"};
      for (int k = 0; k < filler; ++k) {
        const int kind = body_rng.below(10);
        std::vector<Step> b{cpu(body_rng.between(1, 5)), add("n", body_rng.between(1, 9))};
        if (kind == 0) {
          p.methods.push_back(method(kernel[static_cast<std::size_t>(body_rng.below(static_cast<int>(kernel.size())))],
                                     fmt::format("gen{}{}", s.cls, k), {cpu(body_rng.between(1, 5))}));
        } else if (kind <= 2) {
          p.methods.push_back(method(meta, fmt::format("cm{}", k), {cpu(body_rng.between(1, 5)), add("hits", 1)}));
        } else if (kind == 3 && k < static_cast<int>(binary.size())) {
          p.methods.push_back(method(s.cls, binary[static_cast<std::size_t>(k)], b));
        } else {
          p.methods.push_back(method(s.cls, fmt::format("m{}", k), b));
        }
      }
      release.push_back(std::move(p));
    }
    std::sort(release.begin(), release.end(), [](const Package& a, const Package& b) { return a.name < b.name; });
    return release;
  };
  app.old_release = build(false);
  app.new_release = build(true);

  // Name order must not be a dependency order (that is the hazard the app is for).
  std::set<std::string> seen;
  bool out_of_order = false;
  for (const Package& p : app.new_release) {
    for (const Requirement& r : p.requirements) out_of_order |= !seen.contains(r.package);
    seen.insert(p.name);
  }
  if (!out_of_order) throw std::invalid_argument(fmt::format("gen: seed {} happens to give names in dependency order; pick another", o.seed));
  return app;
}

}  // namespace scenarios
