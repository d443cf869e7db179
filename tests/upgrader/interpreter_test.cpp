// The interpreter and the image: sends, lookup through superclasses, doesNotUnderstand,
// reshaping, housekeeping.
#include <gtest/gtest.h>

#include "scenarios/sim_runtime.hpp"
#include "upgrader/checksum.hpp"
#include "upgrader/interpreter.hpp"
#include "upgrader/shop_harness.hpp"

namespace upgrader {
namespace {

using namespace std::chrono_literals;

Package package(const std::string& body) {
  return parse_package(body + "\n# hotsim-checksum " + checksum_text(body + "\n") + "\n", "test.pkg");
}

struct Fixture {
  sim::World world{sim::WorldConfig{}};
  scenarios::SimRuntime rt{world};
  Image image;
  Interpreter interpreter{image, rt};

  // Runs `fn` inside a fiber (sends are yield points) and returns what it recorded.
  void in_fiber(std::function<void()> fn) {
    world.spawn("request", 30, std::move(fn));
    const sim::RunResult r = world.run();
    ASSERT_EQ(r.outcome, sim::Outcome::Completed) << r.summary();
  }
};

const char* kBase = R"([package]
name = "Base"
version = 1
[[class]]
name = "Animal"
fields = ["legs"]
[[class]]
name = "Dog"
superclass = "Animal"
fields = ["name"]
[[method]]
class = "Animal"
selector = "walk"
body = [ { add = "legs", value = 4 }, { answer = "field:legs" } ]
[[method]]
class = "Dog"
selector = "fetch"
body = [ { send = "walk" }, { send = "bark" } ]
)";

TEST(Interpreter, LooksUpThroughSuperclassesAndNamesClassAndSelectorOnFailure) {
  Fixture f;
  f.image.install(package(kBase), true);
  const ObjectId dog = f.image.new_object("Dog");
  f.in_fiber([&] {
    EXPECT_EQ(f.interpreter.send(dog, "walk", nullptr, nullptr), Value{std::int64_t{4}});
    try {
      f.interpreter.send(dog, "fetch", nullptr, nullptr);
      ADD_FAILURE() << "bark is not defined";
    } catch (const MessageNotUnderstood& e) {
      EXPECT_EQ(e.class_name(), "Dog");
      EXPECT_EQ(e.selector(), "bark");
      EXPECT_STREQ(e.what(), "Dog doesNotUnderstand: #bark");
    }
  });
}

TEST(Interpreter, EverySendIsAYieldPoint) {
  Fixture f;
  f.image.install(package(kBase), true);
  const ObjectId dog = f.image.new_object("Dog");
  std::vector<std::string> log;
  f.world.spawn("other", 30, [&] {
    for (int i = 0; i < 3; ++i) {
      log.push_back("other");
      f.world.yield();
    }
  });
  f.in_fiber([&] {
    for (int i = 0; i < 3; ++i) {
      f.interpreter.send(dog, "walk", nullptr, nullptr);
      log.push_back("send");
    }
  });
  EXPECT_NE(std::find(log.begin(), log.end(), "other"), log.end());
  EXPECT_EQ(std::count(log.begin(), log.end(), "send"), 3);
}

TEST(Image, ReshapingMigratesLiveInstancesNewFieldsStartNil) {
  Fixture f;
  f.image.install(package(kBase), true);
  const ObjectId dog = f.image.new_object("Dog");
  f.image.object(dog).fields["name"] = std::string("Rex");
  f.image.install(package(R"([package]
name = "Base"
version = 2
[[class]]
name = "Dog"
superclass = "Animal"
fields = ["name", "owner"]
[[method]]
class = "Dog"
selector = "owner"
body = [ { answer = "field:owner" } ]
)"),
                  true);
  const Object& obj = f.image.object(dog);
  EXPECT_EQ(obj.fields.at("name"), Value{std::string("Rex")});
  EXPECT_EQ(obj.fields.at("owner"), Value{});
  EXPECT_EQ(obj.fields.count("legs"), 1u) << "inherited fields stay";
  f.in_fiber([&] { EXPECT_EQ(f.interpreter.send(dog, "owner", nullptr, nullptr), Value{}); });
}

TEST(Interpreter, APinnedRequestKeepsItsReleaseWhileANewOneIsPublished) {
  Fixture f;
  f.image.install(package(kBase), true);
  const auto old_release = f.image.current();
  f.image.install(package(R"([package]
name = "Base"
version = 2
[[class]]
name = "Animal"
fields = ["legs"]
[[method]]
class = "Animal"
selector = "walk"
body = [ { add = "legs", value = 2 }, { answer = "field:legs" } ]
)"),
                  true);
  const ObjectId a = f.image.new_object("Animal");
  f.in_fiber([&] {
    EXPECT_EQ(f.interpreter.send(a, "walk", old_release, nullptr), Value{std::int64_t{4}});
    EXPECT_EQ(f.interpreter.send(a, "walk", nullptr, nullptr), Value{std::int64_t{6}});
  });
}

TEST(SafePolicy, HousekeepingExpiresIdleSessionsBeforeTheSnapshot) {
  testing_support::ShopRun run;
  run.policy = "safe";
  run.sessions = 3;
  run.idle_sessions = 50;
  const auto keep_all = testing_support::run_shop(run);
  run.config.session_timeout = 2s;  // the upgrade comes at 5 s: the idle ones have expired
  const auto housekept = testing_support::run_shop(run);
  bool expired = false;
  for (const auto& e : housekept.events) expired |= e.kind == "housekeeping" && e.detail == "50 idle sessions expired";
  EXPECT_TRUE(expired);
  EXPECT_LT(housekept.final_snapshot.size() + 50 * 50, keep_all.final_snapshot.size());
  EXPECT_TRUE(housekept.request_errors.empty()) << "active sessions are kept";
}

}  // namespace
}  // namespace upgrader
