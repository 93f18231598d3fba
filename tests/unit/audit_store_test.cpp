// server/store/sqlite/audit_store: the append-only audit log.
// The cases are shared with PostgreSQL (store_cases/audit_cases.hpp, pg_audit_store_test.cpp).
#include <doctest/doctest.h>

#include "store_cases/audit_cases.hpp"
#include "store_cases/workspace_env_sqlite.hpp"

using namespace slab5d::store_cases;

TEST_CASE("SqliteAuditStore: the cases shared with PostgreSQL") { audit_cases(sqlite_env); }
