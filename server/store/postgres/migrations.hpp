// Numbered schema migrations for PostgreSQL, tracked in schema_migrations(version,
// applied_at). PostgreSQL's numbering is its own: version 1 is the schema SQLite reaches at
// its version 8 (store/sqlite/migrations.cpp); a later SQLite migration gets its PostgreSQL
// counterpart as the next entry here (pg_migrations_test.cpp fails until it does).
#pragma once

#include "store/postgres/pg.hpp"

namespace slab5d {

int pg_latest_schema_version();
// The SQLite schema version that pg_latest_schema_version() corresponds to.
int pg_matching_sqlite_version();
// The version the database is at (0 when it has no schema_migrations table).
int pg_schema_version(PgConn& conn);

struct PgMigrationOutcome {
  int from = 0;
  int to = 0;
  bool created = false;  // the database had no slab5 schema before
};

// Applies what is missing, up to `target` (-1: the latest), each migration in one transaction
// of its own that holds a transaction-level advisory lock, so that slab5d processes starting
// at once on one database apply each migration exactly once. At the latest version the
// app-plane tables are then brought in line with the resource table (pg_sync_record_tables).
// Throws std::runtime_error when the database is from a newer slab5d (it is left untouched) or
// has tables but no slab5 schema; PgError when the server fails.
PgMigrationOutcome pg_migrate(PgConn& conn, int target = -1);

// The advisory lock key that pg_migrate and pg_sync_record_tables take (pg_advisory_xact_lock).
inline constexpr std::int64_t kPgMigrationLock = 0x736c61623564;  // "slab5d"
// The session advisory lock an instance holds from its migrations until the first owner of a
// new database exists (App::prepare), so instances that start together make one owner.
inline constexpr std::int64_t kPgBootstrapLockKey = 0x736c616235642b;  // "slab5d+"

}  // namespace slab5d
