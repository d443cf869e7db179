#pragma once
// What the oracles make of a method a request runs — its label (class, selector, package,
// version) and which releases hold its code — worked out once per distinct label for a whole
// run instead of at every send. A request's witness then keeps entries, not strings.
//
// Methods are found by address first, in a small direct-mapped table: a request runs the
// same few methods over and over. An address alone is no key (a release can be freed under
// a request and another method built at the same place), so a hit counts only when the
// method still says exactly what the entry's label says; anything else falls back to the
// label itself. An address only picks a slot: nothing is ever iterated in address order.
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>

#include "upgrader/release.hpp"

namespace scenarios {

struct Releases;

// A method run: class, selector, package, version (formatted only when a request is described).
using MethodLabel = std::tuple<std::string, std::string, std::string, std::int64_t>;
using MethodView = std::tuple<std::string_view, std::string_view, std::string_view, std::int64_t>;
// Orders labels, and compares a label with a view of one, so a lookup copies no string
// (tuples of strings and of views do not compare with each other under every library).
struct LabelLess {
  using is_transparent = void;
  static MethodView view(const MethodLabel& l) { return {std::get<0>(l), std::get<1>(l), std::get<2>(l), std::get<3>(l)}; }
  static const MethodView& view(const MethodView& v) { return v; }
  template <class A, class B>
  bool operator()(const A& a, const B& b) const { return view(a) < view(b); }
};

class MethodIndex {
 public:
  struct Entry {
    MethodLabel label;
    bool held = false;       // some release lacks this code (it is in Releases::holders)
    std::uint64_t bits = 0;  // held: bit r set when release r holds it
  };

  explicit MethodIndex(const Releases& releases) : releases_(&releases) {}
  MethodIndex(const MethodIndex&) = delete;  // the slots point into entries_
  MethodIndex& operator=(const MethodIndex&) = delete;

  // The entry of `m`'s label; it stays at its address for the index's lifetime.
  const Entry& find(const upgrader::CompiledMethod& m) {
    Slot& s = slots_[slot(&m)];
    if (s.method == &m && says(m, s.entry->label)) return *s.entry;
    s.method = &m;
    s.entry = &by_label(m);
    return *s.entry;
  }
  std::size_t size() const { return entries_.size(); }

 private:
  static constexpr std::size_t kSlots = 1024;
  struct Slot {
    const upgrader::CompiledMethod* method = nullptr;  // compared, never followed
    const Entry* entry = nullptr;
  };
  static std::size_t slot(const void* p) {
    const auto a = reinterpret_cast<std::uintptr_t>(p);
    return ((a >> 4) ^ (a >> 14)) % kSlots;
  }
  static bool says(const upgrader::CompiledMethod& m, const MethodLabel& l) {
    return m.version == std::get<3>(l) && m.selector == std::get<1>(l) && m.class_name == std::get<0>(l) &&
           m.package == std::get<2>(l);
  }
  const Entry& by_label(const upgrader::CompiledMethod& m);

  const Releases* releases_;
  std::map<MethodLabel, Entry, LabelLess> entries_;  // nodes do not move: slots and witnesses point at them
  std::array<Slot, kSlots> slots_{};
};

}  // namespace scenarios
