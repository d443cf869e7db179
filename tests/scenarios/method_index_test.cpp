#include "scenarios/oracles/method_index.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "scenarios/oracles/evidence.hpp"

namespace scenarios {
namespace {

upgrader::CompiledMethod method(std::string class_name, std::string selector, std::string package, std::int64_t version) {
  upgrader::CompiledMethod m;
  m.class_name = std::move(class_name);
  m.selector = std::move(selector);
  m.package = std::move(package);
  m.version = version;
  return m;
}

// Two releases: Shop-Model 1 in the old one only, Shop-Model 2 in the new one only.
Releases two_releases() {
  Releases r;
  r.contents.resize(2);
  r.holders[{"Shop-Model", 1}] = 1;
  r.holders[{"Shop-Model", 2}] = 2;
  return r;
}

TEST(MethodIndex, OneEntryPerLabelWithTheReleasesHoldingIt) {
  const Releases r = two_releases();
  MethodIndex index(r);
  const upgrader::CompiledMethod a = method("Cart", "total", "Shop-Model", 1);
  const upgrader::CompiledMethod twin = a;  // the same label elsewhere
  const MethodIndex::Entry& e = index.find(a);
  EXPECT_TRUE(e.held);
  EXPECT_EQ(e.bits, 1u);
  EXPECT_EQ(e.label, (MethodLabel{"Cart", "total", "Shop-Model", 1}));
  EXPECT_EQ(&index.find(a), &e);
  EXPECT_EQ(&index.find(twin), &e);
  EXPECT_FALSE(index.find(method("Object", "printString", "", 0)).held) << "code every release has";
  EXPECT_EQ(index.find(method("Cart", "total", "Shop-Model", 2)).bits, 2u);
  EXPECT_EQ(index.size(), 3u);
}

TEST(MethodIndex, AMethodBuiltWhereAFreedOneWasIsNotTakenForIt) {
  const Releases r = two_releases();
  MethodIndex index(r);
  upgrader::CompiledMethod m = method("Cart", "total", "Shop-Model", 1);
  const MethodIndex::Entry* first = &index.find(m);
  // A release freed and the next one's method built at the same address: each field counts.
  m.version = 2;
  EXPECT_EQ(std::get<3>(index.find(m).label), 2);
  EXPECT_EQ(index.find(m).bits, 2u);
  m = method("Cart", "total", "Shop-Promo", 1);
  EXPECT_FALSE(index.find(m).held);
  m = method("Cart", "subtotal", "Shop-Model", 1);
  EXPECT_EQ(std::get<1>(index.find(m).label), "subtotal");
  m = method("Order", "total", "Shop-Model", 1);
  EXPECT_EQ(std::get<0>(index.find(m).label), "Order");
  m = method("Cart", "total", "Shop-Model", 1);
  EXPECT_EQ(&index.find(m), first);
}

TEST(MethodIndex, MethodsSharingASlotAreEachFoundRight) {
  const Releases r = two_releases();
  MethodIndex index(r);
  std::vector<std::unique_ptr<upgrader::CompiledMethod>> methods;
  for (int i = 0; i < 5000; ++i)
    methods.push_back(std::make_unique<upgrader::CompiledMethod>(method("C", "s" + std::to_string(i), "Shop-Model", 1 + i % 2)));
  for (int round = 0; round < 2; ++round)
    for (const auto& m : methods) {
      const MethodIndex::Entry& e = index.find(*m);
      ASSERT_EQ(std::get<1>(e.label), m->selector);
      ASSERT_EQ(e.bits, static_cast<std::uint64_t>(m->version));
    }
  EXPECT_EQ(index.size(), methods.size());
}

TEST(MethodIndex, WitnessesSharingAnIndexSayWhatOwnOnesSay) {
  const Releases r = two_releases();
  MethodIndex shared(r);
  const upgrader::CompiledMethod old_total = method("Cart", "total", "Shop-Model", 1);
  const upgrader::CompiledMethod kernel = method("Object", "yourself", "", 0);
  const upgrader::CompiledMethod new_add = method("Cart", "add", "Shop-Model", 2);
  const upgrader::CompiledMethod old_add = method("Cart", "add", "Shop-Model", 1);
  RequestWitness own(r), with(r, shared);
  for (RequestWitness* w : {&own, &with})
    for (const auto* m : {&old_total, &kernel, &new_add, &old_total, &old_add, &new_add}) w->on_method(*m);
  EXPECT_TRUE(with.torn());
  EXPECT_TRUE(with.ran_new());
  EXPECT_EQ(with.describe(), "ran old Cart>>add (Shop-Model 1), Cart>>total (Shop-Model 1) and new Cart>>add (Shop-Model 2)");
  EXPECT_EQ(own.describe(), with.describe());
  RequestWitness clean(r, shared);
  clean.on_method(kernel);
  clean.on_method(old_total);
  EXPECT_FALSE(clean.torn());
  EXPECT_FALSE(clean.ran_new());
}

}  // namespace
}  // namespace scenarios
