#pragma once
// Runs fn(i) for i in [0, n) on `jobs` worker threads (one simulated world per thread at a
// time); progress(done, n) is called on the calling thread. Results are the caller's to
// place by index, so what it aggregates never depends on thread timing.
//
// A task that throws stops the hand-out of further tasks; once the workers are done, the
// exception of the lowest failed index comes back on the calling thread as TaskFailed,
// named by name_task(index) when given. Nothing escapes a worker thread.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/exception_text.hpp"

namespace scenarios {

class TaskFailed : public std::runtime_error {
 public:
  TaskFailed(std::size_t index, const std::string& name, std::exception_ptr cause)
      : std::runtime_error(name + ": " + support::exception_text(cause)), index_(index), cause_(std::move(cause)) {}
  std::size_t index() const { return index_; }
  // What the task threw, to rethrow (std::rethrow_exception) or inspect.
  const std::exception_ptr& cause() const { return cause_; }

 private:
  std::size_t index_;
  std::exception_ptr cause_;
};

inline void parallel_for(std::size_t n, int jobs, const std::function<void(std::size_t)>& fn,
                         const std::function<void(std::uint64_t, std::uint64_t)>& progress = {},
                         const std::function<std::string(std::size_t)>& name_task = {}) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failing{false};
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t done = 0;
  int workers = 0;
  std::size_t failed_index = SIZE_MAX;
  std::exception_ptr failure;
  auto worker = [&] {
    for (std::size_t i = next++; i < n && !failing; i = next++) {
      std::exception_ptr thrown;
      try {
        fn(i);
      } catch (...) {
        thrown = std::current_exception();
      }
      std::lock_guard<std::mutex> lock(mutex);
      if (thrown && i < failed_index) {
        failed_index = i;
        failure = thrown;
        failing = true;
      }
      ++done;
      changed.notify_one();
    }
    std::lock_guard<std::mutex> lock(mutex);
    --workers;
    changed.notify_one();
  };
  std::vector<std::thread> threads;
  const int count = std::max(1, std::min<int>(jobs, static_cast<int>(n)));
  workers = count;
  for (int j = 0; j < count; ++j) threads.emplace_back(worker);
  {
    std::unique_lock<std::mutex> lock(mutex);
    std::size_t shown = SIZE_MAX;
    while (workers > 0) {
      if (progress && shown != done && !failing) progress(shown = done, n);
      changed.wait(lock);
    }
  }
  for (auto& t : threads) t.join();
  if (failure) throw TaskFailed(failed_index, name_task ? name_task(failed_index) : "task " + std::to_string(failed_index), failure);
  if (progress) progress(n, n);
}

}  // namespace scenarios
