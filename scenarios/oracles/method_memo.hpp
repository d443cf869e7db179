#pragma once
// The methods one request has already run, remembered by address so that a method run again
// (a request runs the same few over and over) costs no map lookup. An address alone is no
// key: a release can be freed under a request and another method built at the same place,
// so each entry keeps a copy of what the method said (class, selector, package, version)
// and a hit must match it too. A miss only costs the caller its slow path again.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "upgrader/release.hpp"

namespace scenarios {

class MethodMemo {
 public:
  // Whether `m`, at this address and with this content, was remembered.
  bool contains(const upgrader::CompiledMethod& m) const {
    if (!slots_) return false;
    const Slot& s = (*slots_)[slot(&m)];
    return s.method == &m && s.version == m.version && s.class_name == m.class_name && s.selector == m.selector &&
           s.package == m.package;
  }
  // Remembers `m` (forgetting whatever shared its slot).
  void remember(const upgrader::CompiledMethod& m) {
    if (!slots_) slots_ = std::make_unique<std::array<Slot, kSlots>>();  // only requests that run code pay for it
    Slot& s = (*slots_)[slot(&m)];
    s.method = &m;
    s.version = m.version;
    s.class_name = m.class_name;
    s.selector = m.selector;
    s.package = m.package;
  }

  MethodMemo() = default;
  MethodMemo(const MethodMemo& o) : slots_(o.slots_ ? std::make_unique<std::array<Slot, kSlots>>(*o.slots_) : nullptr) {}
  MethodMemo& operator=(const MethodMemo& o) {
    if (this != &o) slots_ = o.slots_ ? std::make_unique<std::array<Slot, kSlots>>(*o.slots_) : nullptr;
    return *this;
  }
  MethodMemo(MethodMemo&&) noexcept = default;
  MethodMemo& operator=(MethodMemo&&) noexcept = default;

 private:
  static constexpr std::size_t kSlots = 32;
  struct Slot {
    const upgrader::CompiledMethod* method = nullptr;  // compared, never followed
    std::int64_t version = 0;
    std::string class_name, selector, package;
  };
  static std::size_t slot(const void* p) {
    const auto a = reinterpret_cast<std::uintptr_t>(p);
    return ((a >> 4) ^ (a >> 9)) % kSlots;  // an address only picks a slot: nothing iterates in address order
  }
  std::unique_ptr<std::array<Slot, kSlots>> slots_;
};

}  // namespace scenarios
