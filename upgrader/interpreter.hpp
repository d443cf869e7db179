#pragma once
// Runs requests as message sends. Every send is a yield point, as in Squeak where process
// switches happen at sends. Method lookup goes either to the release the request is pinned
// to, or (unpinned) to whatever release the image holds at that very send.
#include <memory>
#include <stdexcept>
#include <string>

#include "upgrader/image.hpp"
#include "upgrader/runtime.hpp"

namespace upgrader {

// A send that no method answers: names the receiver's class and the selector.
class MessageNotUnderstood : public std::runtime_error {
 public:
  MessageNotUnderstood(std::string class_name, std::string selector);
  const std::string& class_name() const { return class_name_; }
  const std::string& selector() const { return selector_; }

 private:
  std::string class_name_, selector_;
};

// Any other failure of a request (nil receiver, missing field, type error, stack depth).
class RequestError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Sees every method a request runs: the oracles' evidence of old vs new code.
class MethodObserver {
 public:
  virtual ~MethodObserver() = default;
  virtual void on_method(const CompiledMethod& method) = 0;
  // Right before the yield point of a send of `selector` to an instance of `receiver_class`.
  virtual void before_send(const std::string& /*receiver_class*/, const std::string& /*selector*/) {}
};

class Interpreter {
 public:
  Interpreter(Image& image, Runtime& runtime) : image_(image), runtime_(runtime) {}

  // Sends `selector` to `receiver`. `pinned` null: look up in the image's current release
  // at each send. The observer may be null.
  Value send(ObjectId receiver, const std::string& selector, const std::shared_ptr<const Release>& pinned,
             MethodObserver* observer, int depth = 0);
  // Runs one method body on `self` (class-side initializers).
  Value execute(const CompiledMethod& method, ObjectId self, const std::shared_ptr<const Release>& pinned,
                MethodObserver* observer) {
    return run(method, self, pinned, observer, 0);
  }

 private:
  Value run(const CompiledMethod& method, ObjectId self, const std::shared_ptr<const Release>& pinned,
            MethodObserver* observer, int depth);
  // A field of self, or else a class variable visible from `method`'s class (held by the
  // class object of the metaclass that declares it).
  Value& field(ObjectId self, const std::string& name, const CompiledMethod& method, const Release& release);

  Image& image_;
  Runtime& runtime_;
};

}  // namespace upgrader
