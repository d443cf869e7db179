#include "support/assert.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace support {
namespace {

std::atomic<AssertContext> context_{nullptr};
std::atomic<int> exit_code_{0};  // 0: abort()

}  // namespace

void set_assert_context(AssertContext context) { context_.store(context); }

void exit_on_assert_failure(int code) { exit_code_.store(code); }

void assertion_failed(const char* condition, const char* file, int line, const std::string& message) {
  std::string context;
  if (const AssertContext describe = context_.load()) context = describe();
  const std::string text = fmt::format("internal error: assertion failed: {} at {}:{}: {}{}{}\n", condition, file, line,
                                       message, context.empty() ? "" : "; in ", context);
  std::fflush(stdout);
  std::fputs(text.c_str(), stderr);
  std::fflush(stderr);
  if (const int code = exit_code_.load(); code != 0) std::_Exit(code);  // other threads may be mid-run: no destructors
  std::abort();
}

}  // namespace support
