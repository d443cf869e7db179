#pragma once
// Runs a shell command and returns what it printed on stdout, and how it ended (tests that
// start hotsim or a browser).
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace testing_support {

struct CommandResult {
  std::string output;  // stdout (add 2>&1 to the command for stderr too)
  int status = -1;     // the exit code; 128 + N when killed by signal N; -1 if it did not start
};

inline CommandResult run_command_status(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 65536> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) result.output.append(buf.data(), n);
  const int wait_status = pclose(pipe);
  if (wait_status != -1 && WIFEXITED(wait_status)) result.status = WEXITSTATUS(wait_status);
  else if (wait_status != -1 && WIFSIGNALED(wait_status)) result.status = 128 + WTERMSIG(wait_status);
  return result;
}

inline std::string run_command(const std::string& command) { return run_command_status(command).output; }

}  // namespace testing_support
