// Monticello's shapes in the package format (issue 13): class-side methods and class-side
// initialize, class variables and class-instance variables, extension methods on kernel
// classes, binary selectors, Monticello version names, requirements with no version or a
// range; each parsed, installed and run, and each malformed one refused with file:line.
#include <gtest/gtest.h>

#include "scenarios/sim_runtime.hpp"
#include "upgrader/checksum.hpp"
#include "upgrader/interpreter.hpp"
#include "upgrader/release.hpp"
#include "upgrader/server.hpp"

namespace upgrader {
namespace {

std::string sealed(const std::string& body) { return body + "\n# hotsim-checksum " + checksum_text(body + "\n") + "\n"; }
Package package(const std::string& body, const std::string& source = "test.pkg") { return parse_package(sealed(body), source); }

const char* kCounter = R"([package]
name = "Counter"
version = "Counter-ramon.12"
[[class]]
name = "Counter"
fields = ["n"]
class_fields = ["made"]
class_vars = ["Total"]
[[class]]
name = "BigCounter"
superclass = "Counter"
[[method]]
class = "Counter class"
selector = "initialize"
body = [ { set = "made", value = 0 }, { set = "Total", value = 100 } ]
[[method]]
class = "Counter class"
selector = "bump"
body = [ { add = "made", value = 1 }, { add = "Total", value = 1 }, { answer = "field:Total" } ]
[[method]]
class = "Counter"
selector = "+"
body = [ { add = "n", value = 1 }, { add = "Total", value = 10 }, { answer = "field:Total" } ]
[[method]]
class = "BigCounter"
selector = "tick"
body = [ { send = "+" }, { send = "bump", to = "BigCounter class" }, { send = "shout", to = "self" }, { answer = "field:Total" } ]
[[method]]
class = "String"
selector = "shout"
body = [ { cpu_us = 1 } ]
[[method]]
class = "Object"
selector = "shout"
body = [ { cpu_us = 2 } ]
)";

TEST(PackageFormat, MonticelloVersionNamesAreOrderedByTheirNumber) {
  const Package p = package(kCounter);
  EXPECT_EQ(p.version, 12);
  EXPECT_EQ(p.version_name, "Counter-ramon.12");
  EXPECT_EQ(monticello_version("Counter-ramon.12", "Counter"), 12);
  EXPECT_EQ(monticello_version("Counter-a-b.7", "Counter"), 7);
  EXPECT_EQ(monticello_version("Counter-ramon.x", "Counter"), std::nullopt);
  EXPECT_EQ(monticello_version("Other-ramon.3", "Counter"), std::nullopt);
  EXPECT_EQ(monticello_version("Counter-ramon.012", "Counter"), std::nullopt);
  EXPECT_EQ(monticello_version("Counter.3", "Counter"), std::nullopt);
}

TEST(PackageFormat, RequirementsWithoutVersionOrWithARange) {
  const Package p = package(R"([package]
name = "App"
version = 1
requires = [ { package = "A" }, { package = "B", version = 3 }, { package = "C", version = ">= 2, < 5" }, { package = "D", version = "= 4" } ])");
  ASSERT_EQ(p.requirements.size(), 4u);
  EXPECT_TRUE(p.requirements[0].accepts(1));
  EXPECT_TRUE(p.requirements[0].accepts(999));
  EXPECT_FALSE(p.requirements[1].accepts(2));
  EXPECT_TRUE(p.requirements[1].accepts(3));
  EXPECT_FALSE(p.requirements[2].accepts(1));
  EXPECT_TRUE(p.requirements[2].accepts(4));
  EXPECT_FALSE(p.requirements[2].accepts(5));
  EXPECT_TRUE(p.requirements[3].accepts(4));
  EXPECT_FALSE(p.requirements[3].accepts(5));
  EXPECT_EQ(p.requirements[2].line, 4);

  Release r = Release::fresh();
  r.packages = {{"A", 1}, {"B", 3}, {"C", 5}, {"D", 4}};
  const auto unmet = r.unmet_requirements(p);
  ASSERT_EQ(unmet.size(), 1u);
  EXPECT_NE(unmet[0].find("C >= 2, <= 4 (installed: 5)"), std::string::npos) << unmet[0];
}

TEST(PackageFormat, BinarySelectorsAndClassSideNamesParse) {
  const Package p = package(kCounter);
  ASSERT_EQ(p.classes.size(), 2u);
  EXPECT_EQ(p.classes[0].class_fields, std::vector<std::string>{"made"});
  EXPECT_EQ(p.classes[0].class_vars, std::vector<std::string>{"Total"});
  EXPECT_EQ(p.methods[0].class_name, "Counter class");
  EXPECT_EQ(p.methods[2].selector, "+");
  EXPECT_EQ(p.methods[3].body[1].target, "BigCounter class");
  for (const char* ok : {"=", "<=", ",", "->", "~~", "at:put:", "printOn:", "+"}) EXPECT_TRUE(valid_selector(ok)) << ok;
  for (const char* bad : {"", "a b", "a.b", "====", "=a"}) EXPECT_FALSE(valid_selector(bad)) << bad;
}

struct Case {
  const char* body;
  int line;
  const char* expected;
};

TEST(PackageFormat, MalformedShapesSayFileLineAndWhatWasExpected) {
  const Case cases[] = {
      {"[package]\nname = \"A\"\nversion = \"B-x.1\"\n", 3, "Monticello version \"A-<author>.<N>\""},
      {"[package]\nname = \"A\"\nversion = \"A-x.0\"\n", 3, "Monticello version"},
      {"[package]\nname = \"A\"\nversion = 1\nrequires = [ { package = \"B\", version = \"about 2\" } ]\n", 4, "bounds such as"},
      {"[package]\nname = \"A\"\nversion = 1\nrequires = [ { package = \"B\", version = \">= 5, < 3\" } ]\n", 4, "admits no version"},
      {"[package]\nname = \"A\"\nversion = 1\nrequires = [ { package = \"B\" }, { package = \"B\" } ]\n", 4, "required twice"},
      {"[package]\nname = \"A\"\nversion = 1\n[[method]]\nclass = \"C\"\nselector = \"a b\"\nbody = []\n", 6, "expected a selector"},
      {"[package]\nname = \"A\"\nversion = 1\n[[method]]\nclass = \"C klass\"\nselector = \"a\"\nbody = []\n", 5, "' class' for the class side"},
      {"[package]\nname = \"A\"\nversion = 1\n[[class]]\nname = \"C\"\nfields = [\"x\"]\nclass_vars = [\"x\"]\n", 4, "also an instance variable"},
      {"[package]\nname = \"A\"\nversion = 1\n[[class]]\nname = \"C\"\nclass_fields = [\"x\"]\nclass_vars = [\"x\"]\n", 7, "declared twice"},
  };
  for (const Case& c : cases) {
    try {
      parse_package(sealed(c.body), "staging/A.pkg");
      ADD_FAILURE() << "accepted: " << c.body;
    } catch (const PackageError& e) {
      EXPECT_EQ(e.line(), c.line) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.expected), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).rfind("staging/A.pkg:", 0), 0u) << e.what();
    }
  }
}

TEST(PackageFormat, KernelClassesCanBeExtendedButNotRedefined) {
  Release r = Release::fresh();
  for (const char* k : {"Object", "String", "Number", "Collection", "Integer", "Symbol", "Object class"})
    EXPECT_TRUE(r.classes.contains(k)) << k;
  EXPECT_EQ(r.gap(), "");
  r.apply(package(kCounter), true);
  EXPECT_EQ(r.gap(), "");
  ASSERT_NE(r.lookup("Symbol", "shout"), nullptr);
  EXPECT_EQ(r.lookup("Symbol", "shout")->class_name, "String") << "Symbol inherits String's extension";
  EXPECT_EQ(r.lookup("Counter", "shout")->class_name, "Object");
  EXPECT_EQ(r.lookup("Counter class", "shout")->class_name, "Object") << "a class is an Object too";
  EXPECT_EQ(r.lookup("BigCounter class", "bump")->class_name, "Counter class") << "class side inherits";
  try {
    r.apply(package("[package]\nname = \"B\"\nversion = 1\n[[class]]\nname = \"String\"\n", "B.pkg"), true);
    ADD_FAILURE() << "redefined String";
  } catch (const LoadError& e) {
    EXPECT_NE(std::string(e.what()).find("B.pkg:4: class 'String' is a kernel class"), std::string::npos) << e.what();
  }
}

// The shapes at run time: class-side initialize sets a class variable and a class-instance
// variable; the class side and the instance side share the class variable; a subclass
// shares it too but has its own class-instance variables.
TEST(PackageFormat, ClassSideStateAtRunTime) {
  sim::World world{sim::WorldConfig{}};
  scenarios::SimRuntime rt{world};
  ServerConfig cfg;
  Server server(rt, cfg, make_policy("safe"));
  const Package p = package(kCounter);
  std::vector<Value> answers;
  world.spawn("request", 30, [&] {
    server.image().install(p, true);
    server.run_initializers(p);
    Interpreter in(server.image(), rt);
    const ObjectId counter = server.image().class_object("Counter class");
    answers.push_back(in.send(counter, "bump", server.image().current(), nullptr));  // Total 100 -> 101
    const ObjectId big = server.image().new_object("BigCounter");
    answers.push_back(in.send(big, "tick", server.image().current(), nullptr));      // +10, bump +1 -> 112
    answers.push_back(in.send(big, "+", server.image().current(), nullptr));         // 122
  });
  const sim::RunResult r = world.run();
  ASSERT_EQ(r.outcome, sim::Outcome::Completed) << r.summary();
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[0], Value{std::int64_t{101}});
  EXPECT_EQ(answers[1], Value{std::int64_t{112}});
  EXPECT_EQ(answers[2], Value{std::int64_t{122}});
  Image& image = server.image();
  EXPECT_EQ(image.object(image.class_object("Counter class")).fields.at("made"), Value{std::int64_t{1}});
  EXPECT_EQ(image.object(image.class_object("BigCounter class")).fields.at("made"), Value{std::int64_t{1}})
      << "class-instance variables are per class";
  EXPECT_FALSE(image.object(image.class_object("BigCounter class")).fields.contains("Total"))
      << "a class variable lives in the class that declares it only";
}

TEST(PackageFormat, SealingWritesOrReplacesTheTrailer) {
  const std::string body = "[package]\nname = \"A\"\nversion = 1\n";
  const std::string once = seal_package_text(body);
  EXPECT_NO_THROW(parse_package(once, "A.pkg"));
  EXPECT_EQ(seal_package_text(once), once) << "sealing a sealed file changes nothing";
  std::string edited = once;
  edited.replace(edited.find("version = 1"), 11, "version = 2");
  EXPECT_THROW(parse_package(edited, "A.pkg"), PackageError) << "an edit breaks the seal";
  EXPECT_EQ(parse_package(seal_package_text(edited), "A.pkg").version, 2) << "resealing makes it valid";
  EXPECT_NO_THROW(parse_package(seal_package_text("[package]\nname = \"A\"\nversion = 1"), "A.pkg")) << "no final newline";
}

}  // namespace
}  // namespace upgrader
