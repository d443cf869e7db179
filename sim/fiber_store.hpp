#pragma once
// The world's fiber records. A record never moves for the world's life; records sit in
// fixed chunks of raw storage, built one at a time, so a spawn allocates once per kChunk
// fibers (std::deque allocated a 512-byte node every two). A finished fiber's record goes
// back on a free list and the next spawn takes it, warm in the cache: a world that spawns
// and joins a million fibers in turn touches a handful of records, not 168 MB.
#include <cstddef>
#include <memory>
#include <new>
#include <vector>

#include "sim/fiber_info.hpp"

namespace sim {

class FiberStore {
 public:
  FiberStore() = default;
  FiberStore(const FiberStore&) = delete;
  FiberStore& operator=(const FiberStore&) = delete;
  ~FiberStore() {
    for (std::size_t i = 0; i < size_; ++i) (*this)[i].~FiberInfo();
  }

  // A record to fill in: a finished one if there is one, else a new one. Either way it holds
  // the defaults of FiberInfo except `name` and `joiners`, which keep their capacity.
  FiberInfo& acquire() {
    if (free_.empty()) return emplace_back();
    FiberInfo& reused = *free_.back();
    free_.pop_back();
    reused.pct_priority = 0;
    reused.queued = false;
    reused.wake_at_ns = 0;
    reused.timer_seq = 0;  // sequence numbers start at 1: a stale timer never matches
    reused.park_reason.clear();
    reused.killed = false;
    reused.stack_bottom = nullptr;
    reused.stack_size = 0;
    return reused;
  }
  // `fiber` has finished and its context is gone: a later acquire() may hand it out.
  void release(FiberInfo& fiber) { free_.push_back(&fiber); }

  // Every record ever built, finished ones included.
  FiberInfo& operator[](std::size_t i) { return *std::launder(reinterpret_cast<FiberInfo*>(&chunks_[i / kChunk][i % kChunk])); }
  const FiberInfo& operator[](std::size_t i) const {
    return *std::launder(reinterpret_cast<const FiberInfo*>(&chunks_[i / kChunk][i % kChunk]));
  }
  std::size_t size() const { return size_; }

 private:
  FiberInfo& emplace_back() {
    if (size_ == chunks_.size() * kChunk) chunks_.emplace_back(static_cast<Slot*>(::operator new(sizeof(Slot) * kChunk)));
    FiberInfo* made = new (&chunks_.back()[size_ % kChunk]) FiberInfo();
    ++size_;
    return *made;
  }

  static constexpr std::size_t kChunk = 512;
  struct Slot {
    alignas(FiberInfo) unsigned char bytes[sizeof(FiberInfo)];
  };
  struct Free {
    void operator()(Slot* p) const noexcept { ::operator delete(p); }
  };
  std::vector<std::unique_ptr<Slot[], Free>> chunks_;
  std::size_t size_ = 0;
  std::vector<FiberInfo*> free_;  // finished records, the last released handed out first
};

}  // namespace sim
