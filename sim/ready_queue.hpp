#pragma once
// The ready fibers, bucketed by Smalltalk-like priority. The highest bucket always wins;
// inside it the strategy picks: random walk and PCT draw from the choice stream, round
// robin takes the oldest. No pointer value ever decides an order.
#include <cstdint>
#include <set>
#include <vector>

#include "sim/choice_stream.hpp"
#include "sim/fiber_info.hpp"
#include "sim/fiber_ring.hpp"

namespace sim {

enum class Strategy { RandomWalk, Pct, RoundRobin };

class ReadyQueue {
 public:
  explicit ReadyQueue(Strategy strategy) : strategy_(strategy) {}

  void push(FiberInfo* fiber);
  void remove(FiberInfo* fiber);
  // Picks by the strategy; nullptr when empty.
  FiberInfo* pop(ChoiceStream& choices);
  // Picks without consulting the choice stream (used while a finished world unwinds).
  FiberInfo* pop_oldest();
  bool empty() const { return size_ == 0; }
  int highest_priority() const { return top()->priority; }  // not empty
  std::size_t size() const { return size_; }

 private:
  // PCT: highest PCT priority first, then lowest id: values only, never addresses.
  struct PctOrder {
    bool operator()(const FiberInfo* a, const FiberInfo* b) const {
      return a->pct_priority != b->pct_priority ? a->pct_priority > b->pct_priority
                                                : a->id < b->id;
    }
  };
  struct Bucket {
    int priority = 0;
    FiberRing fifo;                          // random walk, round robin
    std::set<FiberInfo*, PctOrder> by_pct;   // PCT
    bool empty() const { return fifo.empty() && by_pct.empty(); }
  };
  Bucket& bucket_for(int priority);
  Bucket* top();
  const Bucket* top() const;
  FiberInfo* take(Bucket& bucket, ChoiceStream* choices);
  FiberInfo* take_from(Bucket& bucket, ChoiceStream* choices);

  Strategy strategy_;
  // Highest priority first. A run uses a handful of priorities, so a short vector scanned
  // in order beats a tree, and buckets stay once made: a switch allocates nothing.
  std::vector<Bucket> buckets_;
  std::size_t size_ = 0;
};

}  // namespace sim
