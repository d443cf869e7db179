#pragma once
// The runtime a live server process gives its upgrader: the real binding (RealRuntime:
// Boost.Fiber on one thread, the priority scheduler, POSIX files under the run's directory)
// on the run's scaled clock, with what the harness must see from outside the upgrader:
//  - now() and sleep_for() are in scenario time (real time / scale), so the server's poll
//    period and session timeout hold as the scenario writes them;
//  - spend_cpu() really holds the CPU (a spin) for the scaled duration of this thread's CPU
//    time: a compile costs the work the scenario says, and requests wait behind it as they
//    would behind a real Monticello load (CPU time, not wall time: when the OS runs another
//    process meanwhile, the work takes longer, and that wait is not the upgrade's);
//  - every file operation is reported before and after (the recorder) and is a yield point,
//    as in the model (DESIGN.md, scheduling model);
//  - the code loader's wake-ups (its only sleep) begin polls.
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/live/live_clock.hpp"
#include "scenarios/sim_runtime.hpp"
#include "upgrader/real_runtime.hpp"

namespace scenarios::live {

class LiveRuntime : public upgrader::RealRuntime {
 public:
  struct Hooks {
    std::function<void(std::string_view op, const std::string& path, const std::string& to)> before_op, after_op;
    std::function<void()> poll_began;
  };

  LiveRuntime(const std::string& root, LiveClock clock);
  void set_hooks(Hooks hooks) { hooks_ = std::move(hooks); }
  // Sees each line of the server's log (its events: "installed: ...").
  void on_log(std::function<void(std::string_view line)> hook) { on_log_ = std::move(hook); }

  upgrader::Time now() override { return clock_.now(); }
  void sleep_for(upgrader::Duration d) override;
  void spend_cpu(upgrader::Duration d) override;
  upgrader::Filesystem& fs() override { return observed_; }
  void log(std::string_view line) override;

  // The harness's fibers in the server's process (the load's clients, the end of the run):
  // their CPU is not the server's own.
  void spawn_outside(std::string name, int priority, std::function<void()> body);
  // Clients and the main fiber: wait in real time until scenario time `t`.
  void wait_until(sim::Time t);

  const LiveClock& clock() const { return clock_; }
  int polls() const { return polls_; }
  // The server's own CPU time (its spend_cpu, not the load's) while [start, end) went by, in
  // scenario time: what held a request back (pause measurement). A span of work shares its
  // CPU time out evenly over the wall time it took.
  sim::Duration server_cpu_between(sim::Time start, sim::Time end) const;

 private:
  class ObservedFs : public upgrader::Filesystem {
   public:
    explicit ObservedFs(LiveRuntime& rt) : rt_(rt) {}
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
    template <typename F>
    auto op(std::string_view name, const std::string& path, const std::string& to, F&& f) -> decltype(f());
    LiveRuntime& rt_;
  };

  bool on_outside_fiber() const;

  LiveClock clock_;
  ObservedFs observed_{*this};
  Hooks hooks_;
  std::function<void(std::string_view)> on_log_;
  int polls_ = 0;
  struct Work {
    sim::Time start, end;  // wall, scenario time
    sim::Duration cpu;     // CPU time, scenario time
  };
  std::vector<Work> server_cpu_;
  std::set<const void*> outside_;  // the harness's fibers (Boost contexts; they live until the process ends)
};

}  // namespace scenarios::live
