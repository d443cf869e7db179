// The ready queue's ring keeps the order std::deque kept, whatever the operations.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <deque>
#include <utility>
#include <vector>

#include "sim/fiber_info.hpp"
#include "sim/fiber_ring.hpp"

namespace sim {
namespace {

// Each step: 0 push, 1 take the front, 2 swap `at` with the back and take it, 3 erase `at`.
RC_GTEST_PROP(FiberRing, KeepsTheOrderADequeKeeps, (std::vector<std::pair<std::uint8_t, std::uint16_t>> steps)) {
  std::vector<FiberInfo> fibers(steps.size() + 1);
  std::size_t next = 0;
  FiberRing ring;
  std::deque<FiberInfo*> model;
  for (const auto& [op, at_raw] : steps) {
    const std::size_t at = model.empty() ? 0 : at_raw % model.size();
    switch (op % 4) {
      case 0:
        ring.push_back(&fibers[next]);
        model.push_back(&fibers[next]);
        ++next;
        break;
      case 1:
        if (model.empty()) break;
        RC_ASSERT(ring.pop_front() == model.front());
        model.pop_front();
        break;
      case 2:
        if (model.empty()) break;
        std::swap(ring[at], ring[ring.size() - 1]);
        std::swap(model[at], model.back());
        RC_ASSERT(ring.pop_back() == model.back());
        model.pop_back();
        break;
      default:
        if (model.empty()) break;
        ring.erase(at);
        model.erase(model.begin() + static_cast<std::ptrdiff_t>(at));
        break;
    }
    RC_ASSERT(ring.size() == model.size());
    RC_ASSERT(ring.empty() == model.empty());
    for (std::size_t i = 0; i < model.size(); ++i) RC_ASSERT(ring[i] == model[i]);
  }
}

TEST(FiberRing, GrowsPastItsFirstCapacityWithTheHeadWrapped) {
  std::vector<FiberInfo> fibers(40);
  FiberRing ring;
  for (int i = 0; i < 6; ++i) ring.push_back(&fibers[i]);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(ring.pop_front(), &fibers[i]);  // the head is now at slot 5
  for (int i = 6; i < 40; ++i) ring.push_back(&fibers[i]);               // wraps, then grows twice
  ASSERT_EQ(ring.size(), 35u);
  for (int i = 5; i < 40; ++i) EXPECT_EQ(ring.pop_front(), &fibers[i]);
  EXPECT_TRUE(ring.empty());
}

}  // namespace
}  // namespace sim
