#pragma once
// Fiber stacks for one world, kept and reused: a finished fiber's stack goes on a free list
// and the next spawn takes it back with its pages still faulted in (creating a fiber used
// to pay for a malloc and the kernel's page faults each time). Stacks are carved from
// mmap'd slabs, so only the pages a fiber touches are resident: a million parked fibers
// cost their touched pages, not their full size.
//
// Each stack has a guard page below it, so an overflow faults instead of silently
// overwriting the stack next to it. The guard is a page-table marker
// (MADV_GUARD_INSTALL, Linux 6.13), which leaves a slab one mapping; older kernels get
// mprotect, which costs two mappings per stack and meets vm.max_map_count (65530 by
// default) near 32 k stacks — there a spawn throws rather than run unguarded.
//
// Under AddressSanitizer the pool does not reuse (a reused stack would carry the dead
// fiber's poisoned shadow): each stack is its own mapping, unmapped when freed, and
// unpoisoned when handed out.
#include <boost/context/stack_context.hpp>
#include <cstddef>
#include <memory>
#include <vector>

#include "support/asan_fibers.hpp"

namespace sim {

class StackPool {
 public:
  // Stacks of at least `stack_size` usable bytes (rounded up to whole pages).
  StackPool(std::size_t stack_size, bool reuse = !support::asan::kEnabled);
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  // Boost.Context's StackAllocator concept, through Allocator below.
  boost::context::stack_context allocate();
  void deallocate(boost::context::stack_context& sctx) noexcept;

  // The owner is done with the pool. A drained world has every stack back (Boost frees a
  // finished fiber's stack during its last switch); should one still be out, the pool lives
  // on until it comes back rather than unmap a stack in use.
  void release() noexcept;

  std::size_t stack_size() const { return stack_size_; }
  std::size_t in_use() const { return in_use_; }
  std::size_t free_stacks() const { return free_.size(); }
  std::size_t mapped_stacks() const { return mapped_; }  // in use + free
  bool reuses() const { return reuse_; }

  // What Boost copies into each fiber: a pointer to the pool.
  struct Allocator {
    StackPool* pool;
    boost::context::stack_context allocate() { return pool->allocate(); }
    void deallocate(boost::context::stack_context& sctx) noexcept { pool->deallocate(sctx); }
  };

 private:
  ~StackPool();
  void add_slab();
  void* slot_stack(char* slot);  // guards the slot's first page; returns the stack's bottom

  std::size_t stack_size_;
  std::size_t slot_size_;  // guard page + stack
  bool reuse_;
  bool released_ = false;
  std::size_t in_use_ = 0;
  std::size_t mapped_ = 0;
  std::size_t next_slab_slots_ = 4;  // slabs double up to kMaxSlabSlots
  std::vector<void*> free_;          // stack bottoms, last freed first (its pages are warmest)
  std::vector<char*> fresh_;         // slots of the newest slab never handed out (unguarded yet)
  struct Slab {
    void* base;
    std::size_t bytes;
  };
  std::vector<Slab> slabs_;
};

// Owns a pool for a world: releases it (see StackPool::release) instead of deleting it.
struct StackPoolRelease {
  void operator()(StackPool* pool) const noexcept { pool->release(); }
};
using StackPoolHandle = std::unique_ptr<StackPool, StackPoolRelease>;

}  // namespace sim
