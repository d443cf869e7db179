#include "sim/stack_pool.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <new>
#include <system_error>

#include "support/assert.hpp"

// Linux 6.13's guard regions; older headers lack the name, older kernels answer EINVAL.
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

namespace sim {
namespace {

constexpr std::size_t kMaxSlabSlots = 256;

std::size_t page_size() {
  static const std::size_t size = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return size;
}

std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

void* map(std::size_t bytes) {
  // NORESERVE: a million stacks reserve address space, not swap; memory comes as pages
  // are touched. No huge pages: one would make a stack's first touch cost 2 MiB.
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  madvise(p, bytes, MADV_NOHUGEPAGE);
  return p;
}

}  // namespace

StackPool::StackPool(std::size_t stack_size, bool reuse)
    : stack_size_(round_up(stack_size == 0 ? 1 : stack_size, page_size())),
      slot_size_(stack_size_ + page_size()),
      reuse_(reuse) {}

StackPool::~StackPool() {
  for (const Slab& s : slabs_) munmap(s.base, s.bytes);
}

void StackPool::release() noexcept {
  released_ = true;
  if (in_use_ == 0) delete this;
}

void* StackPool::slot_stack(char* slot) {
  if (madvise(slot, page_size(), MADV_GUARD_INSTALL) != 0) {
    // Before Linux 6.13: a PROT_NONE page, at the price of splitting the mapping.
    if (mprotect(slot, page_size(), PROT_NONE) != 0)
      throw std::system_error(errno, std::generic_category(),
                              "sim: cannot put a guard page under a fiber stack (too many mappings for "
                              "vm.max_map_count? Linux 6.13 guards without them)");
  }
  return slot + page_size();
}

void StackPool::add_slab() {
  const std::size_t bytes = next_slab_slots_ * slot_size_;
  slabs_.push_back({map(bytes), bytes});
  auto* base = static_cast<char*>(slabs_.back().base);
  // Highest slot last, so the first stacks handed out lie low in the slab.
  for (std::size_t i = next_slab_slots_; i-- > 0;) fresh_.push_back(base + i * slot_size_);
  if (next_slab_slots_ < kMaxSlabSlots) next_slab_slots_ *= 2;
}

boost::context::stack_context StackPool::allocate() {
  void* bottom = nullptr;
  if (!reuse_) {
    char* slot = static_cast<char*>(map(slot_size_));
    try {
      bottom = slot_stack(slot);
    } catch (...) {
      munmap(slot, slot_size_);
      throw;
    }
    ++mapped_;
  } else if (!free_.empty()) {
    bottom = free_.back();
    free_.pop_back();
  } else {
    if (fresh_.empty()) add_slab();
    bottom = slot_stack(fresh_.back());
    fresh_.pop_back();
    ++mapped_;
  }
  // A stack's shadow may still say what the last fiber's frames left poisoned.
  support::asan::unpoison(bottom, stack_size_);
  ++in_use_;
  boost::context::stack_context sctx;
  sctx.size = stack_size_;
  sctx.sp = static_cast<char*>(bottom) + stack_size_;
  return sctx;
}

void StackPool::deallocate(boost::context::stack_context& sctx) noexcept {
  HOTSIM_ASSERT(in_use_ > 0 && sctx.size == stack_size_, "a stack of {} bytes returned to a pool of {}-byte stacks ({} in use)",
                sctx.size, stack_size_, in_use_);
  void* bottom = static_cast<char*>(sctx.sp) - sctx.size;
  if (reuse_) {
    free_.push_back(bottom);
  } else {
    munmap(static_cast<char*>(bottom) - page_size(), slot_size_);
    --mapped_;
  }
  --in_use_;
  if (released_ && in_use_ == 0) delete this;
}

}  // namespace sim
