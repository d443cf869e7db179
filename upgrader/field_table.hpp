#pragma once
// An object's fields by name, kept in name order in one vector. An object has a handful of
// fields: a tree of them cost a node allocation per field, and making objects was a seventh
// of the default suite's time. Iteration is in name order, as std::map's was, so snapshots
// encode the same bytes.
#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace upgrader {

using ObjectId = std::uint64_t;
struct ObjectRef {
  ObjectId id;
  bool operator==(const ObjectRef&) const = default;
};
using Value = std::variant<std::monostate, std::int64_t, std::string, ObjectRef>;

class FieldTable {
 public:
  using value_type = std::pair<std::string, Value>;
  using iterator = std::vector<value_type>::iterator;
  using const_iterator = std::vector<value_type>::const_iterator;

  FieldTable() = default;
  // Every field of `names` (distinct) set to nil.
  static FieldTable nil_fields(const std::vector<std::string>& names) {
    FieldTable t;
    t.fields_.reserve(names.size());
    for (const auto& n : names) t.fields_.emplace_back(n, Value{});
    std::sort(t.fields_.begin(), t.fields_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    return t;
  }

  iterator find(std::string_view name) {
    auto it = lower(name);
    return it != fields_.end() && it->first == name ? it : fields_.end();
  }
  const_iterator find(std::string_view name) const { return const_cast<FieldTable*>(this)->find(name); }
  bool contains(std::string_view name) const { return find(name) != end(); }
  std::size_t count(std::string_view name) const { return contains(name) ? 1 : 0; }
  Value& at(std::string_view name) {
    auto it = find(name);
    if (it == fields_.end()) throw std::out_of_range("FieldTable::at: no field '" + std::string(name) + "'");
    return it->second;
  }
  const Value& at(std::string_view name) const { return const_cast<FieldTable*>(this)->at(name); }
  // The field, added as nil in its place when missing.
  Value& operator[](std::string_view name) {
    auto it = lower(name);
    if (it == fields_.end() || it->first != name) it = fields_.emplace(it, std::string(name), Value{});
    return it->second;
  }
  // As std::map's: the hint is only a hint; the field goes in its place (or stays, if there).
  iterator emplace_hint(const_iterator, std::string name, Value value) {
    auto it = lower(name);
    if (it != fields_.end() && it->first == name) return it;
    return fields_.emplace(it, std::move(name), std::move(value));
  }

  std::size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }
  iterator begin() { return fields_.begin(); }
  iterator end() { return fields_.end(); }
  const_iterator begin() const { return fields_.begin(); }
  const_iterator end() const { return fields_.end(); }
  auto rbegin() const { return fields_.rbegin(); }
  bool operator==(const FieldTable&) const = default;

 private:
  iterator lower(std::string_view name) {
    return std::lower_bound(fields_.begin(), fields_.end(), name,
                            [](const value_type& f, std::string_view n) { return f.first < n; });
  }
  std::vector<value_type> fields_;
};

}  // namespace upgrader
