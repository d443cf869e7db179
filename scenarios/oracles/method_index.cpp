#include "scenarios/oracles/method_index.hpp"

#include "scenarios/oracles/evidence.hpp"

namespace scenarios {

const MethodIndex::Entry& MethodIndex::by_label(const upgrader::CompiledMethod& m) {
  const MethodView key{m.class_name, m.selector, m.package, m.version};
  if (const auto it = entries_.find(key); it != entries_.end()) return it->second;
  Entry e;
  e.label = MethodLabel{m.class_name, m.selector, m.package, m.version};
  if (const auto h = releases_->holders.find(PackageVersionLess::View{m.package, m.version}); h != releases_->holders.end()) {
    e.held = true;
    e.bits = h->second;
  }
  MethodLabel label = e.label;
  return entries_.emplace(std::move(label), std::move(e)).first->second;
}

}  // namespace scenarios
