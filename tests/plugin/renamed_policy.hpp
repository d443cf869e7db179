#pragma once
// A shipped policy under another name: what the test plugins register, so a run shows that
// the policy came from the library (its name) and still behaves as a known one (its verdict).
#include <memory>
#include <string>

#include "upgrader/policy.hpp"

namespace plugin_test {

class RenamedPolicy : public upgrader::Policy {
 public:
  RenamedPolicy(std::string name, const std::string& shipped) : name_(std::move(name)), inner_(upgrader::make_policy(shipped)) {}
  std::string name() const override { return name_; }
  int loader_priority(int request_priority) const override { return inner_->loader_priority(request_priority); }
  bool pins_requests() const override { return inner_->pins_requests(); }
  void poll(upgrader::Server& server) override { inner_->poll(server); }
  Trigger trigger_format() const override { return inner_->trigger_format(); }
  int snapshot_saves_per_upgrade() const override { return inner_->snapshot_saves_per_upgrade(); }
  int snapshot_copies() const override { return inner_->snapshot_copies(); }

 private:
  std::string name_;
  std::unique_ptr<upgrader::Policy> inner_;
};

inline void register_renamed(const std::string& name, const std::string& shipped) {
  upgrader::register_policy(name, [name, shipped] { return std::make_unique<RenamedPolicy>(name, shipped); });
}

}  // namespace plugin_test
