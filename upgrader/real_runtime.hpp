#pragma once
// The real binding of the runtime interface: Boost.Fiber on one thread with real time, and
// POSIX files under a root directory with real fsync of files and directories.
// Fibers run by priority (real_scheduler.hpp), as the simulator's do. One RealRuntime per
// thread at a time; it installs its scheduler on construction and restores Boost's default
// when destroyed, after every fiber it spawned has finished.
#include <cstddef>
#include <string>
#include <vector>

#include "upgrader/runtime.hpp"

namespace upgrader {

class PosixFilesystem : public Filesystem {
 public:
  // Every path is relative to `root`; '..', absolute paths and symbolic links are refused.
  explicit PosixFilesystem(std::string root) : root_(std::move(root)) {}
  void mkdir(const std::string& path) override;
  void write(const std::string& path, std::string_view data) override;
  std::string read(const std::string& path) override;
  void rename(const std::string& from, const std::string& to) override;
  void unlink(const std::string& path) override;
  void fsync(const std::string& path) override;
  void fsync_dir(const std::string& path) override;
  std::vector<std::string> list(const std::string& dir) override;
  bool exists(const std::string& path) override;
  bool is_regular_file(const std::string& path) override;
  std::uint64_t size(const std::string& path) override;

 private:
  std::string full(const std::string& path) const;
  std::string root_;
};

class RealRuntime : public Runtime {
 public:
  explicit RealRuntime(std::string root);
  ~RealRuntime() override;
  RealRuntime(const RealRuntime&) = delete;
  RealRuntime& operator=(const RealRuntime&) = delete;
  Time now() override;
  void sleep_for(Duration d) override;
  void yield() override;
  void spend_cpu(Duration) override {}  // real work takes real time by itself
  void spawn(std::string name, int priority, std::function<void()> body) override;
  Filesystem& fs() override { return fs_; }
  void log(std::string_view line) override;

  // From the thread's main fiber: runs the fibers until all have finished. Code on the main
  // fiber waits through sleep_for()/yield() of this runtime, never Boost's directly.
  void join_all();
  std::size_t live_fibers() const { return live_; }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  PosixFilesystem fs_;
  std::chrono::steady_clock::time_point start_;
  std::size_t live_ = 0;
  std::vector<std::string> lines_;
};

}  // namespace upgrader
