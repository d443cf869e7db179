#pragma once
// The saved image: a versioned binary format with a checksum.
//
//   "HOTSIMG1" | u32 format version | u64 payload length | payload | u64 FNV-1a of payload
//
// Saving writes a temp file, fsyncs it, renames it over the snapshot and fsyncs the
// directory, so a crash leaves either the old snapshot or the new one. Loading refuses a
// corrupt or truncated snapshot with a clear error and never returns a partial image.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "upgrader/image.hpp"
#include "upgrader/runtime.hpp"

namespace upgrader {

class SnapshotError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr std::uint32_t kSnapshotFormat = 2;  // 2: metaclasses carry class variables

std::string encode_snapshot(const Image& image);
// `source` names the bytes in errors (the file path).
Image::State decode_snapshot(std::string_view bytes, const std::string& source);

// Atomic, durable save; returns the snapshot's size in bytes.
std::uint64_t save_snapshot(const Image& image, Filesystem& fs, const std::string& path);
// The same, for bytes already encoded (copies of one image hold the same bytes: the image
// changes while the first copy is written).
std::uint64_t save_snapshot_bytes(const std::string& bytes, Filesystem& fs, const std::string& path);
// Loads `path` into a fresh image state; throws SnapshotError or IoError.
Image::State load_snapshot(Filesystem& fs, const std::string& path);

}  // namespace upgrader
