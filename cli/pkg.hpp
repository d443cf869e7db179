#pragma once
// `hotsim pkg seal|check` and `hotsim gen app`: package files by hand and by generator.
#include <cstdint>
#include <string>
#include <vector>

namespace cli {

// Rewrites each file with its checksum trailer (an existing trailer is replaced), then
// parses it; prints "sealed FILE" or its error. Exit status 0, or 2 if any file is bad.
int pkg_seal_command(const std::vector<std::string>& files);

// Every problem of a set of package files as "file:line: what was expected", one per line:
// each file parsed (trailer included), then the files as one release on a fresh image —
// a package named twice, a requirement no file (nor the kernel) meets, a dependency cycle,
// a superclass or extended class nobody defines. Empty: the release is good.
std::vector<std::string> check_packages(const std::vector<std::string>& files);
// Prints check_packages' problems (or "ok: N packages, M methods, chains K deep").
// Exit status 0, or 2 if there is any problem.
int pkg_check_command(const std::vector<std::string>& files);

struct GenAppOptions {
  std::uint64_t seed = 1;
  int packages = 42, methods = 5200, depth = 10;
  std::string out;  // writes OUT/old/*.pkg and OUT/new/*.pkg (existing *.pkg there are replaced)
};
int gen_app_command(const GenAppOptions& options);

}  // namespace cli
