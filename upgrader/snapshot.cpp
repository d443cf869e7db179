#include "upgrader/snapshot.hpp"

#include <fmt/format.h>

#include "upgrader/checksum.hpp"

#include <cstdint>

namespace upgrader {
namespace {

constexpr std::string_view kMagic = "HOTSIMG1";

class Writer {
 public:
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>(v >> (8 * i)));
  }
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void str(std::string_view s) {
    u64(s.size());
    out_.append(s);
  }
  void value(const Value& v) {
    u8(static_cast<std::uint8_t>(v.index()));
    if (const auto* i = std::get_if<std::int64_t>(&v)) i64(*i);
    else if (const auto* s = std::get_if<std::string>(&v)) str(*s);
    else if (const auto* r = std::get_if<ObjectRef>(&v)) u64(r->id);
  }
  void literal(const Literal& v) {
    u8(static_cast<std::uint8_t>(v.index()));
    if (const auto* i = std::get_if<std::int64_t>(&v)) i64(*i);
    else if (const auto* s = std::get_if<std::string>(&v)) str(*s);
  }
  std::string& bytes() { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  Reader(std::string_view bytes, const std::string& source, std::size_t base)
      : in_(bytes), source_(source), base_(base) {}
  [[noreturn]] void fail(const std::string& what) const {
    throw SnapshotError(fmt::format("{}: corrupt snapshot at byte {}: {}", source_, base_ + pos_, what));
  }
  void need(std::size_t n, const char* what) const {
    if (in_.size() - pos_ < n) fail(fmt::format("truncated while reading {}", what));
  }
  std::uint8_t u8(const char* what) {
    need(1, what);
    return static_cast<std::uint8_t>(in_[pos_++]);
  }
  std::uint64_t u64(const char* what) {
    need(8, what);
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= std::uint64_t{static_cast<unsigned char>(in_[pos_ + i])} << (8 * i);
    pos_ += 8;
    return v;
  }
  std::int64_t i64(const char* what) { return static_cast<std::int64_t>(u64(what)); }
  std::uint64_t count(const char* what) {
    const std::uint64_t n = u64(what);
    if (n > in_.size() - pos_) fail(fmt::format("{} count {} exceeds the remaining {} bytes", what, n, in_.size() - pos_));
    return n;
  }
  std::string str(const char* what) {
    const std::uint64_t n = count(what);
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  Value value() {
    switch (u8("value tag")) {
      case 0: return Value{};
      case 1: return i64("integer");
      case 2: return str("string");
      case 3: return ObjectRef{u64("object reference")};
      default: fail("unknown value tag");
    }
  }
  Literal literal() {
    switch (u8("literal tag")) {
      case 0: return Literal{};
      case 1: return i64("integer");
      case 2: return str("string");
      default: fail("unknown literal tag");
    }
  }
  bool done() const { return pos_ == in_.size(); }
  // Maps are written in key order, each key once: anything else is corruption (and a
  // decoder that accepted it would silently drop or reorder what it read).
  template <typename Map, typename Key, typename Value>
  void insert_in_order(Map& map, Key key, Value value, const char* what) {
    if (!map.empty() && !(map.rbegin()->first < key)) fail(fmt::format("{} out of order or repeated", what));
    map.emplace_hint(map.end(), std::move(key), std::move(value));
  }

 private:
  std::string_view in_;
  const std::string& source_;
  std::size_t base_;
  std::size_t pos_ = 0;
};

void write_release(Writer& w, const Release& r) {
  w.u64(r.number);
  w.u64(r.packages.size());
  for (const auto& [name, version] : r.packages) w.str(name), w.i64(version);
  w.u64(r.classes.size());
  for (const auto& [name, c] : r.classes) {
    w.str(c.name);
    w.str(c.superclass);
    w.str(c.package);
    w.u64(c.fields.size());
    for (const auto& f : c.fields) w.str(f);
    w.u64(c.methods.size());
    for (const auto& [sel, m] : c.methods) {
      w.str(m->selector);
      w.str(m->package);
      w.i64(m->version);
      w.u64(m->body.size());
      for (const Step& s : m->body) {
        w.u8(static_cast<std::uint8_t>(s.kind));
        w.str(s.name);
        w.str(s.target);
        w.literal(s.value);
        w.i64(s.micros);
        w.i64(s.line);
      }
    }
    w.u64(c.class_vars.size());
    for (const auto& v : c.class_vars) w.str(v);
  }
}

std::shared_ptr<const Release> read_release(Reader& r) {
  auto rel = std::make_shared<Release>();
  rel->number = r.u64("release number");
  for (std::uint64_t n = r.count("package count"); n-- > 0;) {
    std::string name = r.str("package name");
    const std::int64_t version = r.i64("package version");
    r.insert_in_order(rel->packages, std::move(name), version, "package");
  }
  for (std::uint64_t n = r.count("class count"); n-- > 0;) {
    ClassInfo c;
    c.name = r.str("class name");
    c.superclass = r.str("superclass");
    c.package = r.str("class package");
    for (std::uint64_t f = r.count("field count"); f-- > 0;) c.fields.push_back(r.str("field"));
    for (std::uint64_t m = r.count("method count"); m-- > 0;) {
      CompiledMethod cm;
      cm.class_name = c.name;
      cm.selector = r.str("selector");
      cm.package = r.str("method package");
      cm.version = r.i64("method version");
      for (std::uint64_t s = r.count("step count"); s-- > 0;) {
        Step step{};
        const std::uint8_t kind = r.u8("step kind");
        if (kind > static_cast<std::uint8_t>(Step::Kind::Answer)) r.fail("unknown step kind");
        step.kind = static_cast<Step::Kind>(kind);
        step.name = r.str("step name");
        step.target = r.str("step target");
        step.value = r.literal();
        step.micros = r.i64("step cpu");
        const std::int64_t line = r.i64("step line");
        if (line < 0 || line > INT32_MAX) r.fail("step line out of range");
        step.line = static_cast<int>(line);
        cm.body.push_back(std::move(step));
      }
      std::string selector = cm.selector;
      r.insert_in_order(c.methods, std::move(selector), std::make_shared<const CompiledMethod>(std::move(cm)), "method");
    }
    for (std::uint64_t v = r.count("class variable count"); v-- > 0;) c.class_vars.push_back(r.str("class variable"));
    std::string name = c.name;
    r.insert_in_order(rel->classes, std::move(name), std::move(c), "class");
  }
  return rel;
}

}  // namespace

std::string encode_snapshot(const Image& image) {
  const Image::StateView s = image.view();
  Writer w;
  write_release(w, s.release);
  w.u64(s.heap.size());
  for (const auto& [id, obj] : s.heap) {
    w.u64(id);
    w.str(obj.class_name);
    w.u64(obj.fields.size());
    for (const auto& [f, v] : obj.fields) w.str(f), w.value(v);
  }
  w.u64(s.sessions.size());
  for (const auto& [id, sess] : s.sessions) w.u64(sess.id), w.u64(sess.root), w.i64(sess.last_active.count());
  w.u64(s.class_objects.size());
  for (const auto& [name, id] : s.class_objects) w.str(name), w.u64(id);
  w.u64(s.next_object);
  w.u64(s.next_session);

  const std::string& payload = w.bytes();
  Writer file;
  file.bytes() = std::string(kMagic);
  for (int i = 0; i < 4; ++i) file.u8(static_cast<std::uint8_t>(kSnapshotFormat >> (8 * i)));
  file.u64(payload.size());
  file.bytes() += payload;
  file.u64(fnv1a64(payload));
  return std::move(file.bytes());
}

Image::State decode_snapshot(std::string_view bytes, const std::string& source) {
  constexpr std::size_t kHeader = 8 + 4 + 8;
  if (bytes.size() < kHeader + 8)
    throw SnapshotError(fmt::format("{}: truncated snapshot: {} bytes, expected at least {}", source, bytes.size(), kHeader + 8));
  if (bytes.substr(0, 8) != kMagic) throw SnapshotError(fmt::format("{}: not a hotsim snapshot (bad magic)", source));
  std::uint32_t format = 0;
  for (int i = 0; i < 4; ++i) format |= std::uint32_t{static_cast<unsigned char>(bytes[8 + i])} << (8 * i);
  if (format != kSnapshotFormat)
    throw SnapshotError(fmt::format("{}: snapshot format {}, this build reads format {}", source, format, kSnapshotFormat));
  Reader header(bytes.substr(12, 8), source, 12);
  const std::uint64_t length = header.u64("payload length");
  if (bytes.size() - kHeader - 8 != length)
    throw SnapshotError(fmt::format("{}: truncated or padded snapshot: payload should be {} bytes, file holds {}", source,
                                    length, bytes.size() - kHeader - 8));
  const std::string_view payload = bytes.substr(kHeader, length);
  Reader trailer(bytes.substr(kHeader + length), source, kHeader + length);
  const std::uint64_t sum = trailer.u64("checksum");
  if (sum != fnv1a64(payload))
    throw SnapshotError(fmt::format("{}: checksum mismatch (stored {:016x}, computed {:016x}): corrupt snapshot", source, sum,
                                    fnv1a64(payload)));

  Reader r(payload, source, kHeader);
  Image::State s;
  s.release = read_release(r);
  if (const std::string gap = s.release->gap(); !gap.empty()) r.fail(fmt::format("the saved release is incomplete: {}", gap));
  for (std::uint64_t n = r.count("object count"); n-- > 0;) {
    const ObjectId id = r.u64("object id");
    Object obj;
    obj.class_name = r.str("object class");
    for (std::uint64_t f = r.count("object field count"); f-- > 0;) {
      std::string name = r.str("object field");
      Value v = r.value();
      r.insert_in_order(obj.fields, std::move(name), std::move(v), "object field");
    }
    obj.shape_release = s.release->number;  // saved migrated to the saved release
    r.insert_in_order(s.heap, id, std::move(obj), "object");
  }
  for (std::uint64_t n = r.count("session count"); n-- > 0;) {
    Session sess;
    sess.id = r.u64("session id");
    sess.root = r.u64("session root");
    sess.last_active = Time(r.i64("session time"));
    r.insert_in_order(s.sessions, sess.id, sess, "session");
  }
  for (std::uint64_t n = r.count("class object count"); n-- > 0;) {
    std::string name = r.str("class object name");
    const ObjectId id = r.u64("class object id");
    r.insert_in_order(s.class_objects, std::move(name), id, "class object");
  }
  s.next_object = r.u64("next object id");
  s.next_session = r.u64("next session id");
  if (!r.done()) r.fail("unexpected bytes after the image");
  return s;
}

std::uint64_t save_snapshot(const Image& image, Filesystem& fs, const std::string& path) {
  return save_snapshot_bytes(encode_snapshot(image), fs, path);
}

std::uint64_t save_snapshot_bytes(const std::string& bytes, Filesystem& fs, const std::string& path) {
  const std::string tmp = path + ".tmp";
  fs.write(tmp, bytes);
  fs.fsync(tmp);
  fs.rename(tmp, path);
  const auto slash = path.rfind('/');
  fs.fsync_dir(slash == std::string::npos ? "." : path.substr(0, slash));
  return bytes.size();
}

Image::State load_snapshot(Filesystem& fs, const std::string& path) { return decode_snapshot(fs.read(path), path); }

}  // namespace upgrader
