// WorkspaceStore cases shared by the SQLite and PostgreSQL unit tests: each SUBCASE runs on a
// new database of the backend that `make` builds.
#pragma once
#include <doctest/doctest.h>

#include <memory>

#include "store_cases/workspace_env.hpp"

namespace slab5d::store_cases {

using MakeEnv = std::unique_ptr<StoresEnv> (*)();

inline void workspace_cases(MakeEnv make) {
  SUBCASE("a workspace reads back field for field, by id and by slug; an unknown one is nullopt") {
    auto e = make();
    seed_tenant(*e, "ten_1");
    auto w = workspace("wrk_1", "acme", "ten_1", "2026-02-03T04:05:06.789Z");
    w.enabled_modules = {"tasks", "crm", "deals"};  // kept in order, not sorted
    REQUIRE(e->workspaces().insert(w));
    for (auto got : {e->workspaces().get("wrk_1").value(), e->workspaces().get_by_slug("acme").value()}) {
      REQUIRE(got);
      CHECK(got->id == "wrk_1");
      CHECK(got->slug == "acme");
      CHECK(got->name == "Workspace acme");
      CHECK(got->tenant_id == "ten_1");
      CHECK(got->enabled_modules == std::vector<std::string>{"tasks", "crm", "deals"});
      CHECK(got->created_at == "2026-02-03T04:05:06.789Z");
      CHECK(got->updated_at == "2026-02-03T04:05:06.789Z");
    }
    CHECK_FALSE(e->workspaces().get("wrk_2").value());
    CHECK_FALSE(e->workspaces().get_by_slug("ACME").value());  // slugs are exact
    auto none = workspace("wrk_none", "none", "ten_1");
    none.enabled_modules = {};
    REQUIRE(e->workspaces().insert(none));
    CHECK(e->workspaces().get("wrk_none").value()->enabled_modules.empty());
  }

  SUBCASE("oldest is the first created, ties broken by id; none in an empty database") {
    auto e = make();
    CHECK_FALSE(e->workspaces().oldest().value());
    seed_tenant(*e, "ten_1");
    seed_workspace(*e, "wrk_c", "c", "ten_1", "2026-01-02T00:00:00.000Z");
    seed_workspace(*e, "wrk_b", "b", "ten_1", "2026-01-01T00:00:00.000Z");
    seed_workspace(*e, "wrk_a", "a", "ten_1", "2026-01-03T00:00:00.000Z");
    CHECK(e->workspaces().oldest().value()->id == "wrk_b");
    seed_workspace(*e, "wrk_0", "zero", "ten_1", "2026-01-01T00:00:00.000Z");
    CHECK(e->workspaces().oldest().value()->id == "wrk_0");
  }

  SUBCASE("a taken slug or id is conflict (field slug); a tenant that is gone is conflict; nothing is written") {
    auto e = make();
    seed_tenant(*e, "ten_1");
    seed_workspace(*e, "wrk_1", "acme", "ten_1");
    auto taken = e->workspaces().insert(workspace("wrk_2", "acme", "ten_1"));
    REQUIRE_FALSE(taken);
    CHECK(taken.error().code == "conflict");
    CHECK(taken.error().extra["field"] == "slug");
    auto same_id = e->workspaces().insert(workspace("wrk_1", "other", "ten_1"));
    REQUIRE_FALSE(same_id);
    CHECK(same_id.error().code == "conflict");
    auto orphan = e->workspaces().insert(workspace("wrk_3", "orphan", "ten_gone"));
    REQUIRE_FALSE(orphan);
    CHECK(orphan.error().code == "conflict");
    CHECK_FALSE(orphan.error().extra.contains("field"));
    CHECK(e->count("SELECT count(*) FROM workspaces") == 1);
    auto tenant_again = e->workspaces().insert_tenant("ten_1", "Again", "2026-01-01T00:00:00.000Z");
    REQUIRE_FALSE(tenant_again);
    CHECK(tenant_again.error().code == "conflict");
    CHECK(e->count("SELECT count(*) FROM tenants") == 1);
  }

  SUBCASE("update writes name, modules and updated_at only; a workspace that is gone is workspace_not_found") {
    auto e = make();
    seed_tenant(*e, "ten_1");
    seed_workspace(*e, "wrk_1", "acme", "ten_1");
    auto w = e->workspaces().get("wrk_1").value().value();
    w.name = "Renamed";
    w.enabled_modules = {"deals"};
    w.updated_at = "2026-05-05T00:00:00.000Z";
    w.slug = "not-written";
    w.created_at = "2030-01-01T00:00:00.000Z";
    REQUIRE(e->workspaces().update(w));
    auto got = e->workspaces().get("wrk_1").value().value();
    CHECK(got.name == "Renamed");
    CHECK(got.enabled_modules == std::vector<std::string>{"deals"});
    CHECK(got.updated_at == "2026-05-05T00:00:00.000Z");
    CHECK(got.slug == "acme");
    CHECK(got.created_at == "2026-01-01T00:00:00.000Z");
    w.id = "wrk_gone";
    auto gone = e->workspaces().update(w);
    REQUIRE_FALSE(gone);
    CHECK(gone.error().code == "workspace_not_found");
  }

  SUBCASE("remove takes memberships, credentials, their idempotency records and usage; audit events stay") {
    auto e = make();
    seed_tenant(*e, "ten_1");
    seed_user(*e, "usr_1", "ten_1", "a@example.com");
    seed_workspace(*e, "wrk_1", "acme", "ten_1");
    seed_workspace(*e, "wrk_2", "other", "ten_1");
    for (auto* ws : {"wrk_1", "wrk_2"}) {
      REQUIRE(e->members().insert(ws, "usr_1", "owner", "2026-01-01T00:00:00.000Z"));
      Credential c{.id = std::string("key_") + ws,
                   .kind = "api_key",
                   .workspace_id = ws,
                   .name = "k",
                   .prefix = "p",
                   .scopes = {"records:read"},
                   .created_at = "2026-01-01T00:00:00.000Z",
                   .updated_at = "2026-01-01T00:00:00.000Z",
                   .created_by_type = "user",
                   .created_by_id = "usr_1"};
      REQUIRE(e->credentials().insert(c, std::string("hash_") + ws));
      UsageEvent u{.id = "use_1",
                   .workspace_id = ws,
                   .credential_type = "api_key",
                   .credential_id = c.id,
                   .route = "GET /v1/workspace",
                   .status = 200,
                   .request_id = "req_1",
                   .created_at = "2026-01-01T00:00:00.000Z"};
      REQUIRE(e->usage().append(std::span<const UsageEvent>(&u, 1)));
      AuditEvent a;
      a.workspace_id = ws;
      a.action = "workspace.updated";
      REQUIRE(e->audit().append(std::string("aud_") + ws, a, "2026-01-01T00:00:00.000Z"));
    }
    REQUIRE(e->workspaces().remove("wrk_1"));
    CHECK_FALSE(e->workspaces().get("wrk_1").value());
    CHECK(e->count("SELECT count(*) FROM memberships WHERE workspace_id = 'wrk_1'") == 0);
    CHECK(e->count("SELECT count(*) FROM credentials WHERE workspace_id = 'wrk_1'") == 0);
    CHECK(e->count("SELECT count(*) FROM usage_events WHERE workspace_id = 'wrk_1'") == 0);
    CHECK(e->count("SELECT count(*) FROM audit_events WHERE workspace_id = 'wrk_1'") == 1);
    // The other workspace keeps everything.
    CHECK(e->count("SELECT count(*) FROM memberships WHERE workspace_id = 'wrk_2'") == 1);
    CHECK(e->count("SELECT count(*) FROM credentials WHERE workspace_id = 'wrk_2'") == 1);
    CHECK(e->count("SELECT count(*) FROM usage_events WHERE workspace_id = 'wrk_2'") == 1);
    auto again = e->workspaces().remove("wrk_1");
    REQUIRE_FALSE(again);
    CHECK(again.error().code == "workspace_not_found");
  }

  SUBCASE("tenant_of_user is the user's tenant, nullopt for a user that is gone") {
    auto e = make();
    seed_tenant(*e, "ten_1");
    seed_user(*e, "usr_1", "ten_1", "a@example.com");
    CHECK(e->workspaces().tenant_of_user("usr_1").value() == std::optional<std::string>("ten_1"));
    CHECK_FALSE(e->workspaces().tenant_of_user("usr_gone").value());
  }

  SUBCASE("list_for_user: the user's workspaces with role, greatest id first, below `after`, at most `limit`") {
    auto e = make();
    seed_tenant(*e, "ten_1");
    seed_user(*e, "usr_1", "ten_1", "a@example.com");
    seed_user(*e, "usr_2", "ten_1", "b@example.com");
    for (auto* id : {"wrk_b", "wrk_d", "wrk_a", "wrk_c"}) seed_workspace(*e, id, id + 4, "ten_1");
    REQUIRE(e->members().insert("wrk_a", "usr_1", "owner", "2026-01-01T00:00:00.000Z"));
    REQUIRE(e->members().insert("wrk_c", "usr_1", "member", "2026-01-01T00:00:00.000Z"));
    REQUIRE(e->members().insert("wrk_d", "usr_1", "admin", "2026-01-01T00:00:00.000Z"));
    REQUIRE(e->members().insert("wrk_b", "usr_2", "owner", "2026-01-01T00:00:00.000Z"));
    auto all = e->workspaces().list_for_user("usr_1", std::nullopt, 10).value();
    REQUIRE(all.size() == 3);
    CHECK(all[0].workspace.id == "wrk_d");
    CHECK(all[0].role == "admin");
    CHECK(all[0].workspace.slug == "d");
    CHECK(all[0].workspace.enabled_modules == std::vector<std::string>{"crm", "tasks"});
    CHECK(all[1].workspace.id == "wrk_c");
    CHECK(all[1].role == "member");
    CHECK(all[2].workspace.id == "wrk_a");
    CHECK(all[2].role == "owner");
    auto page = e->workspaces().list_for_user("usr_1", std::nullopt, 2).value();
    REQUIRE(page.size() == 2);
    CHECK(page[1].workspace.id == "wrk_c");
    auto next = e->workspaces().list_for_user("usr_1", std::string("wrk_c"), 2).value();
    REQUIRE(next.size() == 1);
    CHECK(next[0].workspace.id == "wrk_a");
    CHECK(e->workspaces().list_for_user("usr_1", std::string("wrk_a"), 2).value().empty());
    CHECK(e->workspaces().list_for_user("usr_gone", std::nullopt, 10).value().empty());
  }

  SUBCASE("the stores write in the caller's transaction: a constraint hit leaves it usable, a rollback undoes all") {
    auto e = make();
    seed_tenant(*e, "ten_1");
    e->begin();
    seed_workspace(*e, "wrk_1", "acme", "ten_1");
    auto taken = e->workspaces().insert(workspace("wrk_2", "acme", "ten_1"));
    REQUIRE_FALSE(taken);
    CHECK(taken.error().code == "conflict");
    seed_workspace(*e, "wrk_3", "other", "ten_1");  // the transaction goes on after the hit
    e->commit();
    CHECK(e->count("SELECT count(*) FROM workspaces") == 2);
    e->begin();
    REQUIRE(e->workspaces().remove("wrk_1"));
    seed_workspace(*e, "wrk_4", "fourth", "ten_1");
    e->rollback();
    CHECK(e->workspaces().get("wrk_1").value());
    CHECK_FALSE(e->workspaces().get("wrk_4").value());
  }
}

}  // namespace slab5d::store_cases
