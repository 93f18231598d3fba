// server/store/sqlite/usage_store: usage events, appended in batches and read as summaries and pages.
// The cases are shared with PostgreSQL (store_cases/usage_cases.hpp, pg_usage_store_test.cpp).
#include <doctest/doctest.h>

#include "store_cases/usage_cases.hpp"
#include "store_cases/workspace_env_sqlite.hpp"

using namespace slab5d::store_cases;

TEST_CASE("SqliteUsageStore: the cases shared with PostgreSQL") { usage_cases(sqlite_env); }
