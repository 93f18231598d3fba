// server/domain/members: the owner rules, called with an Actor against a temporary database.
#include <doctest/doctest.h>

#include "domain/members.hpp"
#include "workspace_fixture.hpp"

using namespace slab5d;
using slab5d::testing::WorkspaceFixture;

TEST_CASE("the last owner cannot be demoted or removed (conflict), and nothing is written") {
  WorkspaceFixture f;
  auto owner = f.session(f.owner_id, "owner");
  auto demote = change_member_role(*f.db, owner, f.meta, f.owner_id, "admin");
  REQUIRE_FALSE(demote);
  CHECK(demote.error().code == "conflict");
  auto leave = remove_member(*f.db, owner, f.meta, f.owner_id);
  REQUIRE_FALSE(leave);
  CHECK(leave.error().code == "conflict");
  CHECK(f.count("SELECT count(*) FROM audit_events") == 0);
  CHECK(membership_role(*f.db, f.ws.id, f.owner_id) == "owner");
}

TEST_CASE("only an owner grants owner; an admin cannot touch an owner (forbidden, required_role owner)") {
  WorkspaceFixture f;
  auto admin_id = f.add_member("admin@example.com", "admin");
  auto member_id = f.add_member("member@example.com", "member");
  auto admin = f.session(admin_id, "admin");
  auto grant = change_member_role(*f.db, admin, f.meta, member_id, "owner");
  REQUIRE_FALSE(grant);
  CHECK(grant.error().code == "forbidden");
  CHECK(grant.error().extra["required_role"] == "owner");
  auto remove_owner = remove_member(*f.db, admin, f.meta, f.owner_id);
  REQUIRE_FALSE(remove_owner);
  CHECK(remove_owner.error().code == "forbidden");
  // An API key is never an owner, whatever scopes it holds.
  auto by_key = change_member_role(*f.db, f.api_key(), f.meta, member_id, "owner");
  REQUIRE_FALSE(by_key);
  CHECK(by_key.error().code == "forbidden");
}

TEST_CASE("a role change is one unit: the membership, its audit row with before/after and the usage event") {
  WorkspaceFixture f;
  auto member_id = f.add_member("member@example.com", "member");
  auto owner = f.session(f.owner_id, "owner");
  auto m = change_member_role(*f.db, owner, f.meta, member_id, "admin");
  REQUIRE(m);
  CHECK(m->role == "admin");
  CHECK(membership_role(*f.db, f.ws.id, member_id) == "admin");
  auto q = f.db->query(
      "SELECT target_type, target_id, status, before_json, after_json FROM audit_events "
      "WHERE action = 'member.role_changed'");
  REQUIRE(q.next());
  CHECK(q.text(0) == "user");
  CHECK(q.text(1) == member_id);
  CHECK(q.integer(2) == 200);
  CHECK(slab5::Json::parse(q.text(3))["role"] == "member");
  CHECK(slab5::Json::parse(q.text(4))["role"] == "admin");
  CHECK(f.count("SELECT count(*) FROM usage_events WHERE kind = 'api_request'") == 1);
  auto unknown = change_member_role(*f.db, owner, f.meta, member_id, "emperor");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == "validation_failed");
}

TEST_CASE("a member may leave; removing someone else needs settings:admin") {
  WorkspaceFixture f;
  auto a = f.add_member("a@example.com", "member");
  auto b = f.add_member("b@example.com", "member");
  auto as_a = f.session(a, "member");
  auto other = remove_member(*f.db, as_a, f.meta, b);
  REQUIRE_FALSE(other);
  CHECK(other.error().code == "missing_required_scope");
  REQUIRE(remove_member(*f.db, as_a, f.meta, a));
  CHECK_FALSE(membership_role(*f.db, f.ws.id, a));
  CHECK(f.count("SELECT count(*) FROM audit_events WHERE action = 'member.removed' AND status = 204") == 1);
  auto missing = remove_member(*f.db, f.session(f.owner_id, "owner"), f.meta, a);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == "resource_not_found");
}

TEST_CASE("members list newest first in pages; the position continues where the last page ended") {
  WorkspaceFixture f;
  f.add_member("a@example.com", "member");
  f.add_member("b@example.com", "member");
  auto owner = f.session(f.owner_id, "owner");
  auto first = list_members(*f.db, owner, PageRequest{.limit = 2});
  REQUIRE(first);
  REQUIRE(first->items.size() == 2);
  REQUIRE(first->next_after);
  auto rest = list_members(*f.db, owner, PageRequest{.limit = 2, .after = first->next_after});
  REQUIRE(rest);
  CHECK(rest->items.size() == 1);
  CHECK_FALSE(rest->next_after);
}
