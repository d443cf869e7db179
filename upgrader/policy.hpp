#pragma once
// An upgrade procedure, and the registry that names them. The three shipped policies are
// "seed", "priority" and "safe"; a user's own is registered by name and then runs in every
// scenario like the shipped ones.
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace upgrader {

class Server;

class Policy {
 public:
  virtual ~Policy() = default;
  virtual std::string name() const = 0;
  virtual int loader_priority(int request_priority) const = 0;
  // Requests run entirely on the release they started on.
  virtual bool pins_requests() const = 0;
  // One poll period. Errors propagate to the watcher, which logs them.
  virtual void poll(Server& server) = 0;
  // The server has just restored its image from a snapshot (a restart, after a crash or a
  // kill), before its loader runs or any request arrives.
  virtual void restored(Server& /*server*/) {}

  // What the deployer must stage to ask for an upgrade: an empty trigger file (the post's
  // `load`), or a manifest listing each package file with its checksum.
  enum class Trigger { Empty, Manifest };
  virtual Trigger trigger_format() const { return Trigger::Empty; }
  // Snapshot saves one upgrade costs when nothing fails (the harness holds the policy to it).
  virtual int snapshot_saves_per_upgrade() const { return 1; }
  // Copies of the image the server keeps, each saved whole in turn; the boot takes the first
  // that reads back intact, so a rotted block in one copy loses nothing.
  virtual int snapshot_copies() const { return 1; }
};

using PolicyFactory = std::function<std::unique_ptr<Policy>()>;

// Adds (or replaces) a named policy. Register before running scenarios that name it.
void register_policy(const std::string& name, PolicyFactory factory);
// The policy registered under `name`; nullptr for an unknown name.
std::unique_ptr<Policy> make_policy(const std::string& name);
// Every registered name, sorted.
std::vector<std::string> policy_names();

}  // namespace upgrader
