#pragma once
// HOTSIM_ASSERT(cond, "format {}", args...): an invariant check that is always on (release
// builds included). A failure is an internal error of hotsim, never of its input: it prints
// "internal error: assertion failed" with the condition, the place, the message and, when a
// simulated world runs on this thread, its seed and step, then ends the process — abort()
// by default (tests and fuzzers see a crash), or exit with a code the program chose
// (`hotsim` exits 3). The arguments are formatted only when the condition fails.
#include <fmt/format.h>

#include <string>

namespace support {

// Describes what is running on this thread ("seed 7, step 1234, ..."), or "" for nothing.
// sim/ registers one so support/ need not know about worlds.
using AssertContext = std::string (*)();
void set_assert_context(AssertContext context);

// From now on a failed assertion exits the process with `code` instead of aborting.
void exit_on_assert_failure(int code);

[[noreturn]] void assertion_failed(const char* condition, const char* file, int line, const std::string& message);

}  // namespace support

#define HOTSIM_ASSERT(cond, ...)                                                                    \
  do {                                                                                              \
    if (!(cond)) [[unlikely]]                                                                       \
      ::support::assertion_failed(#cond, __FILE__, __LINE__, ::fmt::format(__VA_ARGS__));         \
  } while (false)
