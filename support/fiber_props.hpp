#pragma once
// The one Boost.Fiber properties type of every hotsim scheduler. Boost attaches properties
// to its main and dispatcher contexts once per thread and keeps them, so a simulated world
// and the real runtime used one after the other on a thread must agree on the type.
#include <boost/fiber/properties.hpp>
#include <cstddef>

namespace support {

struct FiberProps : boost::fibers::fiber_properties {
  using boost::fibers::fiber_properties::fiber_properties;
  void* owner = nullptr;               // the scheduler's own record of the fiber (sim::FiberInfo)
  int priority = 0;                    // real runtime: Smalltalk-like priority
  const void* stack_bottom = nullptr;  // for ASan's stack-switch annotations
  std::size_t stack_size = 0;
};

}  // namespace support
