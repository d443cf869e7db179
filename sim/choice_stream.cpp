#include "sim/choice_stream.hpp"

#include <stdexcept>

namespace sim {
namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Xoshiro256StarStar::Xoshiro256StarStar(std::uint64_t seed) {
  for (auto& word : s_) word = splitmix64(seed);
}

std::uint64_t Xoshiro256StarStar::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

ChoiceStream::ChoiceStream(bool replay, std::uint64_t seed, std::vector<std::uint64_t> source)
    : replay_(replay), rng_(seed), source_(std::move(source)) {}

ChoiceStream ChoiceStream::seeded(std::uint64_t seed) { return ChoiceStream(false, seed, {}); }

ChoiceStream ChoiceStream::replaying(std::vector<std::uint64_t> choices) {
  return ChoiceStream(true, 0, std::move(choices));
}

std::uint64_t ChoiceStream::below(std::uint64_t n) {
  if (n == 0) throw std::invalid_argument("ChoiceStream::below(0): no value to choose");
  if (n == 1) return 0;
  std::uint64_t value = 0;
  if (replay_) {
    if (position_ < source_.size()) {
      value = source_[position_++];
      if (value >= n) {
        out_of_range_ = true;
        value %= n;
      }
    } else {
      ran_out_ = true;
    }
  } else {
    // Rejection sampling: unbiased, and the same on every platform. A power of two needs
    // no division (the same values: x % n == x & (n-1)); other bounds divide once, their
    // limit kept from the last call with the same n.
    std::uint64_t x;
    if ((n & (n - 1)) == 0) {
      const std::uint64_t limit = UINT64_MAX - (n - 1);
      do x = rng_.next();
      while (x >= limit);
      value = x & (n - 1);
    } else {
      if (n != limit_for_) {
        limit_for_ = n;
        limit_ = UINT64_MAX - UINT64_MAX % n;
      }
      do x = rng_.next();
      while (x >= limit_);
      value = x % n;
    }
  }
  recorded_.push_back(value);
  return value;
}

bool ChoiceStream::chance_ppm(std::uint32_t parts_per_million) {
  if (parts_per_million == 0) return false;
  if (parts_per_million >= 1'000'000) return true;
  return below(1'000'000) < parts_per_million;
}

}  // namespace sim
