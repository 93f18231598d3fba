// server/store/sqlite/fixture_store: the export reads.
// The cases are shared with PostgreSQL (store_cases/fixture_cases.hpp, pg_fixture_store_test.cpp).
#include <doctest/doctest.h>

#include "store_cases/fixture_cases.hpp"
#include "store_cases/workspace_env_sqlite.hpp"

using namespace slab5d::store_cases;

TEST_CASE("SqliteFixtureStore: the cases shared with PostgreSQL") { fixture_cases(sqlite_env); }
