// Whole-database copies for the test-suite controls of api.md §9.1 (snapshots and reset),
// with SQLite's backup API: a save reads the live database in one read transaction; a restore
// writes the saved pages into the live database in one write transaction, so every other
// connection (another thread's, another process's) sees the old state or the restored one,
// never a mix, and re-reads its schema (the backup moves the schema cookie).
#pragma once
#include <string>

#include "store/sqlite/db.hpp"

namespace slab5d {

// Copies the live database into `to` (replaced if it exists: written beside it, then renamed
// over it), as a rollback-journal file that needs no -wal or -shm beside it. The copy is 0600.
// Throws DbError.
void save_database_copy(Db& live, const std::string& to);

// Replaces the whole content of the live database with the copy at `from`. Throws DbError
// (the live database is then unchanged).
void restore_database_copy(Db& live, const std::string& from);

}  // namespace slab5d
