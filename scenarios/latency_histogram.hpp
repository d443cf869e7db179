#pragma once
// Request pauses in flat memory, however many runs a sweep has. Log-linear buckets, as
// HdrHistogram lays them out (Debian ships no C or C++ HdrHistogram): each power of two of
// nanoseconds is split into 32 sub-buckets, so a percentile is within 1/32 (about 3%) of the
// exact value, the maximum is exact, and merging is adding counts — so a suite's aggregate
// never depends on which worker thread ran which seed.
#include <array>
#include <bit>
#include <cstdint>
#include <functional>
#include <optional>

#include "sim/scheduler.hpp"

namespace scenarios {

class LatencyHistogram {
 public:
  void add(sim::Duration d) {
    const auto ns = static_cast<std::uint64_t>(d.count() < 0 ? 0 : d.count());
    ++counts_[index(ns)];
    ++count_;
    if (ns > max_ns_) max_ns_ = ns;
  }
  void merge(const LatencyHistogram& other) {
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    count_ += other.count_;
    if (other.max_ns_ > max_ns_) max_ns_ = other.max_ns_;
  }
  std::uint64_t count() const { return count_; }
  sim::Duration max() const { return sim::Duration(static_cast<std::int64_t>(max_ns_)); }
  // The q-quantile (0 < q <= 1): the upper edge of the bucket holding it, at most the max.
  sim::Duration percentile(double q) const {
    if (count_ == 0) return sim::Duration(0);
    auto rank = static_cast<std::uint64_t>(q * static_cast<double>(count_) + 0.999999);
    if (rank < 1) rank = 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) return sim::Duration(static_cast<std::int64_t>(std::min(upper(i), max_ns_)));
    }
    return max();
  }
  // Restores a bucket written by for_each_bucket (results.json): false, and nothing changed,
  // if [lo, hi] is not one of this layout's buckets, the count is 0 or the total would overflow.
  bool add_bucket(std::uint64_t lo, std::uint64_t hi, std::uint64_t count) {
    if (count == 0 || hi < lo || count_ + count < count_) return false;
    const std::size_t i = index(lo);
    if (lower(i) != lo || upper(i) != hi) return false;
    counts_[i] += count;
    count_ += count;
    return true;
  }
  // Restores the exact maximum after add_bucket: false, and nothing changed, unless it lies in
  // the highest non-empty bucket (or is 0 with no samples).
  bool restore_max(std::uint64_t max_ns) {
    std::optional<std::size_t> top;
    for (std::size_t i = 0; i < counts_.size(); ++i)
      if (counts_[i] > 0) top = i;
    if (!top ? max_ns != 0 : max_ns < lower(*top) || max_ns > upper(*top)) return false;
    max_ns_ = max_ns;
    return true;
  }
  bool operator==(const LatencyHistogram&) const = default;
  // Every non-empty bucket, in increasing order: [lo, hi] nanoseconds and its count.
  void for_each_bucket(const std::function<void(std::uint64_t lo, std::uint64_t hi, std::uint64_t count)>& f) const {
    for (std::size_t i = 0; i < counts_.size(); ++i)
      if (counts_[i] > 0) f(lower(i), upper(i), counts_[i]);
  }

 private:
  static constexpr std::uint64_t kSub = 32;  // sub-buckets per power of two
  static constexpr int kSubBits = 5;
  static std::size_t index(std::uint64_t ns) {
    if (ns < kSub) return static_cast<std::size_t>(ns);  // exact below 32 ns
    const int e = 63 - std::countl_zero(ns);            // ns in [2^e, 2^(e+1)), e >= 5
    const std::uint64_t sub = (ns >> (e - kSubBits)) - kSub;
    return static_cast<std::size_t>(kSub + static_cast<std::uint64_t>(e - kSubBits) * kSub + sub);
  }
  static std::uint64_t lower(std::size_t i) {
    if (i < kSub) return i;
    const std::uint64_t e = (i - kSub) / kSub + kSubBits, sub = (i - kSub) % kSub;
    return (kSub + sub) << (e - kSubBits);
  }
  static std::uint64_t upper(std::size_t i) {
    if (i < kSub) return i;
    const std::uint64_t e = (i - kSub) / kSub + kSubBits, sub = (i - kSub) % kSub;
    return ((kSub + sub + 1) << (e - kSubBits)) - 1;
  }

  std::array<std::uint64_t, kSub + (64 - kSubBits) * kSub> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ns_ = 0;
};

}  // namespace scenarios
