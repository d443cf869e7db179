#include "upgrader/package.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "upgrader/app_files.hpp"
#include "upgrader/checksum.hpp"
#include "upgrader/release.hpp"

namespace upgrader {
namespace {

using testing_support::app_dir;
using testing_support::read_text;

// Appends a valid trailer, so tests can write package bodies by hand.
std::string sealed(std::string body) { return body + "\n# hotsim-checksum " + checksum_text(body + "\n") + "\n"; }

TEST(Package, TheSampleAppParsesAndInstallsInDependencyOrder) {
  Release r;
  for (const auto* dir : {"old", "new"}) {
    for (const auto& f : (std::string(dir) == "old" ? testing_support::v1_files() : testing_support::v2_files())) {
      const std::string path = app_dir() + "/" + dir + "/" + f;
      Package p = parse_package(read_text(path), path);
      r.apply(p, true);
    }
  }
  EXPECT_EQ(r.packages.at("Shop-Web"), 2);
  EXPECT_NE(r.lookup("Cart", "checkout"), nullptr);
  EXPECT_EQ(r.all_fields("Cart"), (std::vector<std::string>{"items", "total", "logger", "coupon"}));
}

struct BadCase {
  const char* body;
  int line;
  const char* expected;
};

TEST(Package, MalformedPackagesSayFileLineAndWhatWasExpected) {
  const BadCase cases[] = {
      {"[package]\nname = \"A\"\n", 1, "needs 'version'"},
      {"[package]\nname = \"A\"\nversion = 0\n", 3, "at least 1"},
      {"[package]\nname = \"A\"\nversion = 1\nfoo = 2\n", 4, "unknown key 'foo'"},
      {"[package]\nname = \"A\"\nversion = 1\n[[class]]\nname = \"C\"\nsuperclass = \"C\"\n", 4, "its own superclass"},
      {"[package]\nname = \"A\"\nversion = 1\n[[method]]\nclass = \"C\"\nselector = \"s\"\nbody = [ { sned = \"x\" } ]\n", 7, "exactly one of"},
      {"[package]\nname = \"A\"\nversion = 1\n[[method]]\nclass = \"C\"\nselector = \"s\"\nbody = [ { cpu_us = -1 } ]\n", 7, "at least 0"},
      {"[package]\nname = \"A\"\nversion = = 1\n", 3, "TOML"},
      {"[package]\nname = \"../x\"\nversion = 1\n", 2, "expected letters"},
  };
  for (const BadCase& c : cases) {
    try {
      parse_package(sealed(c.body), "staging/A.pkg");
      ADD_FAILURE() << "accepted: " << c.body;
    } catch (const PackageError& e) {
      EXPECT_EQ(e.file(), "staging/A.pkg");
      EXPECT_EQ(e.line(), c.line) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.expected), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).rfind("staging/A.pkg:", 0), 0u) << e.what();
    }
  }
}

TEST(Package, TornAndAlteredUploadsAreRefused) {
  const std::string path = app_dir() + "/new/Shop-Model-2.pkg";
  const std::string good = read_text(path);
  for (std::size_t cut : {std::size_t{0}, good.size() / 3, good.size() - 30}) {
    try {
      parse_package(good.substr(0, cut), "Shop-Model-2.pkg");
      ADD_FAILURE() << "accepted a file cut at " << cut;
    } catch (const PackageError& e) {
      EXPECT_NE(std::string(e.what()).find("upload"), std::string::npos) << e.what();
    }
  }
  std::string altered = good;
  altered[altered.find("value = 9")] = 'V';
  EXPECT_THROW(parse_package(altered, "x.pkg"), PackageError);
}

TEST(Release, MissingSuperclassOrUnmetRequirementIsALoadError) {
  Release r;
  Package p = parse_package(sealed("[package]\nname = \"A\"\nversion = 1\nrequires = [ { package = \"B\", version = 2 } ]\n"
                                   "[[class]]\nname = \"C\"\nsuperclass = \"Missing\"\n"),
                            "A.pkg");
  EXPECT_THROW(r.apply(p, true), LoadError);
  EXPECT_THROW(r.apply(p, false), LoadError);  // the superclass is still missing
  EXPECT_TRUE(r.classes.empty()) << "a failed load changes nothing";
}

// Generated packages survive render -> parse unchanged.
RC_GTEST_PROP(Package, RenderThenParseIsTheIdentity, ()) {
  Package p;
  p.name = "P" + std::to_string(*rc::gen::inRange(0, 1000));
  p.version = *rc::gen::inRange<std::int64_t>(1, 100);
  if (*rc::gen::arbitrary<bool>())  // a Monticello version name
    p.version_name = p.name + "-" + *rc::gen::element<std::string>("ramon", "dc", "a-b_c") + "." + std::to_string(p.version);
  for (int r = *rc::gen::inRange(0, 4); r > 0; --r) {
    Requirement q{"R" + std::to_string(r)};
    switch (*rc::gen::inRange(0, 3)) {
      case 0: break;  // any version
      case 1: q.min_version = *rc::gen::inRange<std::int64_t>(1, 50); break;
      default:
        q.min_version = *rc::gen::inRange<std::int64_t>(0, 50);
        q.max_version = q.min_version + *rc::gen::inRange<std::int64_t>(0, 50);
    }
    p.requirements.push_back(q);
  }
  const int classes = *rc::gen::inRange(0, 4);
  for (int c = 0; c < classes; ++c) {
    ClassDef def{"C" + std::to_string(c), c == 0 ? "Object" : "C0", {}, {}, {}, 0};
    for (int f = *rc::gen::inRange(0, 4); f > 0; --f) def.fields.push_back("f" + std::to_string(f));
    for (int f = *rc::gen::inRange(0, 3); f > 0; --f) def.class_fields.push_back("ci" + std::to_string(f));
    for (int f = *rc::gen::inRange(0, 3); f > 0; --f) def.class_vars.push_back("Cv" + std::to_string(f));
    p.classes.push_back(def);
    // Instance side or class side; unary, keyword or binary selectors.
    const std::string selector = *rc::gen::element<std::string>("m" + std::to_string(c), "at:put:", "=", "<=", ",", "->", "+");
    MethodDef m{*rc::gen::arbitrary<bool>() ? metaclass_of(def.name) : def.name, selector, {}, 0};
    for (int s = *rc::gen::inRange(0, 5); s > 0; --s) {
      Step step{};
      step.kind = *rc::gen::element(Step::Kind::Send, Step::Kind::Add, Step::Kind::Cpu, Step::Kind::Set);
      step.name = step.kind == Step::Kind::Send ? *rc::gen::element<std::string>("x", "=", "at:", "~~") : "x";
      step.target = step.kind == Step::Kind::Send ? *rc::gen::element<std::string>("self", "field", "C0 class") : "self";
      if (step.kind == Step::Kind::Add) step.value = std::int64_t{*rc::gen::inRange(-5, 5)};
      if (step.kind == Step::Kind::Set) step.value = std::string("v");
      if (step.kind == Step::Kind::Cpu) step.micros = *rc::gen::inRange(0, 1000);
      m.body.push_back(step);
    }
    p.methods.push_back(m);
  }
  const Package q = parse_package(render_package(p), "gen.pkg");
  RC_ASSERT(render_package(q) == render_package(p));
  RC_ASSERT(q.version == p.version);
  RC_ASSERT(q.version_name == p.version_name);
  RC_ASSERT(q.requirements.size() == p.requirements.size());
  for (std::size_t i = 0; i < q.requirements.size(); ++i) {
    RC_ASSERT(q.requirements[i].min_version == p.requirements[i].min_version);
    RC_ASSERT(q.requirements[i].max_version == p.requirements[i].max_version);
  }
  for (std::size_t i = 0; i < q.classes.size(); ++i) {
    RC_ASSERT(q.classes[i].class_fields == p.classes[i].class_fields);
    RC_ASSERT(q.classes[i].class_vars == p.classes[i].class_vars);
  }
  for (std::size_t i = 0; i < q.methods.size(); ++i) {
    RC_ASSERT(q.methods[i].class_name == p.methods[i].class_name);
    RC_ASSERT(q.methods[i].selector == p.methods[i].selector);
  }
}

}  // namespace
}  // namespace upgrader
