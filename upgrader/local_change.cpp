#include "upgrader/local_change.hpp"

#include <fmt/format.h>

#include <memory>

namespace upgrader {

void type_in_methods(Image& image, const Package& hotfix) {
  if (!hotfix.classes.empty())
    throw LoadError(fmt::format("{}:{}: a local change types in methods; it defines no class", hotfix.source,
                                hotfix.classes.front().line));
  if (!hotfix.initializers.empty())
    throw LoadError(fmt::format("{}:{}: a local change types in methods; it runs no initializer", hotfix.source,
                                hotfix.initializers.front().line));
  if (hotfix.methods.empty()) throw LoadError(fmt::format("{}:1: a local change needs at least one [[method]]", hotfix.source));
  auto next = std::make_shared<Release>(*image.current());
  for (const MethodDef& m : hotfix.methods) {
    auto it = next->classes.find(m.class_name);
    if (it == next->classes.end())
      throw LoadError(fmt::format("{}:{}: method {}>>{} for a class that is not in the image", hotfix.source, m.line, m.class_name,
                                  m.selector));
    it->second.methods[m.selector] = std::make_shared<const CompiledMethod>(
        CompiledMethod{m.class_name, m.selector, m.body, /*package=*/"", /*version=*/0});
  }
  next->number = image.current()->number + 1;
  image.publish(std::move(next));
}

std::vector<std::string> overwritten_local_changes(const Release& current, const Release& next) {
  std::vector<std::string> lost;
  for (const auto& [class_name, info] : current.classes)
    for (const auto& [selector, method] : info.methods) {
      if (!method->package.empty()) continue;
      // Kept: `next` still holds this very method (a release is built as a copy of the one
      // before it, so a method no package replaced is the same object).
      const auto c = next.classes.find(class_name);
      bool kept = false;
      if (c != next.classes.end())
        if (const auto m = c->second.methods.find(selector); m != c->second.methods.end()) kept = m->second == method;
      if (!kept) lost.push_back(fmt::format("{}>>{}", class_name, selector));
    }
  return lost;
}

}  // namespace upgrader
