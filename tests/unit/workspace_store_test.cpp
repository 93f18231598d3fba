// server/store/sqlite/workspace_store: every statement's outcome comes back as a value; a
// constraint hit is a typed error, never a silent no-op. The workspace and meta cases are shared
// with PostgreSQL (store_cases/, pg_workspace_store_test.cpp, pg_meta_store_test.cpp).
#include <doctest/doctest.h>

#include "store/sqlite/meta_store.hpp"
#include "store/sqlite/workspace_store.hpp"
#include "store_cases/meta_cases.hpp"
#include "store_cases/workspace_cases.hpp"
#include "store_cases/workspace_env_sqlite.hpp"
#include "workspace_fixture.hpp"

using namespace slab5d;
using slab5d::testing::WorkspaceFixture;

TEST_CASE("a taken slug is conflict (field slug); a tenant that is gone is conflict; nothing is written") {
  WorkspaceFixture f;
  SqliteWorkspaceStore store(*f.db);
  Workspace copy = f.ws;
  copy.id = slab5::new_id("wrk");
  auto taken = store.insert(copy);
  REQUIRE_FALSE(taken);
  CHECK(taken.error().code == "conflict");
  CHECK(taken.error().extra["field"] == "slug");
  copy.slug = "other";
  copy.tenant_id = "ten_gone";
  auto orphan = store.insert(copy);
  REQUIRE_FALSE(orphan);
  CHECK(orphan.error().code == "conflict");
  CHECK(f.count("SELECT count(*) FROM workspaces") == 1);
}

TEST_CASE("updating or removing a workspace that is gone is workspace_not_found") {
  WorkspaceFixture f;
  SqliteWorkspaceStore store(*f.db);
  Workspace ghost = f.ws;
  ghost.id = "wrk_gone";
  auto updated = store.update(ghost);
  REQUIRE_FALSE(updated);
  CHECK(updated.error().code == "workspace_not_found");
  auto removed = store.remove("wrk_gone");
  REQUIRE_FALSE(removed);
  CHECK(removed.error().code == "workspace_not_found");
  REQUIRE(store.remove(f.ws.id));
  CHECK_FALSE(store.get(f.ws.id).value());
}

TEST_CASE("SqliteWorkspaceStore: the cases shared with PostgreSQL") {
  store_cases::workspace_cases(store_cases::sqlite_env);
}

TEST_CASE("SqliteMetaStore: the cases shared with PostgreSQL") { store_cases::meta_cases(store_cases::sqlite_env); }
