#include "upgrader/real_runtime.hpp"

#include "support/asan_fibers.hpp"
#include "upgrader/real_scheduler.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/fiber/algo/round_robin.hpp>
#include <boost/fiber/fiber.hpp>
#include <boost/fiber/fixedsize_stack.hpp>
#include <boost/fiber/operations.hpp>
#include <cerrno>
#include <cstring>

namespace upgrader {
namespace {

[[noreturn]] void fail(const std::string& path, const char* op) {
  const int err = errno;
  IoError::Kind kind = err == ENOENT ? IoError::Kind::NotFound
                       : err == EEXIST ? IoError::Kind::Exists
                       : err == ENOSPC ? IoError::Kind::NoSpace
                       : err == EIO ? IoError::Kind::Io
                       : err == ELOOP || err == EISDIR || err == ENOTDIR ? IoError::Kind::NotAFile
                                                                         : IoError::Kind::Other;
  throw IoError(kind, path, fmt::format("{}: {}", op, std::strerror(err)));
}

class Fd {
 public:
  Fd(const std::string& path, int flags, mode_t mode = 0) : fd_(::open(path.c_str(), flags | O_CLOEXEC, mode)) {
    if (fd_ < 0) fail(path, "open");
  }
  ~Fd() { ::close(fd_); }
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::string PosixFilesystem::full(const std::string& path) const {
  if (path.empty()) throw IoError(IoError::Kind::BadPath, path, "empty path");
  if (path.front() == '/') throw IoError(IoError::Kind::BadPath, path, "absolute path; expected a relative one");
  if (path == ".") return root_;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = path.find('/', start);
    const std::string part = path.substr(start, end == std::string::npos ? end : end - start);
    if (part.empty() || part == "." || part == "..")
      throw IoError(IoError::Kind::BadPath, path, "empty, '.' or '..' path component");
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return root_ + "/" + path;
}

void PosixFilesystem::mkdir(const std::string& path) {
  if (::mkdir(full(path).c_str(), 0755) != 0 && errno != EEXIST) fail(path, "mkdir");
}

void PosixFilesystem::write(const std::string& path, std::string_view data) {
  Fd fd(full(path), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
  while (!data.empty()) {
    const ssize_t n = ::write(fd.get(), data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(path, "write");
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string PosixFilesystem::read(const std::string& path) {
  Fd fd(full(path), O_RDONLY | O_NOFOLLOW);
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) fail(path, "fstat");
  if (!S_ISREG(st.st_mode)) throw IoError(IoError::Kind::NotAFile, path, "not a regular file");
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(path, "read");
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

void PosixFilesystem::rename(const std::string& from, const std::string& to) {
  if (::rename(full(from).c_str(), full(to).c_str()) != 0) fail(from, "rename");
}

void PosixFilesystem::unlink(const std::string& path) {
  if (::unlink(full(path).c_str()) != 0) fail(path, "unlink");
}

void PosixFilesystem::fsync(const std::string& path) {
  Fd fd(full(path), O_RDONLY | O_NOFOLLOW);
  if (::fsync(fd.get()) != 0) fail(path, "fsync");
}

void PosixFilesystem::fsync_dir(const std::string& path) {
  Fd fd(full(path), O_RDONLY | O_DIRECTORY);
  if (::fsync(fd.get()) != 0) fail(path, "fsync (directory)");
}

std::vector<std::string> PosixFilesystem::list(const std::string& dir) {
  DIR* d = ::opendir(full(dir).c_str());
  if (d == nullptr) fail(dir, "opendir");
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  return names;  // real directory order, as the post's loader sees it
}

bool PosixFilesystem::exists(const std::string& path) {
  struct stat st{};
  return ::lstat(full(path).c_str(), &st) == 0;
}

bool PosixFilesystem::is_regular_file(const std::string& path) {
  struct stat st{};
  return ::lstat(full(path).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

namespace {

// Boost's fixed-size stack, telling the scheduler where the stack lies (for ASan).
class RecordingStack {
 public:
  explicit RecordingStack(std::size_t size) : inner_(size) {}
  boost::context::stack_context allocate() {
    boost::context::stack_context sctx = inner_.allocate();
    RealPriorityScheduler::pending().stack_bottom = static_cast<const char*>(sctx.sp) - sctx.size;
    RealPriorityScheduler::pending().stack_size = sctx.size;
    return sctx;
  }
  void deallocate(boost::context::stack_context& sctx) noexcept { inner_.deallocate(sctx); }

 private:
  boost::fibers::fixedsize_stack inner_;
};

}  // namespace

std::uint64_t PosixFilesystem::size(const std::string& path) {
  struct stat st{};
  if (::lstat(full(path).c_str(), &st) != 0) fail(path, "lstat");
  return static_cast<std::uint64_t>(st.st_size);
}

RealRuntime::RealRuntime(std::string root) : fs_(std::move(root)), start_(std::chrono::steady_clock::now()) {
  boost::fibers::use_scheduling_algorithm<RealPriorityScheduler>();
}

RealRuntime::~RealRuntime() {
  join_all();
  RealPriorityScheduler::migrating() = true;
  boost::fibers::use_scheduling_algorithm<boost::fibers::algo::round_robin>();
  RealPriorityScheduler::migrating() = false;
}

Time RealRuntime::now() { return std::chrono::steady_clock::now() - start_; }

void RealRuntime::sleep_for(Duration d) {
  boost::this_fiber::sleep_for(d);
  support::asan::after_switch();
}

void RealRuntime::yield() {
  boost::this_fiber::yield();
  support::asan::after_switch();
}

void RealRuntime::spawn(std::string name, int priority, std::function<void()> body) {
  ++live_;
  RealPriorityScheduler::pending().priority = priority;
  boost::fibers::fiber(std::allocator_arg, RecordingStack(256 * 1024), [this, name = std::move(name), body = std::move(body)] {
    support::asan::after_switch();
    try {
      body();
    } catch (const std::exception& e) {
      log(fmt::format("fiber '{}' died: {}", name, e.what()));  // never std::terminate
    }
    --live_;
    RealPriorityScheduler::dying() = boost::fibers::context::active();
  }).detach();
}

void RealRuntime::log(std::string_view line) {
  lines_.emplace_back(fmt::format("[{:.3f}s] {}", std::chrono::duration<double>(now()).count(), line));
}

void RealRuntime::join_all() {
  while (live_ > 0) sleep_for(std::chrono::milliseconds(1));
}

}  // namespace upgrader
