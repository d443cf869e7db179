#include "sim/ready_queue.hpp"

#include <algorithm>
#include <utility>

#include "support/assert.hpp"

namespace sim {

void ReadyQueue::push(FiberInfo* fiber) {
  HOTSIM_ASSERT(!fiber->queued, "fiber {} '{}' is already in the ready queue", fiber->id, fiber->name);
  HOTSIM_ASSERT(fiber->state == FiberState::Ready, "fiber {} '{}' queued as ready in state {}", fiber->id, fiber->name,
                static_cast<int>(fiber->state));
  fiber->queued = true;
  Bucket& bucket = buckets_[fiber->priority];
  if (strategy_ == Strategy::Pct)
    bucket.by_pct.insert(fiber);
  else
    bucket.fifo.push_back(fiber);
  ++size_;
}

void ReadyQueue::remove(FiberInfo* fiber) {
  auto it = buckets_.find(fiber->priority);
  if (it == buckets_.end()) return;
  Bucket& bucket = it->second;
  std::size_t removed = 0;
  if (strategy_ == Strategy::Pct) {
    removed = bucket.by_pct.erase(fiber);
  } else {
    auto pos = std::find(bucket.fifo.begin(), bucket.fifo.end(), fiber);
    if (pos != bucket.fifo.end()) {
      bucket.fifo.erase(pos);
      removed = 1;
    }
  }
  size_ -= removed;
  if (removed > 0) fiber->queued = false;
  if (bucket.fifo.empty() && bucket.by_pct.empty()) buckets_.erase(it);
}

FiberInfo* ReadyQueue::take(Bucket& bucket, ChoiceStream* choices) {
  FiberInfo* fiber = take_from(bucket, choices);
  HOTSIM_ASSERT(fiber->queued, "fiber {} '{}' taken from the ready queue but not marked as queued", fiber->id, fiber->name);
  fiber->queued = false;
  return fiber;
}

FiberInfo* ReadyQueue::take_from(Bucket& bucket, ChoiceStream* choices) {
  HOTSIM_ASSERT(!bucket.fifo.empty() || !bucket.by_pct.empty(), "an empty priority bucket was left in the ready queue");
  if (strategy_ == Strategy::Pct) {
    FiberInfo* fiber = *bucket.by_pct.begin();
    bucket.by_pct.erase(bucket.by_pct.begin());
    return fiber;
  }
  std::size_t index = 0;
  if (strategy_ == Strategy::RandomWalk && choices != nullptr)
    index = static_cast<std::size_t>(choices->below(bucket.fifo.size()));
  if (index == 0) {
    FiberInfo* fiber = bucket.fifo.front();
    bucket.fifo.pop_front();
    return fiber;
  }
  // Swap-and-pop: O(1), and the order it leaves is still a pure function of the choices.
  std::swap(bucket.fifo[index], bucket.fifo.back());
  FiberInfo* fiber = bucket.fifo.back();
  bucket.fifo.pop_back();
  return fiber;
}

FiberInfo* ReadyQueue::pop(ChoiceStream& choices) {
  if (buckets_.empty()) return nullptr;
  auto top = buckets_.begin();
  FiberInfo* fiber = take(top->second, &choices);
  --size_;
  if (top->second.fifo.empty() && top->second.by_pct.empty()) buckets_.erase(top);
  return fiber;
}

FiberInfo* ReadyQueue::pop_oldest() {
  if (buckets_.empty()) return nullptr;
  auto top = buckets_.begin();
  FiberInfo* fiber = take(top->second, nullptr);
  --size_;
  if (top->second.fifo.empty() && top->second.by_pct.empty()) buckets_.erase(top);
  return fiber;
}

}  // namespace sim
