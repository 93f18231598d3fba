// Unit tests for the idempotency key table on PostgreSQL (server/store/postgres/
// idempotency_store.cpp): the cases of support/store_cases/idempotency_store_cases.hpp, shared
// with idempotency_store_test.cpp. Side 0 and side 1 are two connections to one database, as
// two slab5d processes would hold: a key both claim at once goes to exactly one.
#include "store/postgres/idempotency_store.hpp"

#include <doctest/doctest.h>

#include <memory>

#include "pg_test_db.hpp"
#include "store/postgres/migrations.hpp"
#include "store_cases/idempotency_store_cases.hpp"

namespace {

struct PgIdempotency {
  slab5d::testing::PgTestDb db;
  std::unique_ptr<slab5d::PgConn> conns[2] = {migrated(db), db.connect()};
  slab5d::PgIdempotencyStore stores[2] = {slab5d::PgIdempotencyStore(*conns[0]), slab5d::PgIdempotencyStore(*conns[1])};

  static std::unique_ptr<slab5d::PgConn> migrated(const slab5d::testing::PgTestDb& db) {
    auto c = db.connect();
    slab5d::pg_migrate(*c);
    return c;
  }
  slab5d::IdempotencyStore& keys(int side) { return stores[side]; }
  std::unique_ptr<slab5d::PgTx> begin(int side) { return std::make_unique<slab5d::PgTx>(*conns[side]); }
  std::int64_t count(const std::string& s) { return conns[0]->exec(s).integer(0, 0); }
};

}  // namespace

TYPE_TO_STRING_AS("PostgreSQL", PgIdempotency);
SLAB5_IDEMPOTENCY_STORE_CASES(PgIdempotency);
