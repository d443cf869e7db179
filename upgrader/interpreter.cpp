#include "upgrader/interpreter.hpp"

#include <fmt/format.h>

namespace upgrader {

MessageNotUnderstood::MessageNotUnderstood(std::string class_name, std::string selector)
    : std::runtime_error(fmt::format("{} doesNotUnderstand: #{}", class_name, selector)),
      class_name_(std::move(class_name)),
      selector_(std::move(selector)) {}

namespace {
constexpr int kMaxDepth = 256;
}

namespace {
// Where an error happened, formatted only when one does.
std::string where(const CompiledMethod& m) { return fmt::format("{}>>{}", m.class_name, m.selector); }
}  // namespace

Value& Interpreter::field(ObjectId self, const std::string& name, const CompiledMethod& m, const Release& release) {
  Object& obj = image_.object(self);
  auto it = obj.fields.find(name);
  if (it != obj.fields.end()) return it->second;
  if (const std::string owner = release.class_var_owner(m.class_name, name); !owner.empty()) {
    Object& holder = image_.object(image_.class_object(owner));
    if (auto v = holder.fields.find(name); v != holder.fields.end()) return v->second;
  }
  throw RequestError(fmt::format("{}: {} has no field '{}'", where(m), obj.class_name, name));
}

Value Interpreter::send(ObjectId receiver, const std::string& selector, const std::shared_ptr<const Release>& pinned,
                        MethodObserver* observer, int depth) {
  if (observer != nullptr) observer->before_send(image_.object(receiver).class_name, selector);
  runtime_.yield();  // every send is a yield point
  if (depth > kMaxDepth) throw RequestError(fmt::format("stack depth {} exceeded at #{}", kMaxDepth, selector));
  // Unpinned requests see whatever release the image holds now, mid-upgrade or not.
  const std::shared_ptr<const Release> release = pinned ? pinned : image_.current();
  const std::string& class_name = image_.object(receiver).class_name;  // map nodes are stable
  const CompiledMethod* method = release->lookup(class_name, selector);
  if (method == nullptr) throw MessageNotUnderstood(class_name, selector);
  if (observer != nullptr) observer->on_method(*method);
  // `release` stays alive (and with it `method`) until the activation returns.
  return run(*method, receiver, pinned, observer, depth);
}

Value Interpreter::run(const CompiledMethod& m, ObjectId self, const std::shared_ptr<const Release>& pinned,
                       MethodObserver* observer, int depth) {
  const std::shared_ptr<const Release> current = pinned ? nullptr : image_.current();
  const Release& rel = pinned ? *pinned : *current;
  for (const Step& s : m.body) {
    switch (s.kind) {
      case Step::Kind::Send: {
        ObjectId receiver = self;
        if (is_metaclass(s.target)) {  // "Foo class": the class object of Foo
          const auto release = pinned ? pinned : image_.current();
          if (!release->classes.contains(s.target))
            throw RequestError(fmt::format("{}: class '{}' is not loaded", where(m), instance_side(s.target)));
          receiver = image_.class_object(s.target);
        } else if (s.target != "self") {
          const Value& v = field(self, s.target, m, rel);
          const auto* ref = std::get_if<ObjectRef>(&v);
          if (ref == nullptr) {
            if (std::holds_alternative<std::monostate>(v)) throw MessageNotUnderstood("UndefinedObject", s.name);
            throw RequestError(fmt::format("{}: field '{}' holds {}, not an object", where(m), s.target, to_string(v)));
          }
          receiver = ref->id;
        }
        send(receiver, s.name, pinned, observer, depth + 1);
        break;
      }
      case Step::Kind::New: {
        const auto release = pinned ? pinned : image_.current();
        if (!release->has_class(s.name)) throw RequestError(fmt::format("{}: class '{}' is not loaded", where(m), s.name));
        const ObjectId obj = image_.new_object(s.name);
        field(self, s.target, m, rel) = ObjectRef{obj};
        break;
      }
      case Step::Kind::Read: (void)field(self, s.name, m, rel); break;
      case Step::Kind::Set: {
        Value v;
        if (const auto* i = std::get_if<std::int64_t>(&s.value)) v = *i;
        else if (const auto* str = std::get_if<std::string>(&s.value)) v = *str;
        field(self, s.name, m, rel) = v;
        break;
      }
      case Step::Kind::Add: {
        Value& v = field(self, s.name, m, rel);
        const std::int64_t delta = std::get<std::int64_t>(s.value);
        if (std::holds_alternative<std::monostate>(v)) v = std::int64_t{0};
        auto* i = std::get_if<std::int64_t>(&v);
        if (i == nullptr) throw RequestError(fmt::format("{}: field '{}' holds {}, not a number", where(m), s.name, to_string(v)));
        *i += delta;
        break;
      }
      case Step::Kind::Cpu: runtime_.spend_cpu(std::chrono::microseconds(s.micros)); break;
      case Step::Kind::Answer:
        if (!s.name.empty()) return field(self, s.name, m, rel);
        if (const auto* i = std::get_if<std::int64_t>(&s.value)) return *i;
        if (const auto* str = std::get_if<std::string>(&s.value)) return *str;
        return Value{};
    }
  }
  return ObjectRef{self};  // Smalltalk answers self by default
}

}  // namespace upgrader
