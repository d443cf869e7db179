#pragma once
// The live deployer: the operator uploading each release into the real staging directory
// from outside the server, in its own forked process (it outlives server crashes, as an
// operator's scp does a server's), file by file in chunks, and writing the trigger the policy
// asks for; the same script as the simulated deployer (engine/deployer.hpp), on real files in
// real (scaled) time, each deploy a fiber of its own so deploys may overlap. Live crashes are
// process kills, which never break an upload, so it never uploads again.
#include <cstdint>
#include <string>

#include "scenarios/live/live_clock.hpp"
#include "scenarios/oracles/evidence.hpp"
#include "scenarios/scenario.hpp"
#include "upgrader/policy.hpp"
#include "upgrader/server.hpp"

namespace scenarios::live {

struct DeployerPlan {
  std::string root;      // the run's directory
  std::string log_path;  // its event log
  LiveClock clock;
  std::uint64_t seed = 0;  // shuffled upload and manifest orders
  upgrader::Policy::Trigger format = upgrader::Policy::Trigger::Empty;
};

// The forked child's whole life; never returns. Exits 0 once every deploy is done.
[[noreturn]] void deployer_process_main(const Scenario& scenario, const Releases& releases, const upgrader::ServerConfig& config,
                                        const DeployerPlan& plan);

}  // namespace scenarios::live
