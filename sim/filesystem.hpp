#pragma once
// A simulated filesystem with crash semantics. Two persistence models (docs/crash-model.md
// gives each rule with the study it comes from):
//
//  * Posix (the default, the harshest POSIX allows): a directory fsync persists that
//    directory's entries only. On a crash every name changed since its directory was last
//    fsynced independently keeps its durable value or any value it took since (ALICE's
//    directory-entry rule; a rename across directories may persist in one and not the other,
//    leaving the file under both names or neither). File data persists only through
//    fsync(file); un-synced data survives block by block (4 KiB, CrashMonkey/FoundationDB):
//    the size is any size the file had since its last fsync (a truncate may persist without
//    the data), each overwritten block holds its old or new bytes (non-prefix subsets), each
//    block past the durable end holds zeros, garbage or its new bytes (ALICE's appends).
//  * Ext4Ordered (for comparison): namespace operations go to one ordered journal; a
//    directory fsync commits every pending operation up to the last one that touched the
//    directory, and a crash keeps a prefix of the rest. Un-synced appends are lost, kept or
//    torn at a tail; any other un-synced change keeps the old or the new content whole.
//
// A write in flight can be torn by a crash (tear_next_write: it is split in 4 KiB steps and
// the crash decides how many reached the page cache). A crash's decisions come from the
// choice stream, from the extremes (nothing / everything un-synced kept), from a state index
// (mixed radix over every decision, for enumeration) or from a sampling seed; each crash
// reports the decisions it took. Faults: a failed fsync, after which the file's un-synced
// pages count as clean (Linux's "fsyncgate": the next fsync reports success and persists
// nothing); ENOSPC past a capacity; media corruption of durable files (a flipped bit, a
// zeroed block).
//
//  * Paths are relative, '/'-separated; empty paths, absolute paths, empty components,
//    "." and ".." components and NUL bytes are errors. "." names the root directory.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/choice_stream.hpp"

namespace sim {

enum class FsErrc { NotFound, AlreadyExists, NotADirectory, IsADirectory, NotEmpty, BadPath, NoSpace, Io };
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

enum class FsModel { Posix, Ext4Ordered };
std::string_view to_string(FsModel model);
std::optional<FsModel> parse_fs_model(std::string_view name);

// Media faults on a durable file (applied while the power is off).
enum class MediaFault { BitFlip, ZeroBlock };

struct FsConfig {
  ListingOrder listing = ListingOrder::Shuffled;  // "directory order" comes from the choice stream
  std::uint64_t capacity_bytes = UINT64_MAX;
  FsModel model = FsModel::Posix;
};

inline constexpr std::size_t kBlockBytes = 4096;

// One decision a crash took: how many options the model allowed, which one was taken.
struct CrashDecision {
  std::uint64_t options = 1, chosen = 0;
  bool operator==(const CrashDecision&) const = default;
};
// The states along this path of decisions (the product of the option counts; UINT64_MAX
// when it overflows). Paths differ: a decision may open further ones (a size, then blocks).
std::uint64_t crash_states(const std::vector<CrashDecision>& decisions);
// The Enumerated state that comes after the one that took `decisions`, depth first over the
// tree of decisions; nullopt when none is left. State 0 first: every state once.
std::optional<std::uint64_t> next_enumerated_state(const std::vector<CrashDecision>& decisions);

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

  // Power loss: keeps what the model says may survive. Each decision is drawn from the choice
  // stream (Drawn), takes an extreme (KeepNothing: no un-synced change survives;
  // KeepEverything: all of them do), is a digit of `state` in the mixed radix of the
  // decisions' option counts (Enumerated: state 0 .. states()-1 visits every state once), or
  // comes from a generator seeded with `state` (Sampled). ProcessKill: the process dies but
  // the power stays, so the page cache (every un-synced change) survives as it is.
  // Returns a line saying what was kept and lost.
  enum class CrashOutcome { Drawn, KeepNothing, KeepEverything, Enumerated, Sampled, ProcessKill };
  std::string crash(CrashOutcome outcome = CrashOutcome::Drawn, std::uint64_t state = 0);
  // The decisions the last crash took, in order: enumerate its siblings with
  // next_enumerated_state, count its states with crash_states.
  const std::vector<CrashDecision>& last_crash() const { return last_crash_; }
  std::uint64_t last_crash_states() const { return crash_states(last_crash_); }

  // Arms a torn write: the next write or append does not complete; instead `crash_now` runs
  // (it must crash the disk and not return normally), and the crash decides how many of the
  // write's 4 KiB steps reached the page cache first.
  void tear_next_write(std::function<void()> crash_now) { tear_ = std::move(crash_now); }
  // Disarms a torn write that never came (the write failed before its data); true if armed.
  bool disarm_tear() { return std::exchange(tear_, nullptr) != nullptr; }

  // An fsync that fails with EIO (an injected fault): the kernel marks the file's dirty pages
  // clean, so its next fsync reports success and persists nothing, unless the file was
  // written whole again in between. Throws FsError(Io).
  void fail_fsync(std::string_view path);

  // Corrupts the durable content of `path` (no-op if it has none): a bit flipped or a 4 KiB
  // block zeroed at an offset drawn from the choice stream. Returns what was done.
  std::string corrupt(std::string_view path, MediaFault fault);
  std::vector<std::string> peek_durable_files(std::string_view dir) const;  // name order

  // A view for observers (the recorder, oracles): no hook, no trace, no choice drawn, no
  // yield, so looking never changes a run. `peek` is what a read would return now;
  // `peek_durable` what a crash that keeps nothing un-synced would leave. nullopt: no such
  // file (or a directory, or a bad path). Listings are in name order.
  std::optional<std::string> peek(std::string_view path) const;
  std::optional<std::string> peek_durable(std::string_view path) const;
  std::vector<std::string> peek_list(std::string_view dir) const;

  std::uint64_t used_bytes() const { return used_; }
  void set_capacity(std::uint64_t bytes) { config_.capacity_bytes = bytes; }
  FsModel model() const { return config_.model; }

 private:
  using Ino = std::uint64_t;
  struct Node {
    bool dir = false;
    std::map<std::string, Ino> entries;  // volatile view (directories)
    std::string data;                    // volatile view (files)
    std::string durable;                 // what fsync made durable (files)
    std::vector<std::uint64_t> sizes;    // Posix: sizes the file took since its last fsync
    bool pages_lost = false;             // an fsync failed: the next one persists nothing (until a whole rewrite)
    std::size_t links = 0;               // names the volatile view has for it
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
  void collect_garbage();
  void set_data(Node& file, std::string data, std::string_view path);
  // Applies a write (or, torn, its first steps) to the volatile view.
  void write_data(Ino ino, std::string data, std::size_t keep_from, std::string_view path);

  class Decisions;
  std::string crash_namespace_posix(Decisions& decide);
  std::string crash_namespace_ext4(Decisions& decide);
  std::string crash_data(Node& before, Node& after, const std::string& path, Decisions& decide);

  ChoiceStream& choices_;
  FsConfig config_;
  OpHook hook_;
  std::map<Ino, Node> nodes_;
  std::map<Ino, std::map<std::string, Ino>> durable_dirs_;
  std::vector<JournalOp> journal_;                      // Ext4Ordered
  // Posix: per directory, per name, the values (a node or none) taken since its last fsync.
  std::map<Ino, std::map<std::string, std::vector<std::optional<Ino>>>> name_history_;
  std::function<void()> tear_;
  struct InFlight {
    Ino ino;
    std::string path;
    std::string before;  // the volatile content when the write began (after its truncate)
    std::string after;   // the content had it completed
  };
  std::optional<InFlight> in_flight_;
  std::vector<CrashDecision> last_crash_;
  Ino next_ino_ = 2;
  std::uint64_t used_ = 0;
  static constexpr Ino kRoot = 1;
};

}  // namespace sim
