#include "upgrader/image.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <set>

#include "support/assert.hpp"

namespace upgrader {

std::string to_string(const Value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* s = std::get_if<std::string>(&v)) return fmt::format("'{}'", *s);
  if (const auto* r = std::get_if<ObjectRef>(&v)) return fmt::format("#{}", r->id);
  return "nil";
}

Image::Image() : current_(std::make_shared<const Release>(Release::fresh())) {}

void Image::publish(std::shared_ptr<const Release> release) {
  HOTSIM_ASSERT(release != nullptr, "publishing no release");
  HOTSIM_ASSERT(release->number > current_->number, "publishing release {} over release {}: release numbers only grow",
                release->number, current_->number);
  HOTSIM_ASSERT(release->gap().empty(), "publishing an incomplete release {}: {}", release->number, release->gap());
  current_ = std::move(release);
}

void Image::install(const Package& package, bool check_requires) {
  auto next = std::make_shared<Release>(*current_);
  next->apply(package, check_requires);
  next->number = current_->number + 1;
  publish(std::move(next));
}

void Image::migrate(Object& obj) const {
  if (obj.shape_release == current_->number) return;
  obj.shape_release = current_->number;
  if (!current_->classes.contains(obj.class_name)) return;  // class gone: keep as it was
  const auto& shape = current_->all_fields(obj.class_name);
  if (shape.size() == obj.fields.size() &&
      std::all_of(shape.begin(), shape.end(), [&](const std::string& f) { return obj.fields.contains(f); }))
    return;
  FieldTable fields = current_->nil_fields(obj.class_name);
  for (auto& [name, value] : fields)
    if (auto it = obj.fields.find(name); it != obj.fields.end()) value = std::move(it->second);
  obj.fields = std::move(fields);
}

const std::map<ObjectId, Object>& Image::heap() const {
  for (auto& [id, obj] : heap_) migrate(obj);
  return heap_;
}

ObjectId Image::new_object(const std::string& class_name) {
  // Like the VM's collector: allocation triggers a collection once garbage has piled up.
  // Objects are reachable only through sessions and class objects (requests hold no
  // references of their own), so collecting between two steps is safe.
  if (heap_.size() >= gc_threshold_) {
    collect_garbage();
    gc_threshold_ = std::max<std::size_t>(4096, 2 * heap_.size());
  }
  const ObjectId id = next_object_++;
  Object& obj = heap_[id];
  obj.class_name = class_name;
  obj.shape_release = current_->number;
  obj.fields = current_->nil_fields(class_name);
  return id;
}

Object& Image::object(ObjectId id) {
  Object* found = lookups_.find(id);
  if (found == nullptr) {
    auto it = heap_.find(id);
    if (it == heap_.end()) throw std::runtime_error(fmt::format("no object #{} in the image", id));
    found = &it->second;
    lookups_.put(id, found);
  }
  migrate(*found);
  return *found;
}

std::uint64_t Image::new_session(const std::string& root_class, Time now) {
  const std::uint64_t id = next_session_++;
  sessions_[id] = Session{id, new_object(root_class), now};
  return id;
}

Session* Image::session(std::uint64_t id) {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : &it->second;
}

std::size_t Image::expire_sessions(Time now, Duration timeout, Time active_since) {
  const std::size_t before = sessions_.size();
  std::erase_if(sessions_, [&](const auto& kv) { return now - std::max(kv.second.last_active, active_since) > timeout; });
  const std::size_t expired = before - sessions_.size();
  collect_garbage();
  return expired;
}

std::size_t Image::collect_garbage() {
  std::set<ObjectId> live;
  std::deque<ObjectId> todo;
  for (const auto& [id, s] : sessions_) todo.push_back(s.root);
  for (const auto& [name, id] : class_objects_) todo.push_back(id);
  while (!todo.empty()) {
    const ObjectId id = todo.front();
    todo.pop_front();
    if (!live.insert(id).second) continue;
    auto it = heap_.find(id);
    if (it == heap_.end()) continue;
    for (const auto& [f, v] : it->second.fields)
      if (const auto* r = std::get_if<ObjectRef>(&v)) todo.push_back(r->id);
  }
  const std::size_t before = heap_.size();
  lookups_.clear();
  std::erase_if(heap_, [&](const auto& kv) { return !live.contains(kv.first); });
  return before - heap_.size();
}

ObjectId Image::class_object(const std::string& class_name) {
  auto it = class_objects_.find(class_name);
  if (it != class_objects_.end() && heap_.contains(it->second)) return it->second;
  const ObjectId id = new_object(class_name);
  class_objects_[class_name] = id;
  return id;
}

Image::StateView Image::view() const {
  return StateView{*current_, heap(), sessions_, class_objects_, next_object_, next_session_};
}

void Image::restore(State s) {
  current_ = std::move(s.release);
  lookups_.clear();
  heap_ = std::move(s.heap);
  sessions_ = std::move(s.sessions);
  class_objects_ = std::move(s.class_objects);
  next_object_ = s.next_object;
  next_session_ = s.next_session;
}

}  // namespace upgrader
