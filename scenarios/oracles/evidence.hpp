#pragma once
// The oracles' evidence, taken from outside the upgrader: the old and new releases as the
// package files define them, whether an image holds a package's code, which releases a
// request ran, and how long the server's own work held a request back. Never the
// upgrader's own bookkeeping (its installed-versions table, its events).
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "scenarios/engine/observation.hpp"
#include "scenarios/sim_runtime.hpp"
#include "sim/scheduler.hpp"
#include "upgrader/image.hpp"
#include "upgrader/interpreter.hpp"
#include "upgrader/package.hpp"
#include "upgrader/release.hpp"

namespace scenarios {

using PackageVersion = std::pair<std::string, std::int64_t>;

// The two releases as the package files define them.
struct Releases {
  std::vector<upgrader::Package> old_packages, new_packages;
  std::vector<std::string> new_files;  // file names of new_packages, as staged
  std::vector<std::string> new_bytes;  // their bytes, as the deployer uploads them
  std::set<PackageVersion> old_only, new_only;  // (name, version) in one release and not the other
  // The harness itself can install the new release on the old one in dependency order.
  bool new_installable = false;
};
Releases read_releases(const std::string& app_dir, const std::vector<std::string>& old_files,
                       const std::vector<std::string>& new_files);

// Installs packages in dependency order (requirements checked); returns the files of those
// that cannot be installed.
std::vector<std::string> install_in_dependency_order(upgrader::Image& image, const std::vector<upgrader::Package>& packages);

// Whether `release` holds exactly the code `package` defines: its classes with their fields
// and every method with the same body.
bool holds_code_of(const upgrader::Release& release, const upgrader::Package& package);
// Methods attributed to `package`'s name and version whose code differs from the file's, or
// that the file lacks: a partially written package was installed. Empty when none.
std::vector<std::string> torn_code(const upgrader::Release& release, const upgrader::Package& package);

// Which new packages `release` holds.
ReleaseState release_state(const upgrader::Release& release, const Releases& releases);

// Follows one request: which releases' methods it ran.
class RequestWitness : public upgrader::MethodObserver {
 public:
  explicit RequestWitness(const Releases& releases) : releases_(releases) {}
  void on_method(const upgrader::CompiledMethod& m) override;
  // Update-point coverage: called with "Class>>selector" at every send's yield point.
  std::function<void(const std::string&)> at_yield_point;
  void before_send(const std::string& receiver_class, const std::string& selector) override {
    if (at_yield_point) at_yield_point(receiver_class + ">>" + selector);
  }
  bool ran_old() const { return !old_seen_.empty(); }
  bool ran_new() const { return !new_seen_.empty(); }
  bool torn() const { return ran_old() && ran_new(); }
  std::string describe() const;

 private:
  const Releases& releases_;
  std::set<std::string> old_seen_, new_seen_;  // labels, made only for old- or new-only code
};

// Virtual time the server's own work overlapped [start, end): time the request was held back.
sim::Duration overlap(const std::vector<CpuSpan>& spans, sim::Time start, sim::Time end);

}  // namespace scenarios
