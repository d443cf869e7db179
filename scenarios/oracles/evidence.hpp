#pragma once
// The oracles' evidence, taken from outside the upgrader: the old and new releases as the
// package files define them, whether an image holds a package's code, which releases a
// request ran, and how long the server's own work held a request back. Never the
// upgrader's own bookkeeping (its installed-versions table, its events).
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "scenarios/engine/observation.hpp"
#include "scenarios/oracles/method_index.hpp"
#include "scenarios/sim_runtime.hpp"
#include "sim/scheduler.hpp"
#include "upgrader/image.hpp"
#include "upgrader/interpreter.hpp"
#include "upgrader/package.hpp"
#include "upgrader/release.hpp"

namespace scenarios {

using PackageVersion = std::pair<std::string, std::int64_t>;
// Orders (name, version)s, and compares one with a view of one: a lookup at every method a
// request runs copies no name.
struct PackageVersionLess {
  using is_transparent = void;
  using View = std::pair<std::string_view, std::int64_t>;
  static View view(const PackageVersion& p) { return {p.first, p.second}; }
  static const View& view(const View& v) { return v; }
  template <class A, class B>
  bool operator()(const A& a, const B& b) const { return view(a) < view(b); }
};

// The releases as the package files define them: release 0 is installed at boot, release d
// is release d-1 with deploy d's files replacing their namesakes (d = 1: the scenario's
// `new`, then each of `next`).
struct Releases {
  std::vector<upgrader::Package> old_packages;
  // What the deploys upload, deploy after deploy (a package's index is its place here).
  std::vector<upgrader::Package> new_packages;
  std::vector<std::string> new_files;  // their file names, as staged
  std::vector<std::string> new_bytes;  // their bytes, as the deployer uploads them
  std::vector<int> deploy_of;          // the deploy (= the release it makes) of each, from 1
  // Per release r: the uploaded packages it holds (the latest of each name up to r; empty for 0).
  std::vector<std::vector<std::size_t>> contents;
  // Per release r: its (name, version)s.
  std::vector<std::set<PackageVersion>> versions;
  // (name, version) -> bit r set when release r holds it; only those some release lacks.
  std::map<PackageVersion, std::uint64_t, PackageVersionLess> holders;
  // Per release r: the harness itself installs deploys 1..r in turn (each in dependency
  // order) on release 0. installable[0] is true.
  std::vector<bool> installable;

  int last() const { return static_cast<int>(contents.size()) - 1; }  // the last deploy's release
  std::vector<std::size_t> uploaded_by(int deploy) const;
  // The release whose code `held` (per uploaded package) is exactly, or -1 (a mixture).
  int release_of(const std::vector<bool>& held) const;
};
// Package files as paths relative to app_dir (Scenario::old_packages, ...): old_files, release 0;
// new_files, the first deploy; next_files, one list per later deploy.
Releases read_releases(const std::string& app_dir, const std::vector<std::string>& old_files,
                       const std::vector<std::string>& new_files,
                       const std::vector<std::vector<std::string>>& next_files = {});

// A package file as the engine reads it (old release, local change). Throws PackageError.
upgrader::Package read_package_file(const std::string& path);
// Its bytes as read_releases reads them ("" when it cannot be read: parsing then says why).
std::string read_package_bytes(const std::string& path);

// Whether `release`'s method `method.class_name>>method.selector` is exactly `method` as
// typed into the image: attributed to no package, with the same body (a local change).
bool holds_local_change(const upgrader::Release& release, const upgrader::MethodDef& method);

// Installs packages in dependency order (requirements checked); returns the files of those
// that cannot be installed.
std::vector<std::string> install_in_dependency_order(upgrader::Image& image, const std::vector<upgrader::Package>& packages);

// Whether `release` holds exactly the code `package` defines: its classes with their fields
// and every method with the same body.
bool holds_code_of(const upgrader::Release& release, const upgrader::Package& package);
// Per package of `packages` (same order): methods attributed to its name and version whose
// code differs from the file's, or that the file lacks: a partially written package was
// installed. One pass over the release for all of them (large releases).
std::vector<std::vector<std::string>> torn_code(const upgrader::Release& release, const std::vector<upgrader::Package>& packages);

// Which uploaded packages `release` holds, and so which release it is.
ReleaseState release_state(const upgrader::Release& release, const Releases& releases);

// The image a snapshot's bytes decode to, by its canonical encoding's hash, and which release
// it holds; nullopt if they do not decode. `name`: the snapshot file's, for decode errors.
std::optional<std::pair<std::uint64_t, ReleaseState>> decode_image(const std::string& bytes, const std::string& name,
                                                                    const Releases& releases);

// Follows one request: which releases' methods it ran.
class RequestWitness : public upgrader::MethodObserver {
 public:
  // `methods`: the run's index, shared by its requests (each method worked out once); without
  // it the witness keeps one of its own.
  explicit RequestWitness(const Releases& releases);
  RequestWitness(const Releases& releases, MethodIndex& methods) : releases_(releases), methods_(&methods) {}
  void on_method(const upgrader::CompiledMethod& m) override;
  // Update-point coverage: called with the point "Class>>selector" as its class and
  // selector at every send's yield point (no string built per send).
  std::function<void(std::string_view, std::string_view)> at_yield_point;
  void before_send(const std::string& receiver_class, const std::string& selector) override {
    if (at_yield_point) at_yield_point(receiver_class, selector);
  }
  bool ran_new() const;  // code release 0 lacks
  // Code that no one release holds all of: methods of two different releases.
  bool torn() const { return !seen_.empty() && common_ == 0; }
  std::string describe() const;

 private:
  const Releases& releases_;
  std::unique_ptr<MethodIndex> own_;  // only when no index was given
  MethodIndex* methods_;
  // The methods run that some release lacks, each once (the index outlives the witness).
  std::vector<const MethodIndex::Entry*> seen_;
  std::uint64_t common_ = ~std::uint64_t{0};  // releases holding all of it
};

// Virtual time the server's own work overlapped [start, end): time the request was held back.
sim::Duration overlap(const std::vector<CpuSpan>& spans, sim::Time start, sim::Time end);

// The first poll (of `process`, when given) at or after `from` and strictly after `after`
// (when given), or nullptr.
const PollSeen* first_poll(const Observation& obs, sim::Time from, std::optional<sim::Time> after = std::nullopt,
                           std::optional<int> process = std::nullopt);

// A failed cleanup gets one more poll: a file operation that failed in a poll (EIO, ENOSPC,
// its acknowledgement's fsync) leaves that poll's cleanup to the next one, which sees staging
// as the failed one left it. Of the operations (of `process`, when given) that failed in
// [from, until): the last one, and the poll that redoes the cleanup, the first one (of the
// same process) after it. `failed` nullptr: none failed; `redone_by` nullptr: the run ended
// before it was redone.
struct FailedCleanup {
  const FileOpSeen* failed = nullptr;
  const PollSeen* redone_by = nullptr;
};
FailedCleanup failed_cleanup(const Observation& obs, sim::Time from, std::optional<sim::Time> until,
                             std::optional<int> process = std::nullopt);

}  // namespace scenarios
