// Named snapshots of the whole state (api.md §9.1), and the first-start state that
// POST /v1/dev/reset returns to.
//
// A snapshot is a copy of the database file made with SQLite's backup API, kept in the
// directory "<database>.snapshots" beside the database (for a throwaway database, in its
// temporary directory, removed with it): "<name>.db", and "<name>.json" with when it was
// saved (by the server clock). The first-start state is ".first-start.db" there, saved when
// slab5d creates the database; a name never starts with '.', so it is not listed and cannot be
// overwritten through the API. What is not in the database is not in a snapshot: asset bytes
// (--assets-dir), the key-encryption key beside the database, and the server clock.
#pragma once
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "slab5/error.hpp"
#include "slab5/json_util.hpp"
#include "store/sqlite/db.hpp"

namespace slab5d {

struct SnapshotInfo {
  std::string name;
  std::string created_at;  // RFC 3339, by the server clock when it was saved
  std::int64_t size_bytes = 0;
  slab5::Json to_json() const;
};

class Snapshots {
 public:
  explicit Snapshots(std::string dir) : dir_(std::move(dir)) {}
  const std::string& dir() const { return dir_; }

  // 1-64 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit.
  static slab5::Status check_name(std::string_view name);

  // Each serialises with the others (one save or restore at a time).
  // `live` is the caller's connection: a snapshot is a copy of a SQLite database file, so on
  // another backend these are refused (conflict).
  slab5::Result<SnapshotInfo> save(Conn& live, const std::string& name);
  slab5::Result<SnapshotInfo> restore(Conn& live, const std::string& name);
  slab5::Result<SnapshotInfo> get(const std::string& name);
  slab5::Result<std::vector<SnapshotInfo>> list();
  slab5::Status remove(const std::string& name);

  void save_first_start(Db& live);
  // conflict when this database was created without a first-start state (an older slab5d).
  slab5::Status restore_first_start(Conn& live);
  // Removes the directory and everything in it (a throwaway database's, at shutdown).
  void remove_all();

 private:
  std::string file_of(const std::string& name) const { return dir_ + "/" + name + ".db"; }
  slab5::Result<SnapshotInfo> info_of(const std::string& name);
  void ensure_dir();

  std::string dir_;
  std::mutex mu_;
};

}  // namespace slab5d
