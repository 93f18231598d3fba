// server/store/postgres/identity_store: the identity stores' cases (support/store_cases/
// identity_store_cases.hpp, shared with identity_store_test.cpp) on PostgreSQL, each on a
// fresh database at the latest schema.
#include "store/postgres/identity_store.hpp"

#include <doctest/doctest.h>

#include <memory>

#include "pg_test_db.hpp"
#include "store/postgres/migrations.hpp"
#include "store_cases/identity_store_cases.hpp"

namespace {

struct PgIdentity {
  slab5d::testing::PgTestDb db;
  std::unique_ptr<slab5d::PgConn> conn = migrated(db);
  slab5d::IdentityStore stores = slab5d::open_pg_identity_store(*conn);

  static std::unique_ptr<slab5d::PgConn> migrated(const slab5d::testing::PgTestDb& db) {
    auto c = db.connect();
    slab5d::pg_migrate(*c);
    return c;
  }
  slab5d::IdentityStore& st() { return stores; }
  void sql(const std::string& s) { conn->exec_script(s); }
  std::int64_t count(const std::string& s) { return conn->exec(s).integer(0, 0); }
  std::unique_ptr<slab5d::PgTx> begin() { return std::make_unique<slab5d::PgTx>(*conn); }
};

}  // namespace

TYPE_TO_STRING_AS("PostgreSQL", PgIdentity);
SLAB5_IDENTITY_STORE_CASES(PgIdentity);
