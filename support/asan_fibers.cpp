#include "support/asan_fibers.hpp"

#if defined(HOTSIM_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>

#include <boost/fiber/context.hpp>
#include <unordered_map>

namespace support::asan {
namespace {

struct Stack {
  void* fake = nullptr;  // ASan's fake stack of a suspended context
  const void* bottom = nullptr;
  std::size_t size = 0;
};

// Keyed by context address for lookup only (never iterated). Thread-local: Boost's main and
// dispatcher contexts outlive any one world on the thread.
thread_local std::unordered_map<const void*, Stack> stacks;
thread_local const void* switching_from = nullptr;
thread_local bool pending = false;

}  // namespace

void before_switch(const void* from, const void* to, const void* to_bottom, std::size_t to_size, bool from_dies) {
  Stack& target = stacks[to];
  if (to_bottom != nullptr) {
    target.bottom = to_bottom;
    target.size = to_size;
  }
  if (from_dies) {
    stacks.erase(from);  // its address may be reused by a later fiber
    __sanitizer_start_switch_fiber(nullptr, target.bottom, target.size);
    switching_from = nullptr;
  } else {
    __sanitizer_start_switch_fiber(&stacks[from].fake, target.bottom, target.size);
    switching_from = from;
  }
  pending = true;
}

void after_switch() { after_switch(boost::fibers::context::active()); }

void after_switch(const void* self) {
  if (!pending) return;
  pending = false;
  const void* old_bottom = nullptr;
  std::size_t old_size = 0;
  __sanitizer_finish_switch_fiber(stacks[self].fake, &old_bottom, &old_size);
  if (switching_from != nullptr) {
    Stack& from = stacks[switching_from];
    if (from.bottom == nullptr) {  // learn the main context's stack the first time we leave it
      from.bottom = old_bottom;
      from.size = old_size;
    }
  }
}

void forget(const void* self) { stacks.erase(self); }

void unpoison(const void* begin, std::size_t size) { __asan_unpoison_memory_region(begin, size); }

}  // namespace support::asan

#endif
