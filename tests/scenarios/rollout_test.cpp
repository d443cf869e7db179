// Issue 14, rolling upgrade: the balancer's drain and release pinning, and the rollout taking
// one image at a time through a whole run.
#include <gtest/gtest.h>

#include <regex>

#include "scenarios/engine.hpp"
#include "scenarios/engine/balancer.hpp"
#include "scenarios/oracles/oracles.hpp"

namespace scenarios {
namespace {

struct ThreeImages {
  sim::World world{sim::WorldConfig{}};
  std::vector<std::unique_ptr<ServerProcesses>> images;
  ThreeImages() {
    for (int i = 0; i < 3; ++i) {
      upgrader::ServerConfig c;
      c.snapshot = "image-" + std::to_string(i) + ".snapshot";
      images.push_back(std::make_unique<ServerProcesses>(world, c, [] { return upgrader::make_policy("safe"); },
                                                         "image-" + std::to_string(i)));
      images.back()->make_current(images.back()->start());
    }
  }
  std::vector<ServerProcesses*> all() {
    std::vector<ServerProcesses*> out;
    for (auto& p : images) out.push_back(p.get());
    return out;
  }
};

TEST(Balancer, ADrainedImageGetsNoRequestNewOrStickyAndCountsItsRequestsInFlight) {
  ThreeImages c;
  Balancer b(c.all(), "sticky");
  const Balancer::Route first = b.route(1, 1);  // session 1 starts on image 1
  EXPECT_EQ(first.image, 1);
  EXPECT_EQ(b.in_flight(1), 1);
  b.drain(1, true);
  EXPECT_EQ(b.in_flight(1), 1) << "the drain waits for it";
  for (int k = 2; k < 6; ++k) {
    const Balancer::Route r = b.route(1, k);
    EXPECT_EQ(r.image, 2) << "moved to the next image in service";
    b.finished(r);
  }
  EXPECT_EQ(b.route(4, 1).image, 2) << "session 4 (image 1 at first) too";
  b.finished(first);
  EXPECT_EQ(b.in_flight(1), 0);
  b.drain(1, false);
  EXPECT_EQ(b.route(1, 6).image, 2) << "sticky: it stays where it moved";
  EXPECT_EQ(b.route(7, 1).image, 1) << "a new session goes to image 1 again";
}

TEST(Balancer, ASessionServedTheNewReleaseIsNeverSentBackToTheOld) {
  ThreeImages c;
  Balancer b(c.all(), "round-robin");
  b.upgraded(0, 1);  // image 0 took deploy 1
  EXPECT_EQ(b.route(0, 0).image, 0);  // (0 + 0) mod 3: image 0, the new release
  for (int k = 1; k < 6; ++k) EXPECT_EQ(b.route(0, k).image, 0) << "request " << k;
  c.images[0]->kill_current();
  EXPECT_EQ(b.route(0, 6).process, nullptr) << "refused rather than served the old release";
  EXPECT_EQ(b.route(1, 1).image, 2) << "a session that never met it goes anywhere up";
}

TEST(Balancer, WithoutARolloutRoutingIsAsBefore) {
  ThreeImages c;
  Balancer b(c.all(), "sticky");
  EXPECT_EQ(b.route(2, 1).image, 2);
  c.images[2]->kill_current();
  EXPECT_EQ(b.route(2, 2).image, 0) << "failover to the next image up";
}

// The rollout's notes in the trace: drained and back, image by image, never two out at once,
// and with safe every image comes back on the new release.
TEST(ClusterRollout, OneImageAtATimeInOrderAndEachComesBackUpgraded) {
  const Scenario sc = load_scenario(std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/rolling-upgrade.toml");
  for (std::uint64_t seed = 0; seed < 3; ++seed) {
    RunSettings st;
    st.seed = seed;
    st.keep_trace = true;
    const RunReport r = run_scenario(sc, "safe", st);
    EXPECT_TRUE(r.violations.empty()) << "seed " << seed << ": " << r.violations.front().oracle;
    EXPECT_TRUE(r.upgraded) << "seed " << seed;
    std::vector<std::string> steps;
    const std::regex note(R"(rollout: (image-\d) (drained|took deploy 1 and is back))");
    for (auto it = std::sregex_iterator(r.trace.begin(), r.trace.end(), note); it != std::sregex_iterator(); ++it)
      steps.push_back((*it)[1].str() + ((*it)[2].str() == "drained" ? " out" : " back"));
    const std::vector<std::string> expected{"image-0 out", "image-0 back", "image-1 out", "image-1 back", "image-2 out", "image-2 back"};
    EXPECT_EQ(steps, expected) << "seed " << seed;
  }
}

// drained-upgrade over hand-made logs: the cases a shipped rollout never produces (an image
// changing release in service, or under a request the drain did not wait for), and a boot.
Mark at(std::int64_t ms, std::uint64_t step) { return {sim::Time(std::chrono::milliseconds(ms)), step, 0}; }
ReleaseState release(int r) { return {{r >= 1}, r}; }

std::vector<std::string> drained_upgrade(const Observation& image) {
  Verdicts v;
  judge_rollout({Observation{}, image}, v);
  std::vector<std::string> out;
  for (const Violation& x : v.violations) out.push_back(x.where + ": " + x.why);
  if (!v.exercised.contains("drained-upgrade")) out.push_back("not exercised");
  return out;
}

TEST(ClusterRollout, DrainedUpgradeFiresInServiceAndUnderARequestNotAtABoot) {
  Observation o;
  o.image_changes = {{at(0, 1), 0, release(0)}, {at(5000, 50), 0, release(1)}};
  o.drains = {{1, at(4000, 40), at(6000, 60)}};
  EXPECT_TRUE(drained_upgrade(o).empty()) << "upgraded while drained, no request there";

  o.drains = {{1, at(5500, 55), at(6000, 60)}};
  auto found = drained_upgrade(o);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found.front().find("image-1: its live image changed to release 1 at 0:00:05.000 while it was in service"), std::string::npos)
      << found.front();

  o.drains = {{1, at(4000, 40), std::nullopt}};
  RequestSeen r;
  r.session = 3;
  r.number = 7;
  r.start = sim::Time(std::chrono::milliseconds(3990));
  r.mark = at(5010, 51);  // ended after the change: the drain timed out on it
  o.requests.push_back(r);
  found = drained_upgrade(o);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found.front().find("under request 7 of session-3"), std::string::npos) << found.front();

  Observation boot;  // a restarted process's first look at its image is not a change
  boot.image_changes = {{at(0, 1), 0, release(0)}, {at(9000, 90), 1, release(1)}};
  EXPECT_EQ(drained_upgrade(boot), std::vector<std::string>{"not exercised"});
}

}  // namespace
}  // namespace scenarios
