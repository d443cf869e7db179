#include "upgrader/checksum.hpp"

#include <gtest/gtest.h>

namespace upgrader {
namespace {

// The published FNV-1a 64 test vectors: package and snapshot checksums already on disk
// were written with these values.
TEST(Checksum, IsFnv1a64) {
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ULL);
  EXPECT_EQ(checksum_text("foobar"), "fnv1a64:85944171f73967e8");
}

// Hashing in pieces, each starting from the previous result, is hashing the whole
// (YieldPointSet hashes a point as its class, ">>" and selector).
TEST(Checksum, APieceStartsFromThePreviousResult) {
  EXPECT_EQ(fnv1a64("bar", fnv1a64("foo")), fnv1a64("foobar"));
  EXPECT_EQ(fnv1a64("total", fnv1a64(">>", fnv1a64("Cart"))), fnv1a64("Cart>>total"));
  EXPECT_EQ(fnv1a64("", fnv1a64("Cart>>total")), fnv1a64("Cart>>total"));
}

}  // namespace
}  // namespace upgrader
