// [app] old, new and each of next as a directory ("v1/", relative to [app] dir): every
// package file in it, in name order; a directory that is missing, empty, holds anything but
// package files or leads out of the app directory is an error with file:line and what was
// expected.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "scenarios/scenario.hpp"

namespace scenarios {
namespace {

namespace fs = std::filesystem;

const std::string kShop = std::string(HOTSIM_SOURCE_DIR) + "/scenarios/apps/shop";
const std::string kDefault = std::string(HOTSIM_SOURCE_DIR) + "/scenarios/default";

// A scratch scenario directory: the scenario file goes to root/s.toml, its app to root/app.
class Scratch {
 public:
  Scratch() {
    static int n = 0;
    root_ = fs::temp_directory_path() / ("hotsim-appdir-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::remove_all(root_);
    fs::create_directories(root_ / "app/new");
    touch("app/new/A-2.pkg");
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  const fs::path& root() const { return root_; }
  void touch(const std::string& rel) const {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << "";
  }
  // The scenario with these [app] lines after dir (line 4 on), parsed.
  Scenario parse(const std::string& app_lines) const {
    return parse_scenario("[scenario]\nname = \"t\"\n[app]\ndir = \"app\"\n" + app_lines, (root_ / "s.toml").string());
  }

 private:
  fs::path root_;
};

std::string app_of(const Scratch& s) { return (s.root() / "app").lexically_normal().string(); }

TEST(AppDirectory, OldAndNewTakeEveryPackageFileOfTheirDirectoryInNameOrder) {
  Scratch s;
  for (const char* f : {"app/v1/Zeta-1.pkg", "app/v1/Alpha-1.pkg", "app/v1/Mid-1.pkg"}) s.touch(f);
  const Scenario sc = s.parse("old = \"v1/\"\nnew = \"new/\"\n");
  EXPECT_EQ(sc.old_packages, (std::vector<std::string>{"v1/Alpha-1.pkg", "v1/Mid-1.pkg", "v1/Zeta-1.pkg"}));
  EXPECT_EQ(sc.new_packages, std::vector<std::string>{"new/A-2.pkg"});
  EXPECT_EQ(sc.release_files(0).front(), app_of(s) + "/v1/Alpha-1.pkg");
  // Nested, and with "./": the same files, the path normalised.
  s.touch("app/builds/r7/B-7.pkg");
  EXPECT_EQ(s.parse("old = \"./builds/r7/\"\nnew = [\"A-2.pkg\"]\n").old_packages, std::vector<std::string>{"builds/r7/B-7.pkg"});
  // The app directory itself.
  Scratch flat;
  fs::remove_all(flat.root() / "app/new");
  flat.touch("app/A-1.pkg");
  EXPECT_EQ(flat.parse("old = \"./\"\nnew = \"./\"\n").old_packages, std::vector<std::string>{"A-1.pkg"});
  // A list still names files in old/ and new/.
  s.touch("app/old/A-1.pkg");
  EXPECT_EQ(s.parse("old = [\"A-1.pkg\"]\nnew = [\"A-2.pkg\"]\n").old_packages, std::vector<std::string>{"old/A-1.pkg"});
}

// The directory form is the same release as the list of its files: the shop app, both ways.
TEST(AppDirectory, ADirectoryIsTheSameReleaseAsTheListOfItsFiles) {
  const std::string head = "[scenario]\nname = \"t\"\n[app]\ndir = \"../apps/shop\"\n";
  const Scenario listed = parse_scenario(head +
                                             "old = [\"Shop-Kernel-1.pkg\", \"Shop-Model-1.pkg\", \"Shop-Web-1.pkg\"]\n"
                                             "new = [\"Shop-Kernel-2.pkg\", \"Shop-Model-2.pkg\", \"Shop-Promo-1.pkg\", \"Shop-Web-2.pkg\"]\n"
                                             "next = [[\"v3/Shop-Kernel-3.pkg\", \"v3/Shop-Model-3.pkg\", \"v3/Shop-Web-3.pkg\"]]\n"
                                             "[deploy]\nat_ms = [3000, 9000]\n",
                                         kDefault + "/listed.toml");
  const Scenario whole = parse_scenario(head + "old = \"old/\"\nnew = \"new/\"\nnext = [\"v3/\"]\n[deploy]\nat_ms = [3000, 9000]\n",
                                        kDefault + "/whole.toml");
  for (int r = 0; r <= 2; ++r) EXPECT_EQ(whole.release_files(r), listed.release_files(r)) << "release " << r;
  EXPECT_EQ(whole.package_files(), listed.package_files());
}

TEST(AppDirectory, BadDirectoriesSayFileLineAndWhatWasExpected) {
  Scratch s;
  s.touch("app/v1/A-1.pkg");
  fs::create_directories(s.root() / "app/empty");
  s.touch("app/stray/A-1.pkg");
  s.touch("app/stray/notes.txt");
  s.touch("app/nested/A-1.pkg");
  fs::create_directories(s.root() / "app/nested/sub.pkg");
  s.touch("outside/A-1.pkg");
  fs::create_directory_symlink(s.root() / "outside", s.root() / "app/linked");
  s.touch("app/linkfile/B-1.pkg");
  fs::create_symlink(s.root() / "outside/A-1.pkg", s.root() / "app/linkfile/A-1.pkg");
  fs::create_directories(s.root() / "app/inner");
  fs::create_symlink(s.root() / "app/new/A-2.pkg", s.root() / "app/inner/A-2.pkg");  // stays inside: fine
  const std::string app = app_of(s);
  struct Case {
    std::string lines;
    int line;
    std::string expected;
  } cases[] = {
      {"old = \"v9/\"\nnew = \"new/\"\n", 5, "'old': no directory " + app + "/v9/; expected a directory of package files (*.pkg)"},
      {"old = \"v1\"\nnew = \"new/\"\n", 5, "'old': expected a directory name ending in '/', got \"v1\""},
      {"old = \"/\"\nnew = \"new/\"\n", 5, "'old': \"/\" is an absolute path"},
      {"old = \"empty/\"\nnew = \"new/\"\n", 5, "'old': no package file (*.pkg) in " + app + "/empty/; expected at least one"},
      {"old = \"stray/\"\nnew = \"new/\"\n", 5,
       "'old': stray/notes.txt is not a package file; expected only package files (*.pkg) in " + app + "/stray/"},
      {"old = \"nested/\"\nnew = \"new/\"\n", 5, "'old': nested/sub.pkg is not a package file"},
      {"old = \"../outside/\"\nnew = \"new/\"\n", 5, "'old': \"../outside/\" leads out of the app directory " + app},
      {"old = \"new/../../outside/\"\nnew = \"new/\"\n", 5, "leads out of the app directory"},
      {"old = \"" + (s.root() / "outside").string() + "/\"\nnew = \"new/\"\n", 5,
       "is an absolute path; expected a directory inside the app directory " + app},
      {"old = \"linked/\"\nnew = \"new/\"\n", 5, "'old': linked/ leads out of the app directory " + app + " (a symlink)"},
      {"old = \"linkfile/\"\nnew = \"new/\"\n", 5, "'old': linkfile/A-1.pkg leads out of the app directory " + app + " (a symlink)"},
      {"old = \"new/\"\nnew = \"empty/\"\n", 6, "'new': no package file (*.pkg) in " + app + "/empty/"},
      {"old = \"new/\"\nnew = \"../outside/\"\n", 6, "'new': \"../outside/\" leads out of the app directory"},
      {"old = \"new/\"\nnew = 5\n", 6, "'new': expected an array of package file names in " + app + "/new/, or a directory \"dir/\""},
      {"old = []\nnew = \"new/\"\n", 5, "'old': expected an array of package file names"},
      {"new = \"new/\"\n", 3, "expected [app] old"},
      // next shares the same rules (one function)
      {"old = \"new/\"\nnew = \"new/\"\nnext = [\"../outside/\"]\n", 7, "'next': \"../outside/\" leads out of the app directory"},
      {"old = \"new/\"\nnew = \"new/\"\nnext = [\"stray/\"]\n", 7, "'next': stray/notes.txt is not a package file"},
  };
  for (const Case& c : cases) {
    try {
      s.parse(c.lines);
      ADD_FAILURE() << "accepted:\n" << c.lines;
    } catch (const ScenarioError& e) {
      EXPECT_EQ(e.line(), c.line) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.expected), std::string::npos) << e.what() << "\nexpected: " << c.expected;
      EXPECT_EQ(std::string(e.what()).rfind((s.root() / "s.toml").string() + ":", 0), 0u) << e.what();
    }
  }
  // A symlink that stays inside the app directory is followed.
  EXPECT_EQ(s.parse("old = \"inner/\"\nnew = \"new/\"\n").old_packages, std::vector<std::string>{"inner/A-2.pkg"});
}

// Any directory contents: accepted exactly when there is at least one entry and every entry
// is a *.pkg file, and then old is every one of them as dir/name, sorted by name; refused at
// the line of old otherwise.
RC_GTEST_PROP(AppDirectory, ADirectoryIsAcceptedExactlyWhenItHoldsOnlyPackageFiles, ()) {
  const auto stem = rc::gen::container<std::string>(rc::gen::oneOf(rc::gen::inRange('a', 'f'), rc::gen::element('-', '_', '.')));
  const auto names = *rc::gen::container<std::set<std::string>>(
      rc::gen::map(rc::gen::pair(rc::gen::nonEmpty(stem), rc::gen::element<std::string>(".pkg", ".pkg", ".txt", "", ".pkg~")),
                   [](const std::pair<std::string, std::string>& p) { return p.first + p.second; }));
  const std::string dir = *rc::gen::element<std::string>("rel", "builds/r1", "x.pkg");
  Scratch s;
  fs::create_directories(s.root() / "app" / dir);
  std::vector<std::string> expected;
  bool only_packages = true;
  for (const std::string& n : names) {
    if (n == "." || n == "..") continue;  // not a file name
    s.touch("app/" + dir + "/" + n);
    const bool pkg = fs::path(n).extension() == ".pkg";
    only_packages = only_packages && pkg;
    expected.push_back(dir + "/" + n);
  }
  std::sort(expected.begin(), expected.end());
  const bool good = only_packages && !expected.empty();
  try {
    const Scenario sc = s.parse("old = \"" + dir + "/\"\nnew = \"new/\"\n");
    RC_ASSERT(good);
    RC_ASSERT(sc.old_packages == expected);
  } catch (const ScenarioError& e) {
    RC_ASSERT(!good);
    RC_ASSERT(e.line() == 5);
    RC_ASSERT(std::string(e.what()).find("'old': ") != std::string::npos);
  }
}

// Whatever the directory name, one with a ".." component or a root is refused, never listed.
RC_GTEST_PROP(AppDirectory, ANameLeadingOutOfTheAppIsRefused, ()) {
  const auto parts = *rc::gen::nonEmpty(rc::gen::container<std::vector<std::string>>(rc::gen::element<std::string>("..", ".", "v1", "app", "new")));
  const bool absolute = *rc::gen::arbitrary<bool>();
  std::string name = absolute ? "/" : "";
  for (const auto& p : parts) name += p + "/";
  Scratch s;
  s.touch("app/v1/A-1.pkg");
  const bool escapes = absolute || std::find(parts.begin(), parts.end(), "..") != parts.end();
  try {
    const Scenario sc = s.parse("old = \"" + name + "\"\nnew = \"new/\"\n");
    RC_ASSERT(!escapes);
    for (const std::string& f : sc.old_packages) RC_ASSERT(f.find("..") == std::string::npos);
  } catch (const ScenarioError& e) {
    RC_ASSERT(e.line() == 5);
    if (escapes)
      RC_ASSERT(std::string(e.what()).find(absolute ? "is an absolute path" : "leads out of the app directory") != std::string::npos);
  }
}

}  // namespace
}  // namespace scenarios
