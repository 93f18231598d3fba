// server/domain/workspace_admin and workspaces: names, slugs, and the workspace rules called
// with an Actor and typed input against a temporary database — no request, no HTTP.
#include <doctest/doctest.h>

#include <algorithm>

#include "domain/workspace_admin.hpp"
#include "domain/workspaces.hpp"
#include "workspace_fixture.hpp"

using namespace slab5d;
using slab5d::testing::TempDb;
using slab5d::testing::WorkspaceFixture;

TEST_CASE("workspace names are trimmed, 1-100 characters (not bytes), without control characters") {
  CHECK(validate_workspace_name("  Acme  ").value() == "Acme");
  CHECK_FALSE(validate_workspace_name("").has_value());
  CHECK_FALSE(validate_workspace_name(" \t ").has_value());
  CHECK(validate_workspace_name(std::string(100, 'a')).has_value());
  CHECK_FALSE(validate_workspace_name(std::string(101, 'a')).has_value());
  std::string accented;
  for (int i = 0; i < 100; ++i) accented += "\xc3\xa9";
  CHECK(validate_workspace_name(accented).has_value());
  CHECK_FALSE(validate_workspace_name("a\x01"
                                      "b")
                  .has_value());
  auto e = validate_workspace_name("");
  CHECK(e.error().code == "validation_failed");
  CHECK(e.error().extra["field_errors"][0]["field"] == "name");
}

TEST_CASE("slugs are [a-z0-9-]{3,48}") {
  CHECK(valid_slug("acme"));
  CHECK(valid_slug("a-1"));
  CHECK(valid_slug(std::string(48, 'a')));
  CHECK_FALSE(valid_slug("ab"));
  CHECK_FALSE(valid_slug(std::string(49, 'a')));
  CHECK_FALSE(valid_slug("Acme"));
  CHECK_FALSE(valid_slug("acme_corp"));
  CHECK_FALSE(valid_slug("acmé"));
}

TEST_CASE("derived slugs are valid and unique") {
  TempDb t;
  CHECK(derive_slug(*t.db, "Acme Corp!") == "acme-corp");
  CHECK(valid_slug(derive_slug(*t.db, "é")));
  CHECK(valid_slug(derive_slug(*t.db, std::string(200, 'x'))));
  Tx tx(*t.db);
  create_workspace(*t.db, "Acme Corp", "acme-corp", "", "");
  tx.commit();
  CHECK(derive_slug(*t.db, "Acme Corp") == "acme-corp-2");
}

TEST_CASE("renaming writes the workspace, its audit row and the call's usage in one unit, and no event") {
  WorkspaceFixture f;
  auto owner = f.session(f.owner_id, "owner");
  auto ws = rename_workspace(*f.db, owner, f.meta, "  Acme Two ");
  REQUIRE(ws);
  CHECK(ws->name == "Acme Two");
  CHECK(find_workspace(*f.db, f.ws.id)->name == "Acme Two");
  auto q =
      f.db->query("SELECT status, before_json, after_json, route FROM audit_events WHERE action = 'workspace.updated'");
  REQUIRE(q.next());
  CHECK(q.integer(0) == 200);
  CHECK(slab5::Json::parse(q.text(1))["name"] == "Acme");
  CHECK(slab5::Json::parse(q.text(2))["name"] == "Acme Two");
  CHECK(q.text(3) == "TEST /rule");
  CHECK(f.count("SELECT count(*) FROM usage_events WHERE kind = 'api_request' AND status = 200") == 1);
  CHECK(f.meta.usage_recorded);
  CHECK(f.count("SELECT count(*) FROM events") == 0);  // no event type covers workspaces (api.md §8.3)
}

TEST_CASE("renaming to the same name writes nothing; a bad name is refused before anything is written") {
  WorkspaceFixture f;
  auto owner = f.session(f.owner_id, "owner");
  REQUIRE(rename_workspace(*f.db, owner, f.meta, "Acme"));
  auto bad = rename_workspace(*f.db, owner, f.meta, " ");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == "validation_failed");
  CHECK(f.count("SELECT count(*) FROM audit_events") == 0);
}

TEST_CASE("a module toggles once; repeating it is a no-op, an unknown module is resource_not_found") {
  WorkspaceFixture f;
  auto key = f.api_key();
  auto off = set_module_enabled(*f.db, key, f.meta, "crm", false);
  REQUIRE(off);
  CHECK(std::find(off->enabled_modules.begin(), off->enabled_modules.end(), "crm") == off->enabled_modules.end());
  REQUIRE(set_module_enabled(*f.db, key, f.meta, "crm", false));
  CHECK(f.count("SELECT count(*) FROM audit_events WHERE action = 'workspace.module_disabled'") == 1);
  auto unknown = set_module_enabled(*f.db, key, f.meta, "nope", true);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == "resource_not_found");
}

TEST_CASE("creating a workspace makes the user its owner; a taken slug is a conflict and writes nothing") {
  WorkspaceFixture f;
  Actor user{.type = "user", .id = f.owner_id, .credential_id = "ses_test", .user_id = f.owner_id};
  auto ws = create_user_workspace(*f.db, user, f.meta, NewWorkspace{.name = "Beta", .slug = "beta"});
  REQUIRE(ws);
  CHECK(ws->tenant_id == f.tenant_id);
  CHECK(membership_role(*f.db, ws->id, f.owner_id) == "owner");
  auto q = f.db->query("SELECT workspace_id, status FROM audit_events WHERE action = 'workspace.created'");
  REQUIRE(q.next());
  CHECK(q.text(0) == ws->id);
  CHECK(q.integer(1) == 201);
  CHECK(f.count("SELECT count(*) FROM usage_events") == 0);  // not a call metered in the new workspace
  auto again = create_user_workspace(*f.db, user, f.meta, NewWorkspace{.name = "Beta", .slug = "beta"});
  REQUIRE_FALSE(again);
  CHECK(again.error().code == "conflict");
  CHECK(f.count("SELECT count(*) FROM workspaces") == 2);
  auto page = list_user_workspaces(*f.db, user, PageRequest{.limit = 1});
  REQUIRE(page);
  CHECK(page->items.size() == 1);
  CHECK(page->next_after);
}

TEST_CASE("deleting needs the slug; it removes the workspace's credentials and usage, the audit row stays") {
  WorkspaceFixture f;
  auto owner = f.session(f.owner_id, "owner");
  auto wrong = delete_workspace(*f.db, owner, f.meta, "nope");
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().code == "validation_failed");
  CHECK(find_workspace(*f.db, f.ws.id));
  REQUIRE(delete_workspace(*f.db, owner, f.meta, "acme"));
  CHECK_FALSE(find_workspace(*f.db, f.ws.id));
  CHECK(f.count("SELECT count(*) FROM memberships") == 0);
  CHECK(f.count("SELECT count(*) FROM audit_events WHERE action = 'workspace.deleted' AND status = 204") == 1);
  auto gone = rename_workspace(*f.db, owner, f.meta, "Again");
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code == "workspace_not_found");
}
