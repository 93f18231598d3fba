// server/store/postgres/workspace_store: the WorkspaceStore cases shared with SQLite (store_cases/workspace_cases.hpp),
// run on a fresh PostgreSQL database each.
#include <doctest/doctest.h>

#include "store_cases/workspace_cases.hpp"
#include "store_cases/workspace_env_pg.hpp"

using namespace slab5d::store_cases;

TEST_CASE("PgWorkspaceStore: the cases shared with SQLite") { workspace_cases(pg_env); }

TEST_CASE("the control-plane columns that are ordered or compared as ranges compare byte by byte (COLLATE \"C\")") {
  // The test server's databases are C already; a server with another locale would order ids
  // and times unlike SQLite unless the columns say so.
  PgStoresEnv e;
  auto r = e.conn().exec(
      "SELECT table_name || '.' || column_name FROM information_schema.columns "
      "WHERE table_schema = current_schema() AND collation_name IS DISTINCT FROM 'C' AND "
      "(table_name, column_name) IN (('users', 'id'), ('users', 'created_at'), ('workspaces', 'id'), "
      "('workspaces', 'created_at'), ('memberships', 'workspace_id'), ('memberships', 'user_id'), "
      "('memberships', 'joined_at'), ('credentials', 'id'), ('credentials', 'created_at'), "
      "('credentials', 'expires_at'), ('audit_events', 'id'), ('audit_events', 'created_at'), "
      "('usage_events', 'id'), ('usage_events', 'created_at'), ('usage_events', 'route'), "
      "('usage_events', 'credential_id'), ('usage_events', 'kind'))");
  std::string not_c;
  for (int i = 0; i < r.rows(); ++i) not_c += r.text(i, 0) + " ";
  CHECK(not_c == "");
}
