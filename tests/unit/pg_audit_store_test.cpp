// server/store/postgres/audit_store: the AuditStore cases shared with SQLite (store_cases/audit_cases.hpp),
// run on a fresh PostgreSQL database each.
#include <doctest/doctest.h>

#include "store_cases/audit_cases.hpp"
#include "store_cases/workspace_env_pg.hpp"

using namespace slab5d::store_cases;

TEST_CASE("PgAuditStore: the cases shared with SQLite") { audit_cases(pg_env); }
