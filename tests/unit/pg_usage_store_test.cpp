// server/store/postgres/usage_store: the UsageStore cases shared with SQLite (store_cases/usage_cases.hpp),
// run on a fresh PostgreSQL database each.
#include <doctest/doctest.h>

#include "store_cases/usage_cases.hpp"
#include "store_cases/workspace_env_pg.hpp"

using namespace slab5d::store_cases;

TEST_CASE("PgUsageStore: the cases shared with SQLite") { usage_cases(pg_env); }
