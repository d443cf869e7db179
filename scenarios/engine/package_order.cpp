#include "scenarios/engine/package_order.hpp"

#include <algorithm>

namespace scenarios {

std::vector<std::size_t> package_order(const std::string& how, const Releases& releases, const std::vector<std::size_t>& batch,
                                       const std::function<std::size_t(std::size_t)>& below) {
  const auto& pkgs = releases.new_packages;
  std::vector<std::size_t> order;
  if (how == "name") {
    order = batch;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return releases.new_files[a] < releases.new_files[b]; });
    return order;
  }
  std::vector<bool> placed(batch.size(), false);
  auto ready = [&](std::size_t k) {
    for (const auto& r : pkgs[batch[k]].requirements)
      for (std::size_t j = 0; j < batch.size(); ++j)
        if (!placed[j] && j != k && pkgs[batch[j]].name == r.package) return false;
    return true;
  };
  while (order.size() < batch.size()) {
    std::size_t next = batch.size();
    for (std::size_t k = 0; k < batch.size() && next == batch.size(); ++k)
      if (!placed[k] && ready(k)) next = k;
    if (next == batch.size())  // a cycle: the rest as listed
      for (std::size_t k = 0; k < batch.size() && next == batch.size(); ++k)
        if (!placed[k]) next = k;
    placed[next] = true;
    order.push_back(batch[next]);
  }
  if (how == "reverse") std::reverse(order.begin(), order.end());
  if (how == "shuffled")
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[below(i)]);
  return order;
}

}  // namespace scenarios
