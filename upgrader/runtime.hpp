#pragma once
// The only way the upgrader touches the world: a clock, sleeping, yield points, fibers with
// priorities, and a filesystem. Two bindings exist: the simulated one
// (scenarios/sim_runtime.hpp, deterministic) and the real one (upgrader/real_runtime.hpp,
// Boost.Fiber on one thread with real time and POSIX files). upgrader/ never includes sim/.
#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace upgrader {

using Duration = std::chrono::nanoseconds;
using Time = std::chrono::nanoseconds;

// A filesystem error: what was attempted, on which path, and why.
class IoError : public std::runtime_error {
 public:
  // Io: the device failed the operation (EIO), which says nothing about the file's contents.
  enum class Kind { NotFound, Exists, BadPath, NotAFile, NoSpace, Io, Other };
  IoError(Kind kind, std::string path, const std::string& what)
      : std::runtime_error(path + ": " + what), kind_(kind), path_(std::move(path)) {}
  Kind kind() const { return kind_; }
  const std::string& path() const { return path_; }

 private:
  Kind kind_;
  std::string path_;
};

// Paths are relative to the server's working directory, '/'-separated.
class Filesystem {
 public:
  virtual ~Filesystem() = default;
  virtual void mkdir(const std::string& path) = 0;  // no error if it already exists
  virtual void write(const std::string& path, std::string_view data) = 0;  // create or truncate
  virtual std::string read(const std::string& path) = 0;  // regular files only, no symlinks
  virtual void rename(const std::string& from, const std::string& to) = 0;
  virtual void unlink(const std::string& path) = 0;
  virtual void fsync(const std::string& path) = 0;
  virtual void fsync_dir(const std::string& path) = 0;
  virtual std::vector<std::string> list(const std::string& dir) = 0;  // directory order
  virtual bool exists(const std::string& path) = 0;
  // A regular file (not a directory, not a symbolic link, not a device).
  virtual bool is_regular_file(const std::string& path) = 0;
  virtual std::uint64_t size(const std::string& path) = 0;
};

class Runtime {
 public:
  virtual ~Runtime() = default;
  virtual Time now() = 0;
  virtual void sleep_for(Duration d) = 0;
  // A point where another fiber may run (every message send is one).
  virtual void yield() = 0;
  // Work that holds the CPU for `d` (a package compile, a snapshot write).
  virtual void spend_cpu(Duration d) = 0;
  virtual void spawn(std::string name, int priority, std::function<void()> body) = 0;
  virtual Filesystem& fs() = 0;
  // The server's log (the post's Transcript).
  virtual void log(std::string_view line) = 0;
};

}  // namespace upgrader
