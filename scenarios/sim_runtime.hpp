#pragma once
// The simulated binding of the upgrader's runtime interface: fibers, virtual time and the
// simulated filesystem of a sim::World. Every file operation is a yield point.
#include <algorithm>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/world.hpp"
#include "upgrader/runtime.hpp"

namespace scenarios {

// Sees every file operation a server process makes, right before it and right after it
// succeeds. Observers must not yield, draw choices or touch the disk through the process.
class FsObserver {
 public:
  virtual ~FsObserver() = default;
  virtual void before_op(std::string_view op, const std::string& path, const std::string& to) = 0;
  virtual void after_op(std::string_view op, const std::string& path, const std::string& to) = 0;
};

// I/O errors injected into a process's reads, writes and fsyncs, drawn per operation
// (nothing is drawn at 0): EIO, and after a failed fsync the file's pages count as clean.
struct IoErrors {
  std::uint32_t read_ppm = 0, write_ppm = 0, fsync_ppm = 0;
};

class SimFilesystem : public upgrader::Filesystem {
 public:
  SimFilesystem(sim::SimFs& fs, sim::ChoiceStream& choices) : fs_(fs), choices_(choices) {}
  // Runs before every operation the upgrader makes (crash-point enumeration counts them).
  void set_before_op(std::function<void(std::string_view op, const std::string& path)> hook) { before_op_ = std::move(hook); }
  void set_io_errors(IoErrors errors) { errors_ = errors; }
  void set_observer(FsObserver* observer) { observer_ = observer; }
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
  void before(std::string_view op, const std::string& path, const std::string& to = {}) const {
    if (before_op_) before_op_(op, path);
    if (observer_ != nullptr) observer_->before_op(op, path, to);
  }
  // True when an injected error strikes this operation.
  bool io_error(std::uint32_t ppm) const { return ppm > 0 && choices_.chance_ppm(ppm); }
  void after(std::string_view op, const std::string& path, const std::string& to = {}) const {
    if (observer_ != nullptr) observer_->after_op(op, path, to);
  }
  sim::SimFs& fs_;
  sim::ChoiceStream& choices_;
  std::function<void(std::string_view, const std::string&)> before_op_;
  FsObserver* observer_ = nullptr;
  IoErrors errors_;
};

// Thrown into code of a server process that has crashed (a request it was running). Not a
// std::exception, so the server's own error handling cannot swallow its death.
struct ProcessDied {};

// A span of virtual time during which the server's own fibers (the code loader) held the CPU.
using CpuSpan = sim::Scheduler::CpuSpan;

class SimRuntime : public upgrader::Runtime {
 public:
  // `index`: which process this is (0 for the first boot, then one more per restart).
  // `label`: the image's name in a cluster ("image-1"), put before its fibers' names.
  explicit SimRuntime(sim::World& world, int index = 0, std::string label = {})
      : world_(world), fs_(world.fs(), world.choices()), index_(index), label_(std::move(label)) {}
  int index() const { return index_; }
  upgrader::Time now() override { return world_.now(); }
  // Only the code loader sleeps (between polls): each wake-up begins a poll.
  void sleep_for(upgrader::Duration d) override {
    check_alive();
    world_.sleep_for(d);
    check_alive();
    ++polls_;
    if (on_wake_) on_wake_();
  }
  int polls() const { return polls_; }
  void set_on_wake(std::function<void()> hook) { on_wake_ = std::move(hook); }
  SimFilesystem& sim_fs() { return fs_; }
  void yield() override {
    check_alive();
    world_.yield();
    check_alive();
  }
  void spend_cpu(upgrader::Duration d) override;
  void spawn(std::string name, int priority, std::function<void()> body) override {
    fibers_.push_back(world_.spawn(label_.empty() ? std::move(name) : label_ + " " + name, priority, std::move(body)));
  }
  // The server process dies: every fiber it spawned unwinds at its next yield point, and
  // requests it was running fail with ProcessDied at theirs.
  void kill_all() {
    dead_ = true;
    for (const sim::FiberRef& f : fibers_) world_.kill(f);
  }
  bool dead() const { return dead_; }
  // Whether this process spawned `fiber` (a running one: its record holds it, so its id tells).
  bool owns(const sim::FiberInfo* fiber) const {
    return fiber != nullptr &&
           std::any_of(fibers_.begin(), fibers_.end(), [&](const sim::FiberRef& f) { return f.id == fiber->id; });
  }
  // Where the server's own fibers held the CPU (pause measurement).
  const std::vector<CpuSpan>& server_cpu() const { return server_cpu_; }
  // Each piece of the server's own work from its start to its end, with the time requests
  // that preempted it ran (a request inside one met the upgrade's work, held or not).
  const std::vector<CpuSpan>& server_work() const { return server_work_; }
  upgrader::Filesystem& fs() override { return fs_; }
  // Runs before each file operation made by this process's own fibers (not requests).
  void on_server_fs_op(std::function<void(std::string_view op, const std::string& path)> hook) {
    fs_.set_before_op([this, hook = std::move(hook)](std::string_view op, const std::string& path) {
      check_alive();
      if (owns(world_.scheduler().current())) hook(op, path);
    });
  }
  void log(std::string_view line) override;
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  sim::World& world_;
  SimFilesystem fs_;
  std::vector<std::string> lines_;
  std::vector<sim::FiberRef> fibers_;
  std::vector<CpuSpan> server_cpu_;
  std::vector<CpuSpan> server_work_;
  bool dead_ = false;
  int index_ = 0;
  std::string label_;
  int polls_ = 0;
  std::function<void()> on_wake_;

  void check_alive() const {
    if (dead_) throw ProcessDied();
  }
};

}  // namespace scenarios
