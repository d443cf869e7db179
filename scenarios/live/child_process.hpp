#pragma once
// A forked child of a live run, always reaped: killed with SIGKILL and waited for when its
// owner goes (an exception, the end of the run), so no run leaves a process behind.
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>

namespace scenarios::live {

class ChildProcess {
 public:
  // Forks; the child runs `body`, which must never return (it ends with _exit).
  // Throws std::runtime_error if fork fails.
  static ChildProcess fork(const std::function<void()>& body);

  ChildProcess() = default;
  ChildProcess(ChildProcess&& other) noexcept
      : pid_(other.pid_), born_(other.born_), wait_(other.wait_), lifetime_(other.lifetime_), status_(other.status_) {
    other.pid_ = -1;
  }
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ~ChildProcess() { kill(); }

  bool running() const { return pid_ > 0 && !status_; }
  // Reaps the child if it has ended; true if it has.
  bool poll();
  // SIGKILL and reap (no-op once it has ended).
  void kill();
  // Waits up to `limit` for it to end by itself, then kills it. True if it ended by itself.
  bool wait_for(std::chrono::milliseconds limit);
  // How it ended: exit status, or -signal.
  std::optional<int> status() const { return status_; }
  pid_t pid() const { return pid_; }
  // How long it waited for a CPU while runnable, and how long it lived (read from
  // /proc/<pid>/schedstat just before it was reaped; zero if that could not be read): a
  // machine too loaded to give a live run its real time shows here.
  std::chrono::nanoseconds runqueue_wait() const { return wait_; }
  std::chrono::nanoseconds lifetime() const { return lifetime_; }

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  void reaped(int wstatus);
  void read_schedstat();
  pid_t pid_ = -1;
  std::chrono::steady_clock::time_point born_ = std::chrono::steady_clock::now();
  std::chrono::nanoseconds wait_{0}, lifetime_{0};
  std::optional<int> status_;
};

}  // namespace scenarios::live
