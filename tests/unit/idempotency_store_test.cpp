// Unit tests for the idempotency key table on SQLite (server/store/sqlite/idempotency_store.cpp):
// the cases of support/store_cases/idempotency_store_cases.hpp, shared with
// pg_idempotency_store_test.cpp. Side 1 is a second connection to the same file.
#include "store/sqlite/idempotency_store.hpp"

#include <doctest/doctest.h>

#include <memory>

#include "store_cases/idempotency_store_cases.hpp"
#include "temp_db.hpp"

namespace {

struct SqliteIdempotency {
  slab5d::testing::TempDb t;
  std::unique_ptr<slab5d::Db> other = slab5d::Db::open(t.path, false);
  slab5d::SqliteIdempotencyStore stores[2] = {slab5d::SqliteIdempotencyStore(*t.db),
                                              slab5d::SqliteIdempotencyStore(*other)};

  slab5d::IdempotencyStore& keys(int side) { return stores[side]; }
  std::unique_ptr<slab5d::Tx> begin(int side) { return std::make_unique<slab5d::Tx>(side == 0 ? *t.db : *other); }
  std::int64_t count(const std::string& s) { return t.count(s); }
};

}  // namespace

TYPE_TO_STRING_AS("SQLite", SqliteIdempotency);
SLAB5_IDEMPOTENCY_STORE_CASES(SqliteIdempotency);
