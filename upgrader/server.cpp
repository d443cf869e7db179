#include "upgrader/server.hpp"

#include <fmt/format.h>

#include <optional>

#include "upgrader/snapshot.hpp"

namespace upgrader {

namespace {
constexpr int kBootReadAttempts = 3;
}  // namespace

Server::Server(Runtime& runtime, ServerConfig config, std::unique_ptr<Policy> policy)
    : runtime_(runtime), config_(std::move(config)), policy_(std::move(policy)), interpreter_(image_, runtime_) {}

void Server::record(std::string kind, std::string detail, std::uint64_t bytes) {
  runtime_.log(fmt::format("{}: {}", kind, detail));
  events_.push_back({runtime_.now(), std::move(kind), std::move(detail), bytes});
}

std::string Server::snapshot_copy(int copy) const {
  return copy == 0 ? config_.snapshot : fmt::format("{}.copy{}", config_.snapshot, copy);
}

void Server::boot() {
  Filesystem& fs = runtime_.fs();
  // The first copy that reads back intact (copy 0 is saved first, so it is the newest).
  std::optional<std::string> first_error;
  bool any = false;
  for (int copy = 0; copy < policy_->snapshot_copies(); ++copy) {
    const std::string path = snapshot_copy(copy);
    if (!fs.exists(path)) continue;
    any = true;
    try {
      // A read the device fails (EIO) says nothing about the copy's bytes: read it again a
      // few times before falling back to an older copy, or to none.
      for (int attempt = 1;; ++attempt) {
        try {
          image_.restore(load_snapshot(fs, path));
          break;
        } catch (const IoError& e) {
          if (e.kind() != IoError::Kind::Io || attempt == kBootReadAttempts) throw;
          record("error", fmt::format("{}; reading it again", e.what()));
        }
      }
    } catch (const std::exception& e) {
      if (!first_error) first_error = e.what();
      record("error", fmt::format("{}; trying the next copy", e.what()));
      continue;
    }
    record("booted", fmt::format("from {} (release {}, {} sessions)", path, image_.current()->number, image_.sessions().size()));
    policy_->restored(*this);
    return;
  }
  if (first_error) throw SnapshotError(*first_error);
  if (!any) record("booted", "empty image");
}

void Server::start_watcher() {
  watching_ = true;
  runtime_.spawn("code loader", policy_->loader_priority(config_.request_priority), [this] {
    while (watching_) {
      runtime_.sleep_for(config_.poll_period);
      if (watching_) poll_once();
    }
  });
}

void Server::poll_once() {
  if (polling_) return;
  struct Busy {
    bool& flag;
    ~Busy() { flag = false; }
  } busy{polling_ = true};
  try {
    policy_->poll(*this);
  } catch (const std::exception& e) {
    // The post: "on: Error do: [:error | Transcript show: error]" and try again next period.
    record("error", e.what());
  }
}

std::uint64_t Server::new_session(const std::string& root_class) { return image_.new_session(root_class, runtime_.now()); }

Value Server::request(std::uint64_t session, const std::string& selector, MethodObserver* observer) {
  Session* s = image_.session(session);
  if (s == nullptr) throw RequestError(fmt::format("session {} does not exist (expired or lost)", session));
  s->last_active = runtime_.now();
  const ObjectId root = s->root;
  const std::shared_ptr<const Release> pinned = policy_->pins_requests() ? image_.current() : nullptr;
  return interpreter_.send(root, selector, pinned, observer);
}

void Server::run_initializers(const Package& package) {
  for (const MethodDef& m : package.initializers) {
    CompiledMethod cm{m.class_name, "initialize", m.body, package.name, package.version};
    interpreter_.execute(cm, image_.class_object(m.class_name), image_.current(), nullptr);
  }
  // Class-side initialize methods (Monticello runs them after loading the package).
  for (const MethodDef& m : package.methods)
    if (is_metaclass(m.class_name) && m.selector == "initialize")
      interpreter_.send(image_.class_object(m.class_name), "initialize", image_.current(), nullptr);
}

std::uint64_t Server::save() {
  // Encoded once: requests change the image while a copy is being written.
  const std::string encoded = encode_snapshot(image_);
  const std::uint64_t bytes = encoded.size();
  for (int copy = 0; copy < policy_->snapshot_copies(); ++copy) save_snapshot_bytes(encoded, runtime_.fs(), snapshot_copy(copy));
  record("saved", fmt::format("{} ({} bytes, release {})", config_.snapshot, bytes, image_.current()->number), bytes);
  return bytes;
}

}  // namespace upgrader
