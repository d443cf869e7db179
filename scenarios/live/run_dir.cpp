#include "scenarios/live/run_dir.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

namespace scenarios::live {

RunDir::RunDir(const std::string& base, bool keep) : keep_(keep) {
  struct stat st{};
  if (::stat(base.c_str(), &st) != 0)
    throw RunDirError(fmt::format("{}: the live runs' directory does not exist ({})", base, std::strerror(errno)));
  if (!S_ISDIR(st.st_mode)) throw RunDirError(fmt::format("{}: the live runs' directory is not a directory", base));
  std::string pattern = base + "/hotsim-live-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr)
    throw RunDirError(fmt::format("{}: cannot create a run directory there ({})", base, std::strerror(errno)));
  path_ = buffer.data();
  for (const char* sub : {"/server", "/logs"})
    if (::mkdir((path_ + sub).c_str(), 0755) != 0) {
      const int err = errno;
      std::error_code ignored;
      std::filesystem::remove_all(path_, ignored);
      throw RunDirError(fmt::format("{}{}: cannot create it ({})", path_, sub, std::strerror(err)));
    }
}

RunDir::~RunDir() {
  if (keep_) return;
  std::error_code ignored;  // a destructor: what cannot be removed is left, never thrown
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace scenarios::live
