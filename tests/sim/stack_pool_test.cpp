// The world's fiber stacks: reused across spawn and join, returned in full, guarded below,
// and never reused under AddressSanitizer.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "sim/stack_pool.hpp"
#include "sim/world.hpp"
#include "support/asan_fibers.hpp"

#if defined(HOTSIM_ASAN)
#include <sanitizer/asan_interface.h>
#endif

namespace sim {
namespace {

char* bottom_of(const boost::context::stack_context& s) { return static_cast<char*>(s.sp) - s.size; }

TEST(StackPool, AFreedStackIsHandedOutAgainWarm) {
  StackPoolHandle pool(new StackPool(64 * 1024, true));
  boost::context::stack_context a = pool->allocate();
  EXPECT_GE(a.size, 64u * 1024);
  bottom_of(a)[0] = 1;  // the whole stack is writable, bottom to top
  static_cast<char*>(a.sp)[-1] = 1;
  void* const sp = a.sp;
  pool->deallocate(a);
  EXPECT_EQ(pool->free_stacks(), 1u);
  boost::context::stack_context b = pool->allocate();
  EXPECT_EQ(b.sp, sp) << "the stack just freed comes back first";
  EXPECT_EQ(pool->mapped_stacks(), 1u);
  pool->deallocate(b);
}

TEST(StackPool, RoundsUpToPagesAndKeepsStacksApart) {
  StackPoolHandle pool(new StackPool(10'000, true));
  EXPECT_EQ(pool->stack_size() % 4096, 0u);
  EXPECT_GE(pool->stack_size(), 10'000u);
  std::vector<boost::context::stack_context> held;
  for (int i = 0; i < 40; ++i) held.push_back(pool->allocate());  // several slabs
  std::vector<char*> bottoms;
  for (auto& s : held) bottoms.push_back(bottom_of(s));
  std::sort(bottoms.begin(), bottoms.end());
  for (std::size_t i = 1; i < bottoms.size(); ++i)
    EXPECT_GE(static_cast<std::size_t>(bottoms[i] - bottoms[i - 1]), pool->stack_size() + 4096) << "a guard page between";
  EXPECT_EQ(pool->in_use(), 40u);
  for (auto& s : held) pool->deallocate(s);
  EXPECT_EQ(pool->in_use(), 0u);
  EXPECT_EQ(pool->free_stacks(), 40u);
}

// The AddressSanitizer path (on by default there, asked for here in any build): every
// stack is a fresh mapping and goes away when freed, so nothing stale is ever reused.
TEST(StackPool, WithoutReuseEveryStackIsMappedAndUnmapped) {
  StackPoolHandle pool(new StackPool(32 * 1024, false));
  EXPECT_FALSE(pool->reuses());
  boost::context::stack_context a = pool->allocate();
  bottom_of(a)[0] = 1;
  EXPECT_EQ(pool->mapped_stacks(), 1u);
  pool->deallocate(a);
  EXPECT_EQ(pool->mapped_stacks(), 0u);
  EXPECT_EQ(pool->free_stacks(), 0u);
}

TEST(StackPool, WorldsReuseExceptUnderAddressSanitizer) {
  World world(WorldConfig{});
  EXPECT_EQ(world.scheduler().stacks().reuses(), !support::asan::kEnabled);
}

#if defined(HOTSIM_ASAN)
TEST(StackPool, AReusedStackComesBackUnpoisoned) {
  StackPoolHandle pool(new StackPool(16 * 1024, true));
  boost::context::stack_context a = pool->allocate();
  char* const bottom = bottom_of(a);
  __asan_poison_memory_region(bottom + 1024, 64);  // what a dead fiber's redzones leave
  pool->deallocate(a);
  boost::context::stack_context b = pool->allocate();
  ASSERT_EQ(bottom_of(b), bottom);
  EXPECT_EQ(__asan_region_is_poisoned(bottom, b.size), nullptr);
  pool->deallocate(b);
}
#endif

// The owner may go before every stack is back: the pool stays until the last one is
// returned.
// (LeakSanitizer, in the ASan build, checks that it then goes.)
TEST(StackPool, OutlivesItsOwnerUntilTheLastStackReturns) {
  auto* pool = new StackPool(16 * 1024, true);
  boost::context::stack_context a = pool->allocate(), b = pool->allocate();
  pool->release();
  bottom_of(b)[0] = 1;
  pool->deallocate(a);
  pool->deallocate(b);  // deletes the pool
}

TEST(StackPool, SpawnAndJoinReuseAHandfulOfStacks) {
  WorldConfig c;
  c.keep_trace_events = false;
  World world(c);
  int ran = 0;
  world.spawn("parent", 0, [&] {
    for (int i = 0; i < 1000; ++i) world.join(world.spawn("child", 0, [&] { ++ran; }));
  });
  EXPECT_EQ(world.run().outcome, Outcome::Completed);
  EXPECT_EQ(ran, 1000);
  if (world.scheduler().stacks().reuses()) {
    EXPECT_LE(world.scheduler().stacks().mapped_stacks(), 4u);
  }
  EXPECT_EQ(world.scheduler().stacks().in_use(), 0u) << "a drained world has every stack back";
}

TEST(StackPoolDeathTest, TouchingTheGuardPageFaults) {
  StackPoolHandle pool(new StackPool(16 * 1024, true));
  boost::context::stack_context a = pool->allocate();
  volatile char* below = bottom_of(a) - 1;
  EXPECT_DEATH(*below = 1, "");
  pool->deallocate(a);
}

[[gnu::noinline]] int recurse(int depth) {
  volatile char frame[512];
  frame[0] = static_cast<char>(depth);
  return depth == 0 ? frame[0] : recurse(depth - 1) + frame[0];
}

// An overflowing fiber dies on its guard page instead of writing over the next stack.
TEST(StackPoolDeathTest, AFiberOverflowingItsStackDiesThere) {
  EXPECT_DEATH(
      {
        WorldConfig c;
        c.stack_size = 16 * 1024;
        World world(c);
        world.spawn("deep", 0, [] { recurse(100'000); });
        world.run();
      },
      "");
}

}  // namespace
}  // namespace sim
