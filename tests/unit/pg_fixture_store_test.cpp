// server/store/postgres/fixture_store: the FixtureStore cases shared with SQLite (store_cases/fixture_cases.hpp),
// run on a fresh PostgreSQL database each.
#include <doctest/doctest.h>

#include "store_cases/fixture_cases.hpp"
#include "store_cases/workspace_env_pg.hpp"

using namespace slab5d::store_cases;

TEST_CASE("PgFixtureStore: the cases shared with SQLite") { fixture_cases(pg_env); }
