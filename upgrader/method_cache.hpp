#pragma once
// A release's method cache, as a Smalltalk VM keeps one: (class, selector) -> the method a
// lookup found (or none), direct-mapped. A release never changes once published, so an
// entry never goes stale; a release copied to build the next one starts with it empty.
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace upgrader {

struct CompiledMethod;

class MethodCache {
 public:
  MethodCache() = default;
  MethodCache(const MethodCache&) {}
  MethodCache& operator=(const MethodCache&) {
    entries_ = {};
    return *this;
  }

  // The cached answer, or false when the pair is not cached.
  bool find(const std::string& class_name, const std::string& selector, const CompiledMethod*& method) const {
    const Entry& e = entries_[slot(class_name, selector)];
    if (!e.used || e.class_name != class_name || e.selector != selector) return false;
    method = e.method;
    return true;
  }
  void put(const std::string& class_name, const std::string& selector, const CompiledMethod* method) {
    Entry& e = entries_[slot(class_name, selector)];
    e.used = true;
    e.class_name = class_name;
    e.selector = selector;
    e.method = method;
  }

 private:
  static constexpr std::size_t kSize = 256;
  static std::size_t slot(std::string_view class_name, std::string_view selector) {
    const std::size_t h = std::hash<std::string_view>{}(class_name) * 31 + std::hash<std::string_view>{}(selector);
    return h % kSize;
  }
  struct Entry {
    bool used = false;
    std::string class_name, selector;
    const CompiledMethod* method = nullptr;
  };
  std::array<Entry, kSize> entries_{};
};

}  // namespace upgrader
