#pragma once
// What an exception says, from an exception_ptr (a worker's failure, a terminate handler).
#include <exception>
#include <string>

namespace support {

inline std::string exception_text(const std::exception_ptr& e) {
  if (!e) return "no exception";
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

}  // namespace support
