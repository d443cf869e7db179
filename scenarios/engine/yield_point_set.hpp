#pragma once
// Update points ("Class>>selector" send sites) looked up by their class and selector as
// they come from a send, so that a send builds no string: only a point not seen before is
// formatted. Only membership is asked: the order points are reported in is kept by the
// caller, never read from this hash set.
#include <string>
#include <string_view>
#include <unordered_set>

#include "upgrader/checksum.hpp"

namespace scenarios {

// A point's parts, as a send has them.
struct PointView {
  std::string_view class_name, selector;
};

// Whether `point` is exactly class_name + ">>" + selector.
inline bool same_point(std::string_view point, PointView v) {
  const std::size_t c = v.class_name.size();
  return point.size() == c + 2 + v.selector.size() && point.substr(0, c) == v.class_name && point.substr(c, 2) == ">>" &&
         point.substr(c + 2) == v.selector;
}

class YieldPointSet {
 public:
  // Adds the point; true when it was not there yet.
  bool insert(PointView v) {
    if (points_.find(v) != points_.end()) return false;
    points_.insert(format(v));
    return true;
  }
  bool contains(PointView v) const { return points_.find(v) != points_.end(); }
  std::size_t size() const { return points_.size(); }

  static std::string format(PointView v) {
    std::string s;
    s.reserve(v.class_name.size() + 2 + v.selector.size());
    s.append(v.class_name).append(">>").append(v.selector);
    return s;
  }

 private:
  // FNV-1a over the point's bytes, chained over the pieces for a view: the same value either way.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return upgrader::fnv1a64(s); }
    std::size_t operator()(const std::string& s) const { return (*this)(std::string_view(s)); }
    std::size_t operator()(PointView v) const {
      return upgrader::fnv1a64(v.selector, upgrader::fnv1a64(">>", upgrader::fnv1a64(v.class_name)));
    }
  };
  struct Equal {
    using is_transparent = void;
    bool operator()(const std::string& a, const std::string& b) const { return a == b; }
    bool operator()(const std::string& a, PointView b) const { return same_point(a, b); }
    bool operator()(PointView a, const std::string& b) const { return same_point(b, a); }
  };
  std::unordered_set<std::string, Hash, Equal> points_;
};

}  // namespace scenarios
