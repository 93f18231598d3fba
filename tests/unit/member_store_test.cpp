// server/store/sqlite/member_store: memberships whose workspace or user is gone, or that
// are already there, are typed errors; changing one that is gone is resource_not_found. The
// member cases are shared with PostgreSQL (store_cases/member_cases.hpp, pg_member_store_test.cpp).
#include <doctest/doctest.h>

#include "store/sqlite/member_store.hpp"
#include "store_cases/member_cases.hpp"
#include "store_cases/workspace_env_sqlite.hpp"
#include "workspace_fixture.hpp"

using namespace slab5d;
using slab5d::testing::WorkspaceFixture;

TEST_CASE("a membership twice, or for a user or workspace that is gone, is conflict") {
  WorkspaceFixture f;
  SqliteMemberStore store(*f.db);
  auto twice = store.insert(f.ws.id, f.owner_id, "admin", "2026-01-01T00:00:00.000Z");
  REQUIRE_FALSE(twice);
  CHECK(twice.error().code == "conflict");
  auto no_user = store.insert(f.ws.id, "usr_gone", "member", "2026-01-01T00:00:00.000Z");
  REQUIRE_FALSE(no_user);
  CHECK(no_user.error().code == "conflict");
  auto no_workspace = store.insert("wrk_gone", f.owner_id, "member", "2026-01-01T00:00:00.000Z");
  REQUIRE_FALSE(no_workspace);
  CHECK(no_workspace.error().code == "conflict");
  CHECK(f.count("SELECT count(*) FROM memberships") == 1);
}

TEST_CASE("changing or removing a membership that is gone is resource_not_found") {
  WorkspaceFixture f;
  SqliteMemberStore store(*f.db);
  auto role = store.set_role(f.ws.id, "usr_gone", "admin");
  REQUIRE_FALSE(role);
  CHECK(role.error().code == "resource_not_found");
  auto removed = store.remove(f.ws.id, "usr_gone");
  REQUIRE_FALSE(removed);
  CHECK(removed.error().code == "resource_not_found");
  CHECK(store.count_owners(f.ws.id).value() == 1);
}

TEST_CASE("a second user with a taken email is conflict") {
  WorkspaceFixture f;
  auto dup = SqliteMemberStore(*f.db).insert_user(NewUser{.id = "usr_dup",
                                                          .tenant_id = f.tenant_id,
                                                          .email = "owner@example.com",
                                                          .name = "Dup",
                                                          .password_hash = "x",
                                                          .created_at = "2026-01-01T00:00:00.000Z"});
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == "conflict");
}

TEST_CASE("SqliteMemberStore: the cases shared with PostgreSQL") { store_cases::member_cases(store_cases::sqlite_env); }
