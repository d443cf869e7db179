// Several deploys in one run (issue 12: N -> N+1 -> N+2, and deploys that overlap): the
// releases form a chain the oracles compute from the package files, a request is torn when
// it ran code of two releases, and the outcome is judged against the last release.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <stdexcept>

#include "scenarios/engine.hpp"
#include "scenarios/flawed_policies.hpp"
#include "scenarios/oracles/evidence.hpp"
#include "upgrader/image.hpp"
#include "upgrader/server.hpp"

namespace scenarios {
namespace {

const std::string kDefault = std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default/";

Scenario three_releases() { return load_scenario(kDefault + "three-releases.toml"); }

Releases chain(const Scenario& sc) { return read_releases(sc.app_dir, sc.old_packages, sc.new_packages, sc.next_packages); }

std::vector<upgrader::Package> uploaded_by(const Releases& r, int deploy) {
  std::vector<upgrader::Package> out;
  for (const std::size_t k : r.uploaded_by(deploy)) out.push_back(r.new_packages[k]);
  return out;
}

const upgrader::Package& package(const Releases& r, const std::string& name, std::int64_t version) {
  const auto* all = &r.new_packages;
  auto it = std::find_if(all->begin(), all->end(), [&](const auto& p) { return p.name == name && p.version == version; });
  if (it == all->end()) {
    all = &r.old_packages;
    it = std::find_if(all->begin(), all->end(), [&](const auto& p) { return p.name == name && p.version == version; });
  }
  if (it == all->end()) throw std::logic_error("no package " + name + " " + std::to_string(version));
  return *it;
}

TEST(ReleaseChain, EachDeployMakesTheNextReleaseFromThePackageFiles) {
  const Releases r = chain(three_releases());
  ASSERT_EQ(r.last(), 2);
  EXPECT_EQ(r.uploaded_by(1).size(), 4u);
  EXPECT_EQ(r.uploaded_by(2).size(), 3u);
  EXPECT_EQ(r.installable, (std::vector<bool>{true, true, true}));
  // Release 2 keeps Shop-Promo 1 from release 1 and replaces the rest.
  EXPECT_TRUE(r.versions[2].contains({"Shop-Promo", 1}));
  EXPECT_FALSE(r.versions[2].contains({"Shop-Kernel", 2}));
  EXPECT_EQ(r.holders.at({"Shop-Promo", 1}), 0b110u);
  EXPECT_EQ(r.holders.at({"Shop-Kernel", 1}), 0b001u);
  EXPECT_EQ(r.holders.at({"Shop-Kernel", 3}), 0b100u);

  // An image is the release it holds exactly, or none (a mixture).
  upgrader::Image image;
  ASSERT_TRUE(install_in_dependency_order(image, r.old_packages).empty());
  EXPECT_EQ(release_state(*image.current(), r).release, 0);
  ASSERT_TRUE(install_in_dependency_order(image, uploaded_by(r, 1)).empty());
  EXPECT_EQ(release_state(*image.current(), r).release, 1);
  upgrader::Image mixed;  // release 1 with one package of release 2
  install_in_dependency_order(mixed, r.old_packages);
  install_in_dependency_order(mixed, uploaded_by(r, 1));
  mixed.install(package(r, "Shop-Kernel", 3), true);
  EXPECT_EQ(release_state(*mixed.current(), r).release, -1);
  EXPECT_TRUE(release_state(*mixed.current(), r).torn());
  ASSERT_TRUE(install_in_dependency_order(image, uploaded_by(r, 2)).empty());
  const ReleaseState last = release_state(*image.current(), r);
  EXPECT_TRUE(last.is(2));
  EXPECT_FALSE(last.is(1));
  // Release 2 skipped over release 1 (a policy that loaded only the second deploy): its
  // requirements fail, so it never becomes release 2.
  upgrader::Image skipped;
  install_in_dependency_order(skipped, r.old_packages);
  EXPECT_FALSE(install_in_dependency_order(skipped, uploaded_by(r, 2)).empty()) << "Shop-Web 3 needs Shop-Promo 1";
}

TEST(ReleaseChain, ARequestIsTornWhenNoOneReleaseHoldsAllTheCodeItRan) {
  const Releases r = chain(three_releases());
  auto ran = [&](std::vector<std::pair<std::string, std::int64_t>> code) {
    RequestWitness w(r);
    for (const auto& [name, version] : code) {
      const upgrader::Package& p = package(r, name, version);
      upgrader::CompiledMethod m;
      m.class_name = p.classes.empty() ? "Object" : p.classes.front().name;
      m.selector = p.methods.front().selector;
      m.package = name;
      m.version = version;
      w.on_method(m);
    }
    return w;
  };
  EXPECT_FALSE(ran({{"Shop-Web", 1}, {"Shop-Kernel", 1}}).torn());
  EXPECT_FALSE(ran({{"Shop-Promo", 1}, {"Shop-Kernel", 2}}).torn()) << "both in release 1";
  EXPECT_FALSE(ran({{"Shop-Promo", 1}, {"Shop-Kernel", 3}}).torn()) << "both in release 2";
  EXPECT_TRUE(ran({{"Shop-Kernel", 2}, {"Shop-Kernel", 3}}).torn()) << "release 1 and release 2";
  EXPECT_TRUE(ran({{"Shop-Web", 1}, {"Shop-Model", 3}}).torn()) << "release 0 and release 2";
  const RequestWitness torn = ran({{"Shop-Model", 2}, {"Shop-Web", 3}});
  EXPECT_TRUE(torn.torn());
  EXPECT_TRUE(torn.ran_new());
  EXPECT_NE(torn.describe().find("(Shop-Model 2) of release 1 and"), std::string::npos) << torn.describe();
  EXPECT_NE(torn.describe().find("(Shop-Web 3) of release 2"), std::string::npos) << torn.describe();
  EXPECT_FALSE(ran({{"Shop-Web", 1}}).ran_new());
}

// safe takes both upgrades under load: it ends on the last release, no request ran two
// releases, and the oracles were exercised, not vacuous.
TEST(ThreeReleases, SafeEndsOnTheLastReleaseWithEveryOracleItNeedsExercised) {
  const Scenario sc = three_releases();
  for (std::uint64_t seed = 0; seed < 2; ++seed) {
    RunSettings st;
    st.seed = seed;
    const RunReport r = run_scenario(sc, "safe", st);
    EXPECT_TRUE(r.upgraded) << "seed " << seed;
    EXPECT_TRUE(r.violations.empty()) << r.violations.front().oracle << ": " << r.violations.front().why;
    for (const char* oracle : {"torn-request", "dnu-by-upgrade", "liveness", "eventual-upgrade", "clean-completion"})
      EXPECT_TRUE(r.exercised.contains(oracle)) << oracle << ", seed " << seed;
  }
}

// The flawed policy that keeps its first batch takes the first upgrade and fakes the
// second: liveness fires for the second trigger only, and the end state is judged against
// the last release.
TEST(ThreeReleases, AReinstalledFirstBatchIsCaughtAtTheSecondTriggerAndAgainstTheLastRelease) {
  testing_support::register_flawed_policies();
  RunSettings st;
  const RunReport r = run_scenario(three_releases(), testing_support::flaw_name(testing_support::Flaw::ReinstallsFirstBatch), st);
  std::vector<std::string> where;
  for (const Violation& v : r.violations) where.push_back(v.oracle + " at " + v.where);
  EXPECT_NE(std::find(where.begin(), where.end(), "liveness at upgrade 2"), where.end());
  EXPECT_EQ(std::find(where.begin(), where.end(), "liveness at upgrade"), where.end()) << "the first upgrade completed";
  const auto eventual = std::find_if(r.violations.begin(), r.violations.end(), [](const Violation& v) { return v.oracle == "eventual-upgrade"; });
  ASSERT_NE(eventual, r.violations.end());
  EXPECT_NE(eventual->why.find("holds release 1 at the end of the run, not release 2"), std::string::npos) << eventual->why;
  EXPECT_FALSE(r.upgraded);
}

// The overlap is real: the second upload writes into staging before the first deploy's
// trigger exists, and its own trigger comes only after the server took the first one.
TEST(OverlappingDeploys, TheSecondUploadBeginsInFlightAndTriggersOnlyOnceTheFirstIsTaken) {
  const Scenario sc = load_scenario(kDefault + "overlapping-deploys.toml");
  const upgrader::ServerConfig config;
  const std::string trigger = config.staging_dir + "/" + config.trigger;
  for (const char* policy : {"safe", "seed"}) {
    RunSettings st;
    st.keep_trace = true;
    const RunReport r = run_scenario(sc, policy, st);
    std::optional<std::int64_t> second_upload, first_trigger, taken, second_trigger;
    for (const sim::TraceEvent& e : r.events) {
      if (e.kind != sim::EventKind::Fs) continue;
      const std::string& fiber = r.fiber_names.at(e.fiber);
      const bool writes_trigger = e.detail == "rename " + trigger + ".tmp -> " + trigger || e.detail == "write " + trigger;
      if (fiber == "deployer-2" && !second_upload && e.detail.rfind("write " + config.staging_dir + "/Shop-", 0) == 0)
        second_upload = e.time_ns;
      if (fiber == "deployer" && writes_trigger && !first_trigger) first_trigger = e.time_ns;
      if (fiber != "deployer" && fiber != "deployer-2" && e.detail == "unlink " + trigger && !taken) taken = e.time_ns;
      if (fiber == "deployer-2" && writes_trigger && !second_trigger) second_trigger = e.time_ns;
    }
    ASSERT_TRUE(second_upload && first_trigger && taken && second_trigger) << policy;
    EXPECT_LT(*second_upload, *first_trigger) << policy << ": the deploys overlap";
    EXPECT_GT(*taken, *first_trigger) << policy;
    EXPECT_GE(*second_trigger, *taken) << policy << ": the second trigger never overwrites the first";
  }
}

}  // namespace
}  // namespace scenarios
