// Which rows of a database file this process has changed since the file last matched a
// snapshot copy (snapshot.hpp): a restore of that same copy then rewrites only those rows
// instead of every page, so its cost follows what a test changed, not the database's size.
//
// Every connection the process opens on the file (Db::open) reports each row it inserts,
// updates or deletes through SQLite's preupdate hook: the rowid, or for a WITHOUT ROWID table
// its primary key. What is noted may be more than what changed (a rolled-back write stays
// noted; rewriting an unchanged row from the copy is harmless), never less, as long as this
// process is the only writer. That is checked, not assumed: each process that opens the file
// takes a shared lock on `<db>.snapshots/writers` and appends one byte to it, so a restore
// that finds it cannot take the lock exclusively, or finds the file grown since the sync, knows
// another process was there and copies the whole database instead. So does a restore after a
// schema change, of another copy than the one last synced with, of a copy rewritten since,
// or after more than kMaxTrackedRows rows changed.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

struct sqlite3;

namespace slab5d {

class ChangeTracker {
 public:
  // Past this many noted rows, a restore copies the whole database: about as fast by then, and
  // memory stays bounded on a server that writes for days without a restore.
  static constexpr std::size_t kMaxTrackedRows = 50000;

  // One tracker per database file in this process (by the path as given); nullptr for an
  // in-memory or URI database, whose restores always copy everything.
  static std::shared_ptr<ChangeTracker> for_path(const std::string& path);
  ~ChangeTracker();
  ChangeTracker(const ChangeTracker&) = delete;
  ChangeTracker& operator=(const ChangeTracker&) = delete;

  // Reports this connection's row changes to the tracker (for as long as it lives).
  void watch(sqlite3* h);

  // The live file is about to match a copy (a save holding the write lock, or a whole restore
  // about to take it): forget what was noted and note every change from now on.
  void begin_sync();
  // The live file matches `copy` (read through `h`, a connection to it): remember the copy,
  // the schema and the writers' lock; changes noted since begin_sync are kept.
  void finish_sync(sqlite3* h, const std::string& copy);
  // Nothing is known: the next restore copies everything.
  void forget();

  struct Table {
    std::string name;
    bool without_rowid = false;
    bool whole = false;                    // copy the whole table
    bool rowid_alias = false;              // an INTEGER PRIMARY KEY column is the rowid
    std::vector<std::string> columns;      // in declaration order
    std::vector<std::string> key_columns;  // WITHOUT ROWID: the primary key, in key order
    std::vector<std::int64_t> rowids;      // rowid tables
    std::vector<std::string> keys;         // WITHOUT ROWID: each key as a JSON array
  };
  // With the live file's write lock held through `h` (BEGIN IMMEDIATE): the rows changed since
  // it matched `copy`, or nullopt when a row-wise restore would not be exact.
  std::optional<std::vector<Table>> changes_since(sqlite3* h, const std::string& copy);
  // After a row-wise restore, in its transaction: the file matches the copy again.
  void restored();

 private:
  struct TableShape {
    bool without_rowid = false;
    bool rowid_alias = false;
    std::vector<std::string> columns;
    std::vector<std::string> key_columns;
    std::vector<int> key_column_index;  // positions of the key columns among `columns`
  };
  struct Noted {
    bool whole = false;
    std::unordered_set<std::int64_t> rowids;
    std::unordered_set<std::string> keys;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Synced {
    std::string copy;
    std::uint64_t copy_dev = 0, copy_ino = 0;
    std::int64_t copy_size = 0, copy_mtime_ns = 0;
    std::int64_t schema_version = -1;
    std::int64_t writers_mark = -1;
  };

  explicit ChangeTracker(std::string path);
  static void on_preupdate(void* self, sqlite3* db, int op, const char* db_name, const char* table, long long key1,
                           long long key2);
  void note(sqlite3* db, int op, const char* table, std::int64_t key1, std::int64_t key2);
  // Takes the writers' lock exclusively for a moment: the lock file's size when no other process
  // holds it, -1 otherwise.
  std::int64_t writers_alone();

  std::string path_;
  int pid_;
  int writers_fd_ = -1;
  std::atomic<bool> recording_{false};
  std::mutex mu_;
  bool overflow_ = false;
  std::size_t noted_rows_ = 0;
  std::optional<Synced> synced_;
  std::unordered_map<std::string, TableShape, Hash, std::equal_to<>> shapes_;
  std::unordered_map<std::string, Noted, Hash, std::equal_to<>> noted_;
};

}  // namespace slab5d
