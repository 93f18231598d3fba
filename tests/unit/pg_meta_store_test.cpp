// server/store/postgres/meta_store: the MetaStore cases shared with SQLite (store_cases/meta_cases.hpp),
// run on a fresh PostgreSQL database each.
#include <doctest/doctest.h>

#include "store_cases/meta_cases.hpp"
#include "store_cases/workspace_env_pg.hpp"

using namespace slab5d::store_cases;

TEST_CASE("PgMetaStore: the cases shared with SQLite") { meta_cases(pg_env); }

TEST_CASE("PgMetaStore: schema_version is what schema_migrations records, not a constant") {
  PgStoresEnv e;
  int latest = slab5d::pg_latest_schema_version();
  CHECK(e.meta().schema_version().value() == latest);
  (void)e.conn().exec("INSERT INTO schema_migrations (version) VALUES ($1)", latest + 1);
  CHECK(e.meta().schema_version().value() == latest + 1);
}
