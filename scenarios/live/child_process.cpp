#include "scenarios/live/child_process.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace scenarios::live {

ChildProcess ChildProcess::fork(const std::function<void()>& body) {
  std::fflush(nullptr);  // nothing buffered is written twice
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {
    body();
    ::_exit(127);  // body must not return
  }
  return ChildProcess(pid);
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    kill();
    pid_ = other.pid_;
    born_ = other.born_;
    wait_ = other.wait_;
    lifetime_ = other.lifetime_;
    status_ = other.status_;
    other.pid_ = -1;
  }
  return *this;
}

void ChildProcess::read_schedstat() {
  lifetime_ = std::chrono::steady_clock::now() - born_;
  std::ifstream in(fmt::format("/proc/{}/schedstat", pid_));
  long long on_cpu = 0, waiting = 0;
  if (in >> on_cpu >> waiting) wait_ = std::chrono::nanoseconds(waiting);
}

void ChildProcess::reaped(int wstatus) {
  status_ = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : WIFSIGNALED(wstatus) ? -WTERMSIG(wstatus) : -1;
}

bool ChildProcess::poll() {
  if (pid_ <= 0 || status_) return true;
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid != pid_) return false;
  read_schedstat();  // ended, not yet reaped: its /proc entry is still there
  int wstatus = 0;
  if (::waitpid(pid_, &wstatus, 0) == pid_) reaped(wstatus);
  return status_.has_value();
}

void ChildProcess::kill() {
  if (pid_ <= 0 || status_) return;
  read_schedstat();
  ::kill(pid_, SIGKILL);
  int wstatus = 0;
  while (::waitpid(pid_, &wstatus, 0) < 0 && errno == EINTR) {
  }
  reaped(wstatus);
}

bool ChildProcess::wait_for(std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!poll()) {
    if (std::chrono::steady_clock::now() >= until) {
      kill();
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace scenarios::live
