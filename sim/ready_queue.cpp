#include "sim/ready_queue.hpp"

#include <utility>

#include "support/assert.hpp"

namespace sim {

void ReadyQueue::push(FiberInfo* fiber) {
  HOTSIM_ASSERT(!fiber->queued, "fiber {} '{}' is already in the ready queue", fiber->id, fiber->name);
  HOTSIM_ASSERT(fiber->state == FiberState::Ready, "fiber {} '{}' queued as ready in state {}", fiber->id, fiber->name,
                static_cast<int>(fiber->state));
  fiber->queued = true;
  Bucket& bucket = bucket_for(fiber->priority);
  if (strategy_ == Strategy::Pct)
    bucket.by_pct.insert(fiber);
  else
    bucket.fifo.push_back(fiber);
  ++size_;
}

ReadyQueue::Bucket& ReadyQueue::bucket_for(int priority) {
  auto at = buckets_.begin();
  while (at != buckets_.end() && at->priority > priority) ++at;
  if (at != buckets_.end() && at->priority == priority) return *at;
  Bucket& made = *buckets_.insert(at, Bucket{});
  made.priority = priority;
  return made;
}

ReadyQueue::Bucket* ReadyQueue::top() {
  for (Bucket& bucket : buckets_)
    if (!bucket.empty()) return &bucket;
  return nullptr;
}

const ReadyQueue::Bucket* ReadyQueue::top() const {
  for (const Bucket& bucket : buckets_)
    if (!bucket.empty()) return &bucket;
  return nullptr;
}

void ReadyQueue::remove(FiberInfo* fiber) {
  if (!fiber->queued) return;
  Bucket& bucket = bucket_for(fiber->priority);
  std::size_t removed = 0;
  if (strategy_ == Strategy::Pct) {
    removed = bucket.by_pct.erase(fiber);
  } else {
    for (std::size_t i = 0; i < bucket.fifo.size(); ++i) {
      if (bucket.fifo[i] != fiber) continue;
      bucket.fifo.erase(i);
      removed = 1;
      break;
    }
  }
  size_ -= removed;
  if (removed > 0) fiber->queued = false;
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
  if (index == 0) return bucket.fifo.pop_front();
  // Swap-and-pop: O(1), and the order it leaves is still a pure function of the choices.
  std::swap(bucket.fifo[index], bucket.fifo[bucket.fifo.size() - 1]);
  return bucket.fifo.pop_back();
}

FiberInfo* ReadyQueue::pop(ChoiceStream& choices) {
  if (size_ == 0) return nullptr;
  FiberInfo* fiber = take(*top(), &choices);
  --size_;
  return fiber;
}

FiberInfo* ReadyQueue::pop_oldest() {
  if (size_ == 0) return nullptr;
  FiberInfo* fiber = take(*top(), nullptr);
  --size_;
  return fiber;
}

}  // namespace sim
