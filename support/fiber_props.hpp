#pragma once
// The Boost.Fiber properties of the real runtime's scheduler (upgrader/real_scheduler.hpp).
// The simulator switches Boost.Context fibers itself and attaches none.
#include <boost/fiber/properties.hpp>
#include <cstddef>

namespace support {

struct FiberProps : boost::fibers::fiber_properties {
  using boost::fibers::fiber_properties::fiber_properties;
  int priority = 0;                    // real runtime: Smalltalk-like priority
  const void* stack_bottom = nullptr;  // for ASan's stack-switch annotations
  std::size_t stack_size = 0;
};

}  // namespace support
