#pragma once
// The real directory one live run works in (the server's working directory: staging,
// snapshots, quarantine; and the run's event logs), created fresh under a base directory
// and removed with everything in it when the run is over, unless asked to keep it.
#include <stdexcept>
#include <string>

namespace scenarios::live {

// The base directory is missing, not a directory or not writable: an input error.
class RunDirError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class RunDir {
 public:
  // Creates <base>/hotsim-live-XXXXXX with server/ and logs/ in it.
  RunDir(const std::string& base, bool keep);
  ~RunDir();
  RunDir(const RunDir&) = delete;
  RunDir& operator=(const RunDir&) = delete;
  const std::string& path() const { return path_; }
  std::string server_root() const { return path_ + "/server"; }
  std::string log(const std::string& name) const { return path_ + "/logs/" + name + ".log"; }

 private:
  std::string path_;
  bool keep_;
};

}  // namespace scenarios::live
