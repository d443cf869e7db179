#pragma once
// Runs fn(i) for i in [0, n) on `jobs` worker threads (one simulated world per thread at a
// time); progress(done, n) is called on the calling thread. Results are the caller's to
// place by index, so what it aggregates never depends on thread timing.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace scenarios {

inline void parallel_for(std::size_t n, int jobs, const std::function<void(std::size_t)>& fn,
                         const std::function<void(std::uint64_t, std::uint64_t)>& progress = {}) {
  std::atomic<std::size_t> next{0};
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t done = 0;
  auto worker = [&] {
    for (std::size_t i = next++; i < n; i = next++) {
      fn(i);
      std::lock_guard<std::mutex> lock(mutex);
      ++done;
      changed.notify_one();
    }
  };
  std::vector<std::thread> threads;
  const int count = std::max(1, std::min<int>(jobs, static_cast<int>(n)));
  for (int j = 0; j < count; ++j) threads.emplace_back(worker);
  {
    std::unique_lock<std::mutex> lock(mutex);
    std::size_t shown = SIZE_MAX;
    while (done < n) {
      if (progress && shown != done) progress(shown = done, n);
      changed.wait(lock);
    }
  }
  for (auto& t : threads) t.join();
  if (progress) progress(n, n);
}

}  // namespace scenarios
