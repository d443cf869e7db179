// The `seed` and `priority` policies: the post's loop to the letter.
//
//   dir fileNames select: [:ea | ea endsWith: '.mcz'] do: [:fileName |
//     ((dir fileExists: fileName) and: [dir fileExists: #load]) ifTrue: [
//       Installer installFile: (dir fullNameFor: fileName). dir deleteFileNamed: fileName]].
//   (dir fileExists: #load) ifTrue: [dir deleteFileNamed: #load. SmalltalkImage current saveSession]
//
// Package files here end in ".pkg". No dependency check (Monticello's Installer does none),
// directory order, each file deleted right after it is installed, the image saved last.
#include <fmt/format.h>

#include "upgrader/package.hpp"
#include "upgrader/server.hpp"
#include "upgrader/staging.hpp"

namespace upgrader {
namespace {

class SeedPolicy : public Policy {
 public:
  explicit SeedPolicy(bool loader_above_requests) : above_(loader_above_requests) {}
  std::string name() const override { return above_ ? "priority" : "seed"; }
  // The post forks the loader where Seaside runs; the comments' fix puts it one above.
  int loader_priority(int request_priority) const override { return request_priority + (above_ ? 1 : 0); }
  bool pins_requests() const override { return false; }

  void poll(Server& server) override {
    Filesystem& fs = server.runtime().fs();
    const ServerConfig& cfg = server.config();
    fs.mkdir(cfg.staging_dir);  // assureExistence
    const std::string trigger = server.staging_path(cfg.trigger);
    for (const std::string& name : fs.list(cfg.staging_dir)) {
      if (!name.ends_with(".pkg")) continue;
      const std::string path = server.staging_path(name);
      if (!(fs.exists(path) && fs.exists(trigger))) continue;
      if (auto problem = staging_name_problem(name)) throw LoadError(fmt::format("{}: refused: {}", path, *problem));
      if (!fs.is_regular_file(path)) throw LoadError(fmt::format("{}: refused: not a regular file", path));
      if (const auto bytes = fs.size(path); bytes > cfg.max_package_bytes)
        throw LoadError(fmt::format("{}: refused: {} bytes, more than the {} a package may have", path, bytes, cfg.max_package_bytes));
      const Package package = parse_package(fs.read(path), path);
      server.runtime().spend_cpu(cfg.compile_cost_per_method * static_cast<std::int64_t>(package.methods.size() + 1));
      server.image().install(package, /*check_requires=*/false);
      server.run_initializers(package);
      server.record("installed", fmt::format("{} {} from {}", package.name, package.version, path));
      fs.unlink(path);
    }
    if (fs.exists(trigger)) {
      fs.unlink(trigger);
      server.save();
    }
  }

 private:
  bool above_;
};

}  // namespace

std::unique_ptr<Policy> make_seed_policy(bool loader_above_requests) {
  return std::make_unique<SeedPolicy>(loader_above_requests);
}

}  // namespace upgrader
