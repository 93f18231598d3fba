// server/store/sqlite/credential_store: the server's API keys and MCP clients (the CLI's credentials file is
// credentials_store_test.cpp). The cases are shared with PostgreSQL (store_cases/credential_cases.hpp,
// pg_credential_store_test.cpp).
#include <doctest/doctest.h>

#include "store_cases/credential_cases.hpp"
#include "store_cases/workspace_env_sqlite.hpp"

using namespace slab5d::store_cases;

TEST_CASE("SqliteCredentialStore: the cases shared with PostgreSQL") { credential_cases(sqlite_env); }
