// Numbered schema migrations, tracked in PRAGMA user_version.
#pragma once
#include <string>

#include "store/sqlite/db.hpp"

namespace slab5d {

int latest_schema_version();
// The version the database file is at (0 when empty).
int schema_version(Db& db);
struct MigrationOutcome {
  int from = 0;
  int to = 0;
  bool created = false;  // the database was empty before
};
// Applies what is missing, up to `target` (-1: the latest), in one transaction each. Throws
// std::runtime_error when the database is from a newer slab5d (it is left untouched).
MigrationOutcome migrate(Db& db, int target = -1);

}  // namespace slab5d
