#pragma once
// The live run's observation log on disk: each process of the run (the server's processes,
// the deployer) appends one line per event to its own file, with one write(2) each, so a
// SIGKILL loses nothing already written. The parent reads the files back once each process
// has ended and builds the Observation from them (observation_reader.hpp).
//
//   <kind> TAB t=<scenario ns> TAB key=value ...      (values escape \ TAB and newline)
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace scenarios::live {

struct Event {
  std::string kind;
  std::int64_t t = 0;  // scenario time, ns since the run's epoch
  std::map<std::string, std::string> fields;
  const std::string& at(const std::string& key) const;  // throws naming the key if missing
  std::int64_t integer(const std::string& key) const;
  std::uint64_t unsigned_integer(const std::string& key) const;
  bool flag(const std::string& key) const { return at(key) == "1"; }
};

class EventWriter {
 public:
  // Opens `path` to append (created if missing); throws std::runtime_error naming it.
  explicit EventWriter(const std::string& path);
  ~EventWriter();
  EventWriter(const EventWriter&) = delete;
  EventWriter& operator=(const EventWriter&) = delete;

  // Fields in the order given; one write(2).
  void write(std::string_view kind, std::int64_t t, const std::vector<std::pair<std::string, std::string>>& fields);

 private:
  int fd_;
};

// Every complete line of `path` (a last line without its newline was cut by a kill: dropped).
// A missing file reads as no events.
std::vector<Event> read_events(const std::string& path);

}  // namespace scenarios::live
