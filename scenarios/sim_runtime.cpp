#include "scenarios/sim_runtime.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace scenarios {
namespace {

using upgrader::IoError;

// Runs a simulated filesystem call, translating its errors into the upgrader's.
template <typename F>
auto translate(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const sim::FsError& e) {
    IoError::Kind kind = IoError::Kind::Other;
    switch (e.code()) {
      case sim::FsErrc::NotFound: kind = IoError::Kind::NotFound; break;
      case sim::FsErrc::AlreadyExists: kind = IoError::Kind::Exists; break;
      case sim::FsErrc::BadPath: kind = IoError::Kind::BadPath; break;
      case sim::FsErrc::IsADirectory:
      case sim::FsErrc::NotADirectory: kind = IoError::Kind::NotAFile; break;
      case sim::FsErrc::NoSpace: kind = IoError::Kind::NoSpace; break;
      case sim::FsErrc::Io: kind = IoError::Kind::Io; break;
      case sim::FsErrc::NotEmpty: break;
    }
    throw IoError(kind, e.path(), e.what());
  }
}

}  // namespace

void SimFilesystem::mkdir(const std::string& path) {
  before("mkdir", path);
  translate([&] {
    if (!fs_.exists(path)) fs_.mkdir(path);
  });
  after("mkdir", path);
}
void SimFilesystem::write(const std::string& path, std::string_view data) {
  before("write", path);
  if (io_error(errors_.write_ppm)) throw IoError(IoError::Kind::Io, path, "input/output error (injected on write)");
  translate([&] { fs_.write(path, data); });
  after("write", path);
}
std::string SimFilesystem::read(const std::string& path) {
  before("read", path);
  if (io_error(errors_.read_ppm)) throw IoError(IoError::Kind::Io, path, "input/output error (injected on read)");
  std::string data = translate([&] { return fs_.read(path); });
  after("read", path);
  return data;
}
void SimFilesystem::rename(const std::string& from, const std::string& to) {
  before("rename", from, to);
  translate([&] { fs_.rename(from, to); });
  after("rename", from, to);
}
void SimFilesystem::unlink(const std::string& path) {
  before("unlink", path);
  translate([&] { fs_.unlink(path); });
  after("unlink", path);
}
void SimFilesystem::fsync(const std::string& path) {
  before("fsync", path);
  translate([&] {
    if (io_error(errors_.fsync_ppm)) fs_.fail_fsync(path);
    fs_.fsync(path);
  });
  after("fsync", path);
}
void SimFilesystem::fsync_dir(const std::string& path) {
  before("fsync_dir", path);
  translate([&] { fs_.fsync_dir(path); });
  after("fsync_dir", path);
}
std::vector<std::string> SimFilesystem::list(const std::string& dir) {
  before("list", dir);
  auto names = translate([&] { return fs_.list(dir); });
  after("list", dir);
  return names;
}
bool SimFilesystem::exists(const std::string& path) {
  before("stat", path);
  const bool there = translate([&] { return fs_.exists(path); });
  after("stat", path);
  return there;
}
bool SimFilesystem::is_regular_file(const std::string& path) {
  before("stat", path);
  const bool file = translate([&] { return fs_.exists(path) && !fs_.is_dir(path); });
  after("stat", path);
  return file;
}
std::uint64_t SimFilesystem::size(const std::string& path) {
  before("stat", path);
  const std::uint64_t bytes = translate([&] { return fs_.size(path); });
  after("stat", path);
  return bytes;
}

void SimRuntime::spend_cpu(upgrader::Duration d) {
  check_alive();
  const bool own = owns(world_.scheduler().current());
  if (!own) {
    world_.consume_cpu(d);
    return;
  }
  // Open-ended while it runs: a request that preempts it ends before it does.
  const std::size_t work = server_work_.size();
  server_work_.push_back({world_.now(), sim::Time::max()});
  world_.consume_cpu(d, &server_cpu_);
  server_work_[work].end = world_.now();
}

void SimRuntime::log(std::string_view line) {
  world_.note(line);
  lines_.emplace_back(fmt::format("[{}] {}", sim::format_time(world_.now().count()), line));
}

}  // namespace scenarios
