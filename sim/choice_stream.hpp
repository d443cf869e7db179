#pragma once
// The one source of every nondeterministic decision in a simulation (DESIGN.md, rule 1).
// Fed by a seeded PRNG (run) or by a recorded list of choices (replay, shrink); either way
// it records every value it hands out, so any run can be replayed from its recording.
#include <cstdint>
#include <vector>

namespace sim {

// xoshiro256** (Blackman & Vigna), seeded through splitmix64 as its authors recommend.
class Xoshiro256StarStar {
 public:
  explicit Xoshiro256StarStar(std::uint64_t seed);
  std::uint64_t next();

 private:
  std::uint64_t s_[4];
};

class ChoiceStream {
 public:
  static ChoiceStream seeded(std::uint64_t seed);
  // Replays `choices`; a value out of range is folded into range and a list that runs out
  // answers 0 from then on. Both are noted, so a replay can say it diverged, while a
  // shrinker can still run edited lists.
  static ChoiceStream replaying(std::vector<std::uint64_t> choices);

  // A value in [0, n). n must be >= 1; n == 1 decides nothing and records nothing.
  std::uint64_t below(std::uint64_t n);
  // True with probability parts_per_million / 1e6.
  bool chance_ppm(std::uint32_t parts_per_million);

  const std::vector<std::uint64_t>& recorded() const { return recorded_; }
  bool is_replay() const { return replay_; }
  // Replay only: the list ran out or held a value out of range.
  bool diverged() const { return ran_out_ || out_of_range_; }
  bool ran_out() const { return ran_out_; }
  // Replay only: choices of the list that were never asked for.
  std::size_t unused() const { return replay_ ? source_.size() - position_ : 0; }

 private:
  ChoiceStream(bool replay, std::uint64_t seed, std::vector<std::uint64_t> source);

  bool replay_;
  Xoshiro256StarStar rng_;
  std::vector<std::uint64_t> source_;
  std::size_t position_ = 0;
  std::vector<std::uint64_t> recorded_;
  std::uint64_t limit_for_ = 0, limit_ = 0;  // below()'s rejection limit for the last n
  bool ran_out_ = false;
  bool out_of_range_ = false;
};

}  // namespace sim
