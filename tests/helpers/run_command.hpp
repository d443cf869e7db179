#pragma once
// Runs a shell command and returns what it printed on stdout (tests that start hotsim or a browser).
#include <array>
#include <cstdio>
#include <string>

namespace testing_support {

inline std::string run_command(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  std::array<char, 65536> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  pclose(pipe);
  return out;
}

}  // namespace testing_support
