#include "scenarios/live/live_runtime.hpp"

#include <time.h>

#include <algorithm>
#include <boost/fiber/context.hpp>

namespace scenarios::live {

LiveRuntime::LiveRuntime(const std::string& root, LiveClock clock) : RealRuntime(root), clock_(clock) {}

void LiveRuntime::sleep_for(upgrader::Duration d) {
  // Only the code loader sleeps through the runtime (between polls): each wake-up begins one.
  RealRuntime::sleep_for(clock_.real(d));
  ++polls_;
  if (hooks_.poll_began) hooks_.poll_began();
}

namespace {
std::chrono::nanoseconds thread_cpu() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}
}  // namespace

void LiveRuntime::spend_cpu(upgrader::Duration d) {
  const sim::Time start = clock_.now();
  const auto work = clock_.real(d);
  const auto until = thread_cpu() + work;
  while (thread_cpu() < until) {
  }  // holding the CPU, no yield point: the work of a compile (or a request's own step)
  if (!on_outside_fiber()) server_cpu_.push_back({start, clock_.now(), d});
}

sim::Duration LiveRuntime::server_cpu_between(sim::Time start, sim::Time end) const {
  double total = 0;
  for (const Work& w : server_cpu_) {
    const sim::Time lo = std::max(w.start, start), hi = std::min(w.end, end);
    if (hi <= lo) continue;
    const auto wall = static_cast<double>((w.end - w.start).count());
    total += wall <= 0 ? 0 : static_cast<double>(w.cpu.count()) * static_cast<double>((hi - lo).count()) / wall;
  }
  return sim::Duration(static_cast<std::int64_t>(total));
}

void LiveRuntime::spawn_outside(std::string name, int priority, std::function<void()> body) {
  RealRuntime::spawn(std::move(name), priority, [this, body = std::move(body)] {
    outside_.insert(boost::fibers::context::active());
    body();
  });
}

bool LiveRuntime::on_outside_fiber() const { return outside_.contains(boost::fibers::context::active()); }

void LiveRuntime::wait_until(sim::Time t) {
  const auto until = clock_.real_at(t);
  const auto left = until - std::chrono::steady_clock::now();
  if (left > std::chrono::nanoseconds(0)) RealRuntime::sleep_for(left);
  else RealRuntime::yield();
}

void LiveRuntime::log(std::string_view line) {
  RealRuntime::log(line);
  if (on_log_) on_log_(line);
}

template <typename F>
auto LiveRuntime::ObservedFs::op(std::string_view name, const std::string& path, const std::string& to, F&& f) -> decltype(f()) {
  if (rt_.hooks_.before_op) rt_.hooks_.before_op(name, path, to);
  if constexpr (std::is_void_v<decltype(f())>) {
    f();
    if (rt_.hooks_.after_op) rt_.hooks_.after_op(name, path, to);
    rt_.yield();
  } else {
    auto result = f();
    if (rt_.hooks_.after_op) rt_.hooks_.after_op(name, path, to);
    rt_.yield();
    return result;
  }
}

void LiveRuntime::ObservedFs::mkdir(const std::string& path) {
  op("mkdir", path, {}, [&] { rt_.RealRuntime::fs().mkdir(path); });
}
void LiveRuntime::ObservedFs::write(const std::string& path, std::string_view data) {
  op("write", path, {}, [&] { rt_.RealRuntime::fs().write(path, data); });
}
std::string LiveRuntime::ObservedFs::read(const std::string& path) {
  return op("read", path, {}, [&] { return rt_.RealRuntime::fs().read(path); });
}
void LiveRuntime::ObservedFs::rename(const std::string& from, const std::string& to) {
  op("rename", from, to, [&] { rt_.RealRuntime::fs().rename(from, to); });
}
void LiveRuntime::ObservedFs::unlink(const std::string& path) {
  op("unlink", path, {}, [&] { rt_.RealRuntime::fs().unlink(path); });
}
void LiveRuntime::ObservedFs::fsync(const std::string& path) {
  op("fsync", path, {}, [&] { rt_.RealRuntime::fs().fsync(path); });
}
void LiveRuntime::ObservedFs::fsync_dir(const std::string& path) {
  op("fsync_dir", path, {}, [&] { rt_.RealRuntime::fs().fsync_dir(path); });
}
std::vector<std::string> LiveRuntime::ObservedFs::list(const std::string& dir) {
  return op("list", dir, {}, [&] { return rt_.RealRuntime::fs().list(dir); });
}
bool LiveRuntime::ObservedFs::exists(const std::string& path) {
  return op("stat", path, {}, [&] { return rt_.RealRuntime::fs().exists(path); });
}
bool LiveRuntime::ObservedFs::is_regular_file(const std::string& path) {
  return op("stat", path, {}, [&] { return rt_.RealRuntime::fs().is_regular_file(path); });
}
std::uint64_t LiveRuntime::ObservedFs::size(const std::string& path) {
  return op("stat", path, {}, [&] { return rt_.RealRuntime::fs().size(path); });
}

}  // namespace scenarios::live
