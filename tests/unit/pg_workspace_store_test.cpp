// server/store/postgres/workspace_store: the WorkspaceStore cases shared with SQLite (store_cases/workspace_cases.hpp),
// run on a fresh PostgreSQL database each.
#include <doctest/doctest.h>

#include "store_cases/workspace_cases.hpp"
#include "store_cases/workspace_env_pg.hpp"

using namespace slab5d::store_cases;

TEST_CASE("PgWorkspaceStore: the cases shared with SQLite") { workspace_cases(pg_env); }
