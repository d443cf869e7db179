#pragma once
// The real disk of a live run, seen without touching it: plain reads outside the server's
// runtime (no yield point, no recorded file operation), so observing changes nothing the
// server does. The same views the simulated recorder takes of the simulated disk: the
// staging directory, and what a snapshot's bytes decode to.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "scenarios/engine/observation.hpp"
#include "scenarios/oracles/evidence.hpp"
#include "upgrader/server.hpp"

namespace scenarios::live {

class DiskView {
 public:
  DiskView(std::string root, const Releases& releases, const upgrader::ServerConfig& config);

  std::optional<std::string> peek(const std::string& path) const;  // a regular file's bytes
  std::vector<std::string> peek_list(const std::string& dir) const;

  struct Staging {
    StagingSeen seen;  // seen.trigger is left false: which trigger is the latest deploy's is the parent's to know
    std::optional<std::uint64_t> trigger_hash;  // of whatever is under the trigger's name
  };
  Staging staging() const;
  // The image the bytes decode to (its canonical encoding's hash) and the release it holds;
  // nullopt if they do not decode.
  std::optional<std::pair<std::uint64_t, ReleaseState>> decode(const std::string& bytes) const;

 private:
  std::string root_;
  const Releases& releases_;
  upgrader::ServerConfig config_;
};

}  // namespace scenarios::live
