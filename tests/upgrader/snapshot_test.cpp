#include "upgrader/snapshot.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "upgrader/app_files.hpp"

namespace upgrader {
namespace {

Image sample_image(int sessions) {
  Image image;
  for (const auto& f : testing_support::v1_files()) {
    const std::string path = testing_support::app_dir() + "/old/" + f;
    image.install(parse_package(testing_support::read_text(path), path), true);
  }
  for (int s = 0; s < sessions; ++s) {
    auto id = image.new_session("ShopSession", Time(s));
    image.object(image.session(id)->root).fields["visits"] = std::int64_t{s};
  }
  return image;
}

TEST(Snapshot, RoundTripKeepsEverything) {
  Image image = sample_image(3);
  const std::string bytes = encode_snapshot(image);
  Image loaded;
  loaded.restore(decode_snapshot(bytes, "image.snapshot"));
  EXPECT_EQ(encode_snapshot(loaded), bytes);
  EXPECT_EQ(loaded.sessions().size(), 3u);
  EXPECT_NE(loaded.current()->lookup("ShopSession", "buy"), nullptr);
}

TEST(Snapshot, EveryTruncationIsRefusedWithAClearError) {
  const std::string bytes = encode_snapshot(sample_image(2));
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    try {
      decode_snapshot(std::string_view(bytes).substr(0, n), "image.snapshot");
      FAIL() << "accepted a snapshot cut at " << n;
    } catch (const SnapshotError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("image.snapshot: ", 0), 0u);
    }
  }
}

TEST(Snapshot, FlippedBytesAreRefused) {
  const std::string bytes = encode_snapshot(sample_image(2));
  for (std::size_t i = 0; i < bytes.size(); i += 7) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    EXPECT_THROW(decode_snapshot(bad, "image.snapshot"), SnapshotError) << "byte " << i;
  }
}

TEST(Snapshot, GrowsWithLiveSessions) {
  EXPECT_LT(encode_snapshot(sample_image(0)).size(), encode_snapshot(sample_image(100)).size());
}

// Any generated image: save -> load is the identity.
RC_GTEST_PROP(Snapshot, SaveThenLoadIsTheIdentity, ()) {
  Image image = sample_image(*rc::gen::inRange(0, 20));
  const int writes = *rc::gen::inRange(0, 30);
  for (int i = 0; i < writes; ++i) {
    const auto& sessions = image.sessions();
    if (sessions.empty()) break;
    auto it = sessions.begin();
    std::advance(it, *rc::gen::inRange<std::size_t>(0, sessions.size()));
    Object& root = image.object(it->second.root);
    switch (*rc::gen::inRange(0, 3)) {
      case 0: root.fields["visits"] = *rc::gen::arbitrary<std::int64_t>(); break;
      case 1: root.fields["visits"] = *rc::gen::arbitrary<std::string>(); break;
      case 2: root.fields["cart"] = ObjectRef{image.new_object("Cart")}; break;
    }
  }
  const std::string bytes = encode_snapshot(image);
  Image loaded;
  loaded.restore(decode_snapshot(bytes, "gen"));
  RC_ASSERT(encode_snapshot(loaded) == bytes);
  RC_ASSERT(loaded.heap().size() == image.heap().size());
}

}  // namespace
}  // namespace upgrader
