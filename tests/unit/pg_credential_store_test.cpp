// server/store/postgres/credential_store: the CredentialStore cases shared with SQLite
// (store_cases/credential_cases.hpp), run on a fresh PostgreSQL database each.
#include <doctest/doctest.h>

#include "store_cases/credential_cases.hpp"
#include "store_cases/workspace_env_pg.hpp"

using namespace slab5d::store_cases;

TEST_CASE("PgCredentialStore: the cases shared with SQLite") { credential_cases(pg_env); }
