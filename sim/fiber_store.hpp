#pragma once
// The world's fiber records. spawn() hands out references, so a record never moves for the
// world's life; records sit in fixed chunks of raw storage, built one at a time, so a spawn
// allocates once per kChunk fibers (std::deque allocated a 512-byte node every two).
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

  FiberInfo& emplace_back() {
    if (size_ == chunks_.size() * kChunk) chunks_.emplace_back(static_cast<Slot*>(::operator new(sizeof(Slot) * kChunk)));
    FiberInfo* made = new (&chunks_.back()[size_ % kChunk]) FiberInfo();
    ++size_;
    return *made;
  }
  FiberInfo& operator[](std::size_t i) { return *std::launder(reinterpret_cast<FiberInfo*>(&chunks_[i / kChunk][i % kChunk])); }
  const FiberInfo& operator[](std::size_t i) const {
    return *std::launder(reinterpret_cast<const FiberInfo*>(&chunks_[i / kChunk][i % kChunk]));
  }
  std::size_t size() const { return size_; }

 private:
  static constexpr std::size_t kChunk = 512;
  struct Slot {
    alignas(FiberInfo) unsigned char bytes[sizeof(FiberInfo)];
  };
  struct Free {
    void operator()(Slot* p) const noexcept { ::operator delete(p); }
  };
  std::vector<std::unique_ptr<Slot[], Free>> chunks_;
  std::size_t size_ = 0;
};

}  // namespace sim
