// Whole-database copies for the test-suite controls of api.md §9.1 (snapshots and reset),
// with SQLite's backup API: a save reads the live database in one read transaction, with the
// write lock held so that the change tracker (change_tracker.hpp) notes every later change.
// A restore of the copy the database last matched rewrites only the rows changed since, in one
// write transaction; any other restore writes every saved page, in one write transaction. Either
// way every other connection (another thread's, another process's) sees the old state or the
// restored one, never a mix.
#pragma once
#include <string>

#include "store/sqlite/db.hpp"

namespace slab5d {

// Copies the live database into `to` (replaced if it exists: written beside it, then renamed
// over it), as a rollback-journal file that needs no -wal or -shm beside it. The copy is 0600.
// Throws DbError.
void save_database_copy(Db& live, const std::string& to);

enum class RestoreWay { changed_rows, whole_copy };

// Replaces the whole content of the live database with the copy at `from`, and says how.
// Throws DbError (the live database is then unchanged).
RestoreWay restore_database_copy(Db& live, const std::string& from);

}  // namespace slab5d
