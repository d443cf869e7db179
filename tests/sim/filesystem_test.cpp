// The simulated filesystem and its crash model (see sim/filesystem.hpp).
#include "sim/filesystem.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

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
std::set<std::string> outcomes(Setup setup, Probe probe, int seeds = 60) {
  std::set<std::string> seen;
  for (int s = 0; s < seeds; ++s) {
    Disk d(static_cast<std::uint64_t>(s));
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

TEST(SimFsCrash, UnsyncedAppendIsLostKeptOrTornAtItsTail) {
  auto seen = outcomes(
      [](SimFs& fs) {
        fs.write("pkg.mcz", "head;");
        fs.fsync("pkg.mcz");
        fs.fsync_dir(".");
        fs.append("pkg.mcz", "0123456789");
      },
      [](SimFs& fs) { return fs.read("pkg.mcz"); }, 200);
  EXPECT_TRUE(seen.contains("head;"));
  EXPECT_TRUE(seen.contains("head;0123456789"));
  EXPECT_GT(seen.size(), 4u) << "torn at several lengths";
  for (const auto& s : seen) EXPECT_EQ(std::string("head;0123456789").substr(0, s.size()), s);
}

TEST(SimFsCrash, UnsyncedOverwriteKeepsOldOrNew) {
  auto seen = outcomes(
      [](SimFs& fs) {
        fs.write("f", "aaaa");
        fs.fsync("f");
        fs.fsync_dir(".");
        fs.write("f", "bb");
      },
      [](SimFs& fs) { return fs.read("f"); });
  EXPECT_EQ(seen, (std::set<std::string>{"aaaa", "bb"}));
}

TEST(SimFsCrash, JournalSurvivesInOrder) {
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
      });
  EXPECT_EQ(seen, (std::set<std::string>{"", "1", "12", "123"}));
}

TEST(SimFsCrash, DirectoryFsyncCommitsEverythingBeforeIt) {
  auto seen = outcomes(
      [](SimFs& fs) {
        fs.mkdir("d");
        fs.create("d/x");
        fs.create("y");
        fs.fsync_dir(".");  // commits through "create y", so "d" and "d/x" too
      },
      [](SimFs& fs) { return std::to_string(fs.exists("d") && fs.exists("d/x") && fs.exists("y")); });
  EXPECT_EQ(seen, (std::set<std::string>{"1"}));
}

// Property: whatever was made durable (data fsynced after its last change, name committed by
// a directory fsync after its last namespace change) survives any crash, byte for byte.
RC_GTEST_PROP(SimFsCrash, WhateverWasSyncedSurvivesAnyCrash, (std::uint64_t seed)) {
  Disk d(seed);
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
  fs.crash();
  for (const auto& [path, text] : durable) {
    RC_ASSERT(fs.exists(path));
    RC_ASSERT(fs.read(path) == text);
  }
}

}  // namespace
}  // namespace sim
