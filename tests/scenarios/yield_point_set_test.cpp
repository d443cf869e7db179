#include "scenarios/engine/yield_point_set.hpp"

#include <gtest/gtest.h>

namespace scenarios {
namespace {

TEST(YieldPointSet, APointIsItsClassAndSelectorJoinedExactly) {
  EXPECT_TRUE(same_point("Cart>>total", {"Cart", "total"}));
  EXPECT_TRUE(same_point("Cart class>>new", {"Cart class", "new"}));
  EXPECT_TRUE(same_point("Money>>>>", {"Money", ">>"})) << "a binary selector >>";
  // As the joined string was compared before: whatever joins to the point is it.
  EXPECT_TRUE(same_point("Money>>>>", {"Money>>", ""}));
  EXPECT_FALSE(same_point("Cart>>total", {"Cart", "tota"}));
  EXPECT_FALSE(same_point("Cart>>total", {"Car", "t>>total"}));
  EXPECT_FALSE(same_point("", {"", ""}));
  EXPECT_FALSE(same_point("Cart::total", {"Cart", "total"}));
}

TEST(YieldPointSet, AddsEachPointOnce) {
  YieldPointSet set;
  EXPECT_TRUE(set.insert({"Cart", "total"}));
  EXPECT_FALSE(set.insert({"Cart", "total"}));
  EXPECT_TRUE(set.insert({"Cart", "totalx"}));
  EXPECT_TRUE(set.insert({"Cartt", "otal"})) << "the same letters split elsewhere are another point";
  EXPECT_TRUE(set.contains({"Cart", "total"}));
  EXPECT_FALSE(set.contains({"Order", "total"}));
  EXPECT_EQ(set.size(), 3u);
  EXPECT_EQ(YieldPointSet::format({"Cart class", "new"}), "Cart class>>new");
}

}  // namespace
}  // namespace scenarios
