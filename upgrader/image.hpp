#pragma once
// The image: the published release, live objects and sessions. Publishing a release is one
// pointer switch. Live instances whose class changed shape are migrated (new fields start as
// nil, removed ones are dropped, as Smalltalk does when a class is reshaped) the first time
// they are touched under the new release, so the switch stays flat in heap size.
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "upgrader/field_table.hpp"
#include "upgrader/release.hpp"
#include "upgrader/runtime.hpp"

namespace upgrader {

std::string to_string(const Value& value);  // Value, ObjectRef: upgrader/field_table.hpp

struct Object {
  std::string class_name;
  FieldTable fields;
  std::uint64_t shape_release = 0;  // the release whose shape `fields` has
};

struct Session {
  std::uint64_t id = 0;
  ObjectId root = 0;
  Time last_active{0};
};

class Image {
 public:
  Image();

  std::shared_ptr<const Release> current() const { return current_; }
  // The atomic switch to `release`; instances migrate to its shapes when next touched.
  void publish(std::shared_ptr<const Release> release);
  // Builds a release from the current one plus `package` and publishes it (seed-style).
  void install(const Package& package, bool check_requires);

  ObjectId new_object(const std::string& class_name);
  // The object, migrated to the current release's shape of its class.
  Object& object(ObjectId id);
  // Every object, all migrated (snapshots, tests).
  const std::map<ObjectId, Object>& heap() const;

  std::uint64_t new_session(const std::string& root_class, Time now);
  Session* session(std::uint64_t id);
  const std::map<std::uint64_t, Session>& sessions() const { return sessions_; }
  // Housekeeping: drops sessions idle for longer than `timeout`, then unreachable objects.
  // A session counts as active at `active_since` at the latest (a restart: see the policy).
  std::size_t expire_sessions(Time now, Duration timeout, Time active_since = Time{0});
  std::size_t collect_garbage();

  // The object that a class's class-side initialize runs on.
  ObjectId class_object(const std::string& class_name);

  // Snapshot access: the whole state, as a snapshot restores it.
  struct State {
    std::shared_ptr<const Release> release;
    std::map<ObjectId, Object> heap;
    std::map<std::uint64_t, Session> sessions;
    std::map<std::string, ObjectId> class_objects;
    ObjectId next_object = 1;
    std::uint64_t next_session = 1;
  };
  void restore(State state);
  // The state by reference, all objects migrated: what a snapshot encodes, without a copy
  // of the heap at every save.
  struct StateView {
    const Release& release;
    const std::map<ObjectId, Object>& heap;
    const std::map<std::uint64_t, Session>& sessions;
    const std::map<std::string, ObjectId>& class_objects;
    ObjectId next_object;
    std::uint64_t next_session;
  };
  StateView view() const;

 private:
  // Recent heap lookups, direct-mapped by id: a request touches the same few objects at
  // every send, and a tree walk per send was an eighth of a run's time. Pointers into the
  // heap's nodes stay valid until a collection or a restore, which clear it; a copied image
  // starts with it empty.
  class LookupCache {
   public:
    LookupCache() = default;
    LookupCache(const LookupCache&) {}
    LookupCache& operator=(const LookupCache&) {
      clear();
      return *this;
    }
    Object* find(ObjectId id) const {
      const Entry& e = entries_[id % kSize];
      return e.id == id ? e.object : nullptr;
    }
    void put(ObjectId id, Object* object) { entries_[id % kSize] = {id, object}; }
    void clear() { entries_.fill({}); }

   private:
    static constexpr std::size_t kSize = 256;
    struct Entry {
      ObjectId id = 0;  // 0 is never an object's id
      Object* object = nullptr;
    };
    std::array<Entry, kSize> entries_{};
  };

  void migrate(Object& obj) const;

  std::shared_ptr<const Release> current_;
  mutable std::map<ObjectId, Object> heap_;  // migration is a change of representation only
  std::map<std::uint64_t, Session> sessions_;
  std::map<std::string, ObjectId> class_objects_;
  ObjectId next_object_ = 1;
  std::uint64_t next_session_ = 1;
  std::size_t gc_threshold_ = 4096;  // collect when the heap outgrows this (twice the live set)
  LookupCache lookups_;
};

}  // namespace upgrader
