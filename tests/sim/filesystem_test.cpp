// The simulated filesystem and its crash model (see sim/filesystem.hpp).
#include "sim/filesystem.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>
#include <set>

namespace sim {
namespace {

struct Disk {
  explicit Disk(std::uint64_t seed, FsConfig config = {}) : choices(ChoiceStream::seeded(seed)), fs(choices, config) {}
  ChoiceStream choices;
  SimFs fs;
};

TEST(SimFs, BadPathsAreErrors) {
  Disk d(1);
  for (const char* bad : {"", "/etc/passwd", "../escape", "a/../b", "a//b", "./a", "a/."}) {
    try {
      d.fs.write(bad, "x");
      FAIL() << "accepted " << bad;
    } catch (const FsError& e) {
      EXPECT_EQ(e.code(), FsErrc::BadPath) << bad;
      EXPECT_NE(std::string(e.what()).find("bad path"), std::string::npos);
    }
  }
  EXPECT_THROW(d.fs.write(std::string("a\0b", 3), "x"), FsError);
}

TEST(SimFs, BasicOperations) {
  Disk d(2);
  d.fs.mkdir("stage");
  d.fs.write("stage/a.mcz", "abc");
  d.fs.append("stage/a.mcz", "def");
  EXPECT_EQ(d.fs.read("stage/a.mcz"), "abcdef");
  EXPECT_EQ(d.fs.size("stage/a.mcz"), 6u);
  d.fs.rename("stage/a.mcz", "stage/b.mcz");
  EXPECT_FALSE(d.fs.exists("stage/a.mcz"));
  EXPECT_TRUE(d.fs.exists("stage/b.mcz"));
  EXPECT_TRUE(d.fs.is_dir("stage"));
  d.fs.create("stage/c");
  EXPECT_THROW(d.fs.create("stage/c"), FsError);
  EXPECT_THROW(d.fs.read("stage/missing"), FsError);
  EXPECT_THROW(d.fs.read("stage"), FsError);
  EXPECT_THROW(d.fs.unlink("stage"), FsError);  // not empty
  d.fs.unlink("stage/c");
  d.fs.unlink("stage/b.mcz");
  EXPECT_EQ(d.fs.list("stage").size(), 0u);
  EXPECT_EQ(d.fs.used_bytes(), 0u);
}

TEST(SimFs, RenameReplacesAFile) {
  Disk d(3);
  d.fs.write("image", "old");
  d.fs.write("image.tmp", "new");
  d.fs.rename("image.tmp", "image");
  EXPECT_EQ(d.fs.read("image"), "new");
  EXPECT_EQ(d.fs.used_bytes(), 3u);
}

TEST(SimFs, CapacityGivesNoSpace) {
  FsConfig c;
  c.capacity_bytes = 10;
  Disk d(4, c);
  d.fs.write("a", "12345678");
  try {
    d.fs.append("a", "abc");
    FAIL();
  } catch (const FsError& e) {
    EXPECT_EQ(e.code(), FsErrc::NoSpace);
  }
  EXPECT_EQ(d.fs.read("a"), "12345678") << "a failed write changes nothing";
  d.fs.write("a", "1");
  d.fs.append("a", "abc");
}

TEST(SimFs, ListingOrderComesFromTheChoiceStream) {
  auto listing = [](std::uint64_t seed, ListingOrder order) {
    FsConfig c;
    c.listing = order;
    Disk d(seed, c);
    for (char ch = 'a'; ch <= 'f'; ++ch) d.fs.write(std::string(1, ch) + ".mcz", "");
    return d.fs.list(".");
  };
  std::set<std::vector<std::string>> seen;
  for (std::uint64_t s = 0; s < 30; ++s) {
    EXPECT_EQ(listing(s, ListingOrder::Shuffled), listing(s, ListingOrder::Shuffled));
    seen.insert(listing(s, ListingOrder::Shuffled));
  }
  EXPECT_GT(seen.size(), 10u);
  EXPECT_EQ(listing(1, ListingOrder::Sorted),
            (std::vector<std::string>{"a.mcz", "b.mcz", "c.mcz", "d.mcz", "e.mcz", "f.mcz"}));
}

// Runs `setup`, crashes, and collects what `probe` says over many seeds.
template <typename Setup, typename Probe>
std::set<std::string> outcomes(Setup setup, Probe probe, int seeds = 60, FsModel model = FsModel::Posix) {
  std::set<std::string> seen;
  for (int s = 0; s < seeds; ++s) {
    FsConfig config;
    config.model = model;
    Disk d(static_cast<std::uint64_t>(s), config);
    setup(d.fs);
    d.fs.crash();
    seen.insert(probe(d.fs));
  }
  return seen;
}

std::string content_or_missing(SimFs& fs, const char* path) {
  return fs.exists(path) ? fs.read(path) : "<missing>";
}

TEST(SimFsCrash, FsyncedFileInFsyncedDirectorySurvives) {
  auto seen = outcomes(
      [](SimFs& fs) {
        fs.write("image", "saved");
        fs.fsync("image");
        fs.fsync_dir(".");
      },
      [](SimFs& fs) { return content_or_missing(fs, "image"); });
  EXPECT_EQ(seen, (std::set<std::string>{"saved"}));
}

TEST(SimFsCrash, CreateWithoutDirectoryFsyncMayBeLost) {
  auto seen = outcomes(
      [](SimFs& fs) {
        fs.write("image", "saved");
        fs.fsync("image");  // data durable, but the name is not
      },
      [](SimFs& fs) { return content_or_missing(fs, "image"); });
  EXPECT_EQ(seen, (std::set<std::string>{"saved", "<missing>"}));
}

TEST(SimFsCrash, RenameNeedsADirectoryFsync) {
  auto setup = [](bool sync_dir) {
    return [sync_dir](SimFs& fs) {
      fs.write("image", "old");
      fs.fsync("image");
      fs.fsync_dir(".");
      fs.write("image.tmp", "new");
      fs.fsync("image.tmp");
      fs.rename("image.tmp", "image");
      if (sync_dir) fs.fsync_dir(".");
    };
  };
  auto probe = [](SimFs& fs) { return content_or_missing(fs, "image"); };
  EXPECT_EQ(outcomes(setup(false), probe), (std::set<std::string>{"old", "new"}));
  EXPECT_EQ(outcomes(setup(true), probe), (std::set<std::string>{"new"}));
}

TEST(SimFsExt4Crash, UnsyncedAppendIsLostKeptOrTornAtItsTail) {
  auto seen = outcomes(
      [](SimFs& fs) {
        fs.write("pkg.mcz", "head;");
        fs.fsync("pkg.mcz");
        fs.fsync_dir(".");
        fs.append("pkg.mcz", "0123456789");
      },
      [](SimFs& fs) { return fs.read("pkg.mcz"); }, 200, FsModel::Ext4Ordered);
  EXPECT_TRUE(seen.contains("head;"));
  EXPECT_TRUE(seen.contains("head;0123456789"));
  EXPECT_GT(seen.size(), 4u) << "torn at several lengths";
  for (const auto& s : seen) EXPECT_EQ(std::string("head;0123456789").substr(0, s.size()), s);
}

TEST(SimFsExt4Crash, UnsyncedOverwriteKeepsOldOrNew) {
  auto seen = outcomes(
      [](SimFs& fs) {
        fs.write("f", "aaaa");
        fs.fsync("f");
        fs.fsync_dir(".");
        fs.write("f", "bb");
      },
      [](SimFs& fs) { return fs.read("f"); }, 60, FsModel::Ext4Ordered);
  EXPECT_EQ(seen, (std::set<std::string>{"aaaa", "bb"}));
}

TEST(SimFsExt4Crash, JournalSurvivesInOrder) {
  // If a later namespace operation survived, every earlier one did too.
  auto seen = outcomes(
      [](SimFs& fs) {
        fs.create("one");
        fs.create("two");
        fs.create("three");
      },
      [](SimFs& fs) {
        return std::string(fs.exists("one") ? "1" : "") + (fs.exists("two") ? "2" : "") +
               (fs.exists("three") ? "3" : "");
      },
      60, FsModel::Ext4Ordered);
  EXPECT_EQ(seen, (std::set<std::string>{"", "1", "12", "123"}));
}

TEST(SimFsExt4Crash, DirectoryFsyncCommitsEverythingBeforeIt) {
  auto seen = outcomes(
      [](SimFs& fs) {
        fs.mkdir("d");
        fs.create("d/x");
        fs.create("y");
        fs.fsync_dir(".");  // commits through "create y", so "d" and "d/x" too
      },
      [](SimFs& fs) { return std::to_string(fs.exists("d") && fs.exists("d/x") && fs.exists("y")); }, 60,
      FsModel::Ext4Ordered);
  EXPECT_EQ(seen, (std::set<std::string>{"1"}));
}

// --- The POSIX model: what ext4 happens to give, nothing else promises. ---

std::string which_exist(SimFs& fs, const std::vector<std::string>& paths) {
  std::string out;
  for (std::size_t i = 0; i < paths.size(); ++i)
    if (fs.exists(paths[i])) out += std::to_string(i + 1);
  return out;
}

TEST(SimFsPosixCrash, UnsyncedNamesInOneDirectoryPersistInAnySubset) {
  auto seen = outcomes(
      [](SimFs& fs) {
        fs.create("one");
        fs.create("two");
        fs.create("three");
      },
      [](SimFs& fs) { return which_exist(fs, {"one", "two", "three"}); }, 200);
  EXPECT_EQ(seen, (std::set<std::string>{"", "1", "2", "3", "12", "13", "23", "123"}));
}

TEST(SimFsPosixCrash, DirectoryFsyncPersistsThatDirectoryOnly) {
  auto seen = outcomes(
      [](SimFs& fs) {
        fs.mkdir("a");
        fs.mkdir("b");
        fs.fsync_dir(".");
        fs.create("a/x");
        fs.create("b/y");
        fs.fsync_dir("b");  // on ext4 this would commit "create a/x" too
      },
      [](SimFs& fs) { return which_exist(fs, {"a/x", "b/y"}); });
  EXPECT_EQ(seen, (std::set<std::string>{"2", "12"}));
}

TEST(SimFsPosixCrash, RenameAcrossDirectoriesMayLeaveBothNamesOrNeither) {
  auto seen = outcomes(
      [](SimFs& fs) {
        fs.mkdir("staging");
        fs.mkdir("lib");
        fs.write("staging/p", "code");
        fs.fsync("staging/p");
        fs.fsync_dir("staging");
        fs.fsync_dir(".");
        fs.rename("staging/p", "lib/p");
      },
      [](SimFs& fs) { return which_exist(fs, {"staging/p", "lib/p"}); }, 200);
  EXPECT_EQ(seen, (std::set<std::string>{"", "1", "2", "12"}));
}

TEST(SimFsPosixCrash, AFileLeftUnderTwoNamesCountsItsBytesOnceUntilItsLastNameGoes) {
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    Disk d(seed);
    d.fs.mkdir("a");
    d.fs.mkdir("b");
    d.fs.write("a/f", "12345");
    d.fs.fsync("a/f");
    d.fs.fsync_dir("a");
    d.fs.fsync_dir("b");
    d.fs.fsync_dir(".");
    d.fs.rename("a/f", "b/f");
    d.fs.crash();
    if (!(d.fs.exists("a/f") && d.fs.exists("b/f"))) continue;
    EXPECT_EQ(d.fs.used_bytes(), 5u);
    d.fs.unlink("a/f");
    EXPECT_EQ(d.fs.used_bytes(), 5u) << "b/f still holds them";
    d.fs.write("b/f", "1234567");
    d.fs.unlink("b/f");
    EXPECT_EQ(d.fs.used_bytes(), 0u);
    return;
  }
  FAIL() << "no crash left the file under both names";
}

TEST(SimFsPosixCrash, OverwrittenBlocksSurviveInNonPrefixSubsets) {
  const std::string old_data(3 * kBlockBytes, 'o'), new_data(3 * kBlockBytes, 'n');
  auto seen = outcomes(
      [&](SimFs& fs) {
        fs.write("image", old_data);
        fs.fsync("image");
        fs.fsync_dir(".");
        fs.write("image", new_data);  // in place: truncate, then write
      },
      [](SimFs& fs) {
        const std::string d = fs.read("image");
        std::string shape = std::to_string(d.size()) + ":";
        for (std::size_t b = 0; b < d.size(); b += kBlockBytes) shape += d[b];
        return shape;
      },
      400);
  EXPECT_TRUE(seen.contains("12288:ono")) << "a middle block new, its neighbours old";
  EXPECT_TRUE(seen.contains("12288:non"));
  EXPECT_TRUE(seen.contains("0:")) << "the truncate persisted without the data";
  EXPECT_TRUE(seen.contains("12288:ooo") && seen.contains("12288:nnn"));
}

TEST(SimFsPosixCrash, AnAppendMayExposeZerosOrGarbage) {
  auto seen = outcomes(
      [](SimFs& fs) {
        fs.write("log", "head;");
        fs.fsync("log");
        fs.fsync_dir(".");
        fs.append("log", "0123456789");
      },
      [](SimFs& fs) { return fs.read("log"); }, 200);
  EXPECT_TRUE(seen.contains("head;"));
  EXPECT_TRUE(seen.contains("head;0123456789"));
  EXPECT_TRUE(seen.contains(std::string("head;") + std::string(10, '\0'))) << "size persisted before the data";
  bool garbage = false;
  for (const auto& s : seen) {
    EXPECT_EQ(s.substr(0, 5), "head;") << "durable bytes never change";
    garbage = garbage || (s.size() == 15 && s != "head;0123456789" && s[5] != '\0');
  }
  EXPECT_TRUE(garbage);
}

TEST(SimFsPosixCrash, ATornWriteLeavesSomeOfItsStepsInThePageCache) {
  std::set<std::uint64_t> sizes;
  std::set<std::uint64_t> states;
  for (std::uint64_t seed = 0; seed < 60; ++seed) {
    Disk d(seed);
    d.fs.write("image", "old");
    d.fs.fsync("image");
    d.fs.fsync_dir(".");
    struct Crashed {};
    d.fs.tear_next_write([&] {
      d.fs.crash(SimFs::CrashOutcome::ProcessKill);
      throw Crashed{};
    });
    EXPECT_THROW(d.fs.write("image", std::string(3 * kBlockBytes + 10, 'n')), Crashed);
    sizes.insert(d.fs.size("image"));
    states.insert(d.fs.last_crash_states());
  }
  // A process kill keeps the page cache, so the steps done are all there is: 0..4 of 4.
  EXPECT_EQ(sizes, (std::set<std::uint64_t>{3 * kBlockBytes + 10}));
  EXPECT_EQ(states, (std::set<std::uint64_t>{5}));
}

TEST(SimFsPosixCrash, EnumeratedStatesVisitEveryStateOnce) {
  auto setup = [](SimFs& fs) {
    fs.write("a", std::string(kBlockBytes, 'a'));
    fs.fsync("a");
    fs.fsync_dir(".");
    fs.create("x");
    fs.create("y");
    fs.write("a", std::string(kBlockBytes, 'A'));  // in place: the truncate, then the block
  };
  std::vector<std::string> seen;
  std::optional<std::uint64_t> state = 0;
  while (state) {
    Disk d(0);
    setup(d.fs);
    d.fs.crash(SimFs::CrashOutcome::Enumerated, *state);
    const std::string a = d.fs.read("a");
    seen.push_back(which_exist(d.fs, {"x", "y"}) + ":" + std::to_string(a.size()) + a.substr(0, 1));
    state = next_enumerated_state(d.fs.last_crash());
  }
  // x, y: 2 x 2; "a": size 0, or 4096 with the old block or the new one: 3.
  EXPECT_EQ(seen.size(), 12u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), seen.size()) << "every state once";
  EXPECT_EQ(seen.front(), ":4096a") << "state 0 keeps nothing un-synced";
  EXPECT_TRUE(std::find(seen.begin(), seen.end(), "12:4096A") != seen.end());
  EXPECT_TRUE(std::find(seen.begin(), seen.end(), "2:0") != seen.end());
}

RC_GTEST_PROP(SimFsPosixCrash, KeepNothingAndKeepEverythingAreTheDurableAndVolatileViews, (std::uint64_t seed)) {
  for (const auto outcome : {SimFs::CrashOutcome::KeepNothing, SimFs::CrashOutcome::KeepEverything}) {
    Disk d(seed);
    d.fs.mkdir("d");
    d.fs.write("d/f", std::string(kBlockBytes + 7, 'o'));
    d.fs.fsync("d/f");
    d.fs.fsync_dir("d");
    d.fs.fsync_dir(".");
    const int ops = *rc::gen::inRange(0, 8);
    for (int i = 0; i < ops; ++i) {
      const std::string name = *rc::gen::element<std::string>("d/f", "d/g", "h");
      const std::string text(*rc::gen::inRange<std::size_t>(0, 3 * kBlockBytes), *rc::gen::inRange('a', 'z'));
      switch (*rc::gen::inRange(0, 3)) {
        case 0: d.fs.write(name, text); break;
        case 1: if (d.fs.exists(name)) d.fs.append(name, text); break;
        default: if (d.fs.exists(name)) d.fs.unlink(name); break;
      }
    }
    std::map<std::string, std::optional<std::string>> expected;
    for (const char* p : {"d/f", "d/g", "h"})
      expected[p] = outcome == SimFs::CrashOutcome::KeepNothing ? d.fs.peek_durable(p) : d.fs.peek(p);
    d.fs.crash(outcome);
    for (const auto& [p, content] : expected) RC_ASSERT(d.fs.peek(p) == content);
  }
}

TEST(SimFsPosixCrash, AProcessKillKeepsEveryUnsyncedChange) {
  Disk d(3);
  d.fs.write("f", "volatile");
  d.fs.crash(SimFs::CrashOutcome::ProcessKill);
  EXPECT_EQ(d.fs.read("f"), "volatile");
}

TEST(SimFsFaults, AfterAFailedFsyncTheNextOnePersistsNothing) {
  Disk d(1);
  d.fs.write("image", "new");
  EXPECT_THROW(d.fs.fail_fsync("image"), FsError);
  d.fs.fsync("image");  // reports success: the pages were marked clean
  d.fs.fsync_dir(".");
  d.fs.crash(SimFs::CrashOutcome::KeepNothing);
  EXPECT_EQ(d.fs.read("image"), "");
  d.fs.write("image", "again");
  d.fs.fsync("image");
  d.fs.crash(SimFs::CrashOutcome::KeepNothing);
  EXPECT_EQ(d.fs.read("image"), "again") << "only the one fsync after the failure lies";
}

TEST(SimFsFaults, MediaCorruptionChangesTheDurableBytesOnly) {
  Disk d(5);
  const std::string saved(2 * kBlockBytes, 's');
  d.fs.write("image", saved);
  d.fs.fsync("image");
  d.fs.fsync_dir(".");
  d.fs.corrupt("image", MediaFault::BitFlip);
  std::string now = d.fs.read("image");
  int bits = 0;
  for (std::size_t i = 0; i < saved.size(); ++i) bits += __builtin_popcount(static_cast<unsigned char>(saved[i] ^ now[i]));
  EXPECT_EQ(bits, 1);
  d.fs.corrupt("image", MediaFault::ZeroBlock);
  now = d.fs.read("image");
  EXPECT_EQ(std::count(now.begin(), now.end(), '\0'), static_cast<long>(kBlockBytes));
}

// Property: whatever was made durable (data fsynced after its last change, name committed by
// a directory fsync after its last namespace change) survives any crash, byte for byte.
RC_GTEST_PROP(SimFsCrash, WhateverWasSyncedSurvivesAnyCrash, (std::uint64_t seed)) {
  FsConfig config;
  config.model = *rc::gen::element(FsModel::Posix, FsModel::Ext4Ordered);
  Disk d(seed, config);
  SimFs& fs = d.fs;
  fs.mkdir("a");
  fs.mkdir("b");
  fs.fsync_dir(".");
  const std::vector<std::string> dirs{"a", "b"};
  const std::vector<std::string> names{"f", "g", "h"};
  std::map<std::string, std::string> content;       // volatile model
  std::map<std::string, std::string> data_synced;   // path -> content at its last fsync
  std::map<std::string, std::string> durable;       // path -> content guaranteed after crash

  const int ops = *rc::gen::inRange(1, 40);
  for (int i = 0; i < ops; ++i) {
    const std::string dir = *rc::gen::elementOf(dirs);
    const std::string path = dir + "/" + *rc::gen::elementOf(names);
    const std::string text = *rc::gen::container<std::string>(*rc::gen::inRange(0, 6), rc::gen::inRange('a', 'z'));
    switch (*rc::gen::inRange(0, 6)) {
      case 0:
        fs.write(path, text);
        content[path] = text;
        durable.erase(path);
        data_synced.erase(path);
        break;
      case 1:
        if (!content.contains(path)) break;
        fs.append(path, text);
        content[path] += text;
        if (!text.empty()) durable.erase(path), data_synced.erase(path);
        break;
      case 2:
        if (!content.contains(path)) break;
        fs.fsync(path);
        data_synced[path] = content[path];
        break;
      case 3:
        fs.fsync_dir(dir);
        for (const auto& [p, c] : data_synced)
          if (p.starts_with(dir + "/") && content.contains(p) && content[p] == c) durable[p] = c;
        break;
      case 4: {
        if (!content.contains(path)) break;
        const std::string to = *rc::gen::elementOf(dirs) + "/" + *rc::gen::elementOf(names);
        if (to == path) break;
        fs.rename(path, to);
        content[to] = content[path];
        content.erase(path);
        for (const auto& p : {path, to}) durable.erase(p), data_synced.erase(p);
        break;
      }
      case 5:
        if (!content.contains(path)) break;
        fs.unlink(path);
        content.erase(path);
        durable.erase(path);
        data_synced.erase(path);
        break;
    }
  }
  const auto outcome = *rc::gen::element(SimFs::CrashOutcome::Drawn, SimFs::CrashOutcome::KeepNothing,
                                        SimFs::CrashOutcome::Sampled, SimFs::CrashOutcome::Enumerated);
  fs.crash(outcome, *rc::gen::arbitrary<std::uint64_t>());
  for (const auto& [path, text] : durable) {
    RC_ASSERT(fs.exists(path));
    RC_ASSERT(fs.read(path) == text);
  }
}

}  // namespace
}  // namespace sim
