#pragma once
// One priority's ready fibers, oldest first, in a ring: taken from the front (round robin)
// or at any index (random walk swaps it with the back), removed from the middle (a priority
// change), keeping the order std::deque kept, without its node bookkeeping on every switch.
#include <cstddef>
#include <vector>

namespace sim {

struct FiberInfo;

class FiberRing {
 public:
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  FiberInfo*& operator[](std::size_t i) { return slots_[(head_ + i) & mask_]; }
  FiberInfo* operator[](std::size_t i) const { return slots_[(head_ + i) & mask_]; }

  void push_back(FiberInfo* fiber) {
    if (size_ == slots_.size()) grow();
    slots_[(head_ + size_) & mask_] = fiber;
    ++size_;
  }
  FiberInfo* pop_front() {
    FiberInfo* fiber = slots_[head_];
    head_ = (head_ + 1) & mask_;
    --size_;
    return fiber;
  }
  FiberInfo* pop_back() {
    --size_;
    return slots_[(head_ + size_) & mask_];
  }
  // Removes the one at `i`; those after it move up one place.
  void erase(std::size_t i) {
    for (; i + 1 < size_; ++i) (*this)[i] = (*this)[i + 1];
    --size_;
  }

 private:
  void grow() {
    std::vector<FiberInfo*> bigger(slots_.empty() ? 8 : 2 * slots_.size());
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = (*this)[i];
    slots_.swap(bigger);
    head_ = 0;
    mask_ = slots_.size() - 1;
  }

  std::vector<FiberInfo*> slots_;  // a power of two long
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  std::size_t mask_ = 0;
};

}  // namespace sim
