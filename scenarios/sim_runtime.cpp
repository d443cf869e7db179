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
      case sim::FsErrc::NotEmpty: break;
    }
    throw IoError(kind, e.path(), e.what());
  }
}

}  // namespace

void SimFilesystem::mkdir(const std::string& path) {
  before_op();
  translate([&] {
    if (!fs_.exists(path)) fs_.mkdir(path);
  });
}
void SimFilesystem::write(const std::string& path, std::string_view data) { before_op(); translate([&] { fs_.write(path, data); }); }
std::string SimFilesystem::read(const std::string& path) { before_op(); return translate([&] { return fs_.read(path); }); }
void SimFilesystem::rename(const std::string& from, const std::string& to) { before_op(); translate([&] { fs_.rename(from, to); }); }
void SimFilesystem::unlink(const std::string& path) { before_op(); translate([&] { fs_.unlink(path); }); }
void SimFilesystem::fsync(const std::string& path) { before_op(); translate([&] { fs_.fsync(path); }); }
void SimFilesystem::fsync_dir(const std::string& path) { before_op(); translate([&] { fs_.fsync_dir(path); }); }
std::vector<std::string> SimFilesystem::list(const std::string& dir) { before_op(); return translate([&] { return fs_.list(dir); }); }
bool SimFilesystem::exists(const std::string& path) { before_op(); return translate([&] { return fs_.exists(path); }); }
bool SimFilesystem::is_regular_file(const std::string& path) {
  before_op();
  return translate([&] { return fs_.exists(path) && !fs_.is_dir(path); });
}

std::uint64_t SimFilesystem::size(const std::string& path) {
  before_op();
  return translate([&] { return fs_.size(path); });
}

void SimRuntime::spend_cpu(upgrader::Duration d) {
  check_alive();
  const sim::Time start = world_.now();
  world_.consume_cpu(d);
  const sim::FiberInfo* self = world_.scheduler().current();
  if (std::find(fibers_.begin(), fibers_.end(), self) != fibers_.end()) server_cpu_.push_back({start, world_.now()});
}

void SimRuntime::log(std::string_view line) {
  world_.note(line);
  lines_.emplace_back(fmt::format("[{}] {}", sim::format_time(world_.now().count()), line));
}

}  // namespace scenarios
