#pragma once
// A simulated filesystem with crash semantics, modelled on ext4 in data=ordered mode as
// ALICE (Pillai et al., OSDI'14) and CrashMonkey (Mohan et al., OSDI'18) describe it:
//
//  * Namespace operations (create, mkdir, rename, unlink) go to an ordered journal. They
//    persist only when a directory fsync commits them: fsync_dir(d) makes durable every
//    pending operation up to and including the last one that touched d (the journal commits
//    in order). On a crash a prefix of the still-pending operations survives, its length
//    drawn from the choice stream: an un-synced rename or create may or may not persist.
//  * File data persists only through fsync(file). On a crash, un-synced data that extends
//    the durable content (an append) is lost, kept whole, or torn at a tail chosen by the
//    choice stream; any other un-synced change (overwrite, truncate) keeps either the old or
//    the new content, as the choice stream decides.
//  * Paths are relative, '/'-separated; empty paths, absolute paths, empty components,
//    "." and ".." components and NUL bytes are errors. "." names the root directory.
//  * A capacity (bytes over all file contents) makes writes fail with NoSpace.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/choice_stream.hpp"

namespace sim {

enum class FsErrc { NotFound, AlreadyExists, NotADirectory, IsADirectory, NotEmpty, BadPath, NoSpace };
std::string_view to_string(FsErrc code);

class FsError : public std::runtime_error {
 public:
  FsError(FsErrc code, std::string path, std::string_view what);
  FsErrc code() const { return code_; }
  const std::string& path() const { return path_; }

 private:
  FsErrc code_;
  std::string path_;
};

// Splits and checks a path; throws FsError(BadPath) saying what is wrong.
std::vector<std::string> split_path(std::string_view path);

enum class ListingOrder { Shuffled, Sorted };

struct FsConfig {
  ListingOrder listing = ListingOrder::Shuffled;  // "directory order" comes from the choice stream
  std::uint64_t capacity_bytes = UINT64_MAX;
};

class SimFs {
 public:
  // on_op runs before every operation: the world traces it and makes it a yield point.
  using OpHook = std::function<void(std::string_view op, std::string_view path)>;

  SimFs(ChoiceStream& choices, FsConfig config = {});
  void set_op_hook(OpHook hook) { hook_ = std::move(hook); }

  void mkdir(std::string_view path);
  void create(std::string_view path);                       // new empty file; error if it exists
  void write(std::string_view path, std::string_view data);  // create or truncate, then write
  void append(std::string_view path, std::string_view data);
  std::string read(std::string_view path);
  void rename(std::string_view from, std::string_view to);  // replaces a file at `to`
  void unlink(std::string_view path);
  void fsync(std::string_view path);      // a file's data
  void fsync_dir(std::string_view path);  // a directory's entries (and the journal before them)
  std::vector<std::string> list(std::string_view dir);
  bool exists(std::string_view path);
  bool is_dir(std::string_view path);
  std::uint64_t size(std::string_view path);

  // Power loss: keeps what the model says may survive, drawing the rest from the choice stream
  // (Drawn), or taking the extreme of every choice: nothing un-synced survives (KeepNothing),
  // or all of it does (KeepEverything). Returns a line saying what was kept and lost.
  enum class CrashOutcome { Drawn, KeepNothing, KeepEverything };
  std::string crash(CrashOutcome outcome = CrashOutcome::Drawn);

  // A view for observers (the recorder, oracles): no hook, no trace, no choice drawn, no
  // yield, so looking never changes a run. `peek` is what a read would return now;
  // `peek_durable` what a crash that keeps nothing un-synced would leave. nullopt: no such
  // file (or a directory, or a bad path). Listings are in name order.
  std::optional<std::string> peek(std::string_view path) const;
  std::optional<std::string> peek_durable(std::string_view path) const;
  std::vector<std::string> peek_list(std::string_view dir) const;

  std::uint64_t used_bytes() const { return used_; }
  void set_capacity(std::uint64_t bytes) { config_.capacity_bytes = bytes; }
  std::size_t pending_journal() const { return journal_.size(); }

 private:
  using Ino = std::uint64_t;
  struct Node {
    bool dir = false;
    std::map<std::string, Ino> entries;  // volatile view (directories)
    std::string data;                    // volatile view (files)
    std::string durable;                 // what fsync made durable (files)
  };
  struct Step {
    bool link;  // link name -> ino in dir, else unlink name from dir
    Ino dir;
    std::string name;
    Ino ino;
  };
  struct JournalOp {
    std::vector<Step> steps;  // applied atomically (a rename is one op)
  };

  void op(std::string_view name, std::string_view path);
  Node& node(Ino ino) { return nodes_.at(ino); }
  // Resolves `path` through the volatile entries or the durable ones, without side effects.
  std::optional<Ino> find_in(std::string_view path, bool durable) const;
  // Resolves the parent directory of `path`; returns it and the last component.
  std::pair<Ino, std::string> parent_of(std::string_view path);
  Ino lookup(std::string_view path);  // throws NotFound
  std::optional<Ino> find(std::string_view path);  // nullopt if missing; bad paths still throw
  Node& file_at(std::string_view path);
  Ino dir_at(std::string_view path);
  void journal(JournalOp op);
  void commit_through(std::size_t index);
  void set_data(Node& file, std::string data, std::string_view path);

  ChoiceStream& choices_;
  FsConfig config_;
  OpHook hook_;
  std::map<Ino, Node> nodes_;
  std::map<Ino, std::map<std::string, Ino>> durable_dirs_;
  std::vector<JournalOp> journal_;
  Ino next_ino_ = 2;
  std::uint64_t used_ = 0;
  static constexpr Ino kRoot = 1;
};

}  // namespace sim
