#include "scenarios/live/disk_view.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "upgrader/checksum.hpp"
#include "upgrader/snapshot.hpp"

namespace scenarios::live {

DiskView::DiskView(std::string root, const Releases& releases, const upgrader::ServerConfig& config)
    : root_(std::move(root)), releases_(releases), config_(config) {}

std::optional<std::string> DiskView::peek(const std::string& path) const {
  const std::string full = root_ + "/" + path;
  struct stat st{};
  if (::lstat(full.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  std::ifstream in(full, std::ios::binary);
  if (!in) return std::nullopt;  // gone between the two calls: the server moved it
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::vector<std::string> DiskView::peek_list(const std::string& dir) const {
  std::vector<std::string> names;
  DIR* d = ::opendir((root_ + "/" + dir).c_str());
  if (d == nullptr) return names;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

DiskView::Staging DiskView::staging() const {
  Staging out;
  StagingSeen& s = out.seen;
  const std::string staging = config_.staging_dir + "/";
  if (const auto trigger = peek(staging + config_.trigger)) {
    s.any_trigger = true;
    out.trigger_hash = upgrader::fnv1a64(*trigger);
  }
  s.whole.assign(releases_.new_packages.size(), false);
  s.there.assign(releases_.new_packages.size(), false);
  for (std::size_t i = 0; i < releases_.new_files.size(); ++i)
    if (const auto bytes = peek(staging + releases_.new_files[i])) {
      s.there[i] = true;
      s.whole[i] = *bytes == releases_.new_bytes[i];
    }
  // Anything of the batch moved under quarantine/, at any depth the policies use.
  auto batch_name = [&](const std::string& name) {
    return name == config_.trigger ||
           std::find(releases_.new_files.begin(), releases_.new_files.end(), name) != releases_.new_files.end();
  };
  for (const std::string& entry : peek_list(config_.quarantine_dir)) {
    if (batch_name(entry) && peek(config_.quarantine_dir + "/" + entry)) s.quarantined = true;
    for (const std::string& inner : peek_list(config_.quarantine_dir + "/" + entry))
      if (batch_name(inner)) s.quarantined = true;
  }
  return out;
}

std::optional<std::pair<std::uint64_t, ReleaseState>> DiskView::decode(const std::string& bytes) const {
  return decode_image(bytes, config_.snapshot, releases_);
}

}  // namespace scenarios::live
