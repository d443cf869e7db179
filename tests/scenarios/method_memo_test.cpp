#include "scenarios/oracles/method_memo.hpp"

#include <gtest/gtest.h>

#include <memory>

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

TEST(MethodMemo, RemembersAMethodByAddressAndContent) {
  const upgrader::CompiledMethod a = method("Cart", "total", "Shop-Model", 1);
  const upgrader::CompiledMethod twin = a;  // same content, elsewhere
  MethodMemo memo;
  EXPECT_FALSE(memo.contains(a));
  memo.remember(a);
  EXPECT_TRUE(memo.contains(a));
  EXPECT_FALSE(memo.contains(twin)) << "another address is another method, even with the same content";
}

TEST(MethodMemo, AMethodBuiltWhereAFreedOneWasIsNotTakenForIt) {
  MethodMemo memo;
  upgrader::CompiledMethod m = method("Cart", "total", "Shop-Model", 1);
  memo.remember(m);
  // A release freed and the next one's method built at the same address: each field counts.
  m.version = 2;
  EXPECT_FALSE(memo.contains(m));
  m = method("Cart", "total", "Shop-Promo", 1);
  EXPECT_FALSE(memo.contains(m));
  m = method("Cart", "subtotal", "Shop-Model", 1);
  EXPECT_FALSE(memo.contains(m));
  m = method("Order", "total", "Shop-Model", 1);
  EXPECT_FALSE(memo.contains(m));
  m = method("Cart", "total", "Shop-Model", 1);
  EXPECT_TRUE(memo.contains(m));
}

TEST(MethodMemo, ManyMethodsShareSlotsAndAreNeverWronglyFound) {
  std::vector<std::unique_ptr<upgrader::CompiledMethod>> methods;
  for (int i = 0; i < 200; ++i) methods.push_back(std::make_unique<upgrader::CompiledMethod>(method("C", "s" + std::to_string(i), "P", i)));
  MethodMemo memo;
  for (const auto& m : methods) memo.remember(*m);
  int found = 0;
  for (const auto& m : methods) found += memo.contains(*m) ? 1 : 0;
  EXPECT_GT(found, 0);
  EXPECT_LE(found, 32) << "a slot holds one method";
  EXPECT_TRUE(memo.contains(*methods.back())) << "the last remembered holds its slot";
  const MethodMemo copy = memo;
  EXPECT_TRUE(copy.contains(*methods.back()));
}

}  // namespace
}  // namespace scenarios
