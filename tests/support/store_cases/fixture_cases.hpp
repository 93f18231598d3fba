// FixtureStore (the export reads) cases shared by the SQLite and PostgreSQL unit tests.
#pragma once
#include <doctest/doctest.h>

#include "store_cases/credential_cases.hpp"

namespace slab5d::store_cases {

inline void fixture_cases(MakeEnv make) {
  SUBCASE("an empty database exports nothing") {
    auto e = make();
    CHECK(e->fixtures().users().empty());
    CHECK(e->fixtures().workspaces().empty());
    CHECK(e->fixtures().memberships().empty());
    CHECK(e->fixtures().credentials().empty());
  }

  SUBCASE("every user, workspace, membership and live credential, in creation order, ties by id") {
    auto e = make();
    seed_tenant(*e, "ten_1");
    seed_user(*e, "usr_b", "ten_1", "b@example.com", "2026-01-02T00:00:00.000Z");
    seed_user(*e, "usr_c", "ten_1", "c@example.com", "2026-01-01T00:00:00.000Z");
    REQUIRE(e->members().insert_user(NewUser{.id = "usr_a",
                                             .tenant_id = "ten_1",
                                             .email = "a@example.com",
                                             .name = "A",
                                             .password_hash = "phc",
                                             .email_verified_at = "2026-01-05T00:00:00.000Z",
                                             .created_at = "2026-01-02T00:00:00.000Z"}));
    auto users = e->fixtures().users();
    REQUIRE(users.size() == 3);
    CHECK(users[0].id == "usr_c");
    CHECK(users[1].id == "usr_a");
    CHECK(users[1].email == "a@example.com");
    CHECK(users[1].name == "A");
    CHECK(users[1].password_hash == std::optional<std::string>("phc"));
    CHECK(users[1].email_verified_at == std::optional<std::string>("2026-01-05T00:00:00.000Z"));
    CHECK(users[2].id == "usr_b");
    CHECK_FALSE(users[2].email_verified_at);

    seed_workspace(*e, "wrk_b", "bee", "ten_1", "2026-01-02T00:00:00.000Z");
    seed_workspace(*e, "wrk_a", "ay", "ten_1", "2026-01-02T00:00:00.000Z");
    seed_workspace(*e, "wrk_c", "cee", "ten_1", "2026-01-01T00:00:00.000Z");
    auto wss = e->fixtures().workspaces();
    REQUIRE(wss.size() == 3);
    CHECK(wss[0].id == "wrk_c");
    CHECK(wss[1].id == "wrk_a");
    CHECK(wss[1].slug == "ay");
    CHECK(wss[1].name == "Workspace ay");
    CHECK(wss[1].enabled_modules == slab5::Json::array({"crm", "tasks"}));
    CHECK(wss[2].id == "wrk_b");

    REQUIRE(e->members().insert("wrk_b", "usr_a", "owner", "2026-01-03T00:00:00.000Z"));
    REQUIRE(e->members().insert("wrk_a", "usr_b", "member", "2026-01-03T00:00:00.000Z"));
    REQUIRE(e->members().insert("wrk_a", "usr_a", "admin", "2026-01-03T00:00:00.000Z"));
    REQUIRE(e->members().insert("wrk_c", "usr_c", "owner", "2026-01-01T00:00:00.000Z"));
    auto ms = e->fixtures().memberships();
    REQUIRE(ms.size() == 4);
    CHECK((ms[0].workspace_id == "wrk_c" && ms[0].user_id == "usr_c" && ms[0].role == "owner"));
    CHECK((ms[1].workspace_id == "wrk_a" && ms[1].user_id == "usr_a" && ms[1].role == "admin"));
    CHECK((ms[2].workspace_id == "wrk_a" && ms[2].user_id == "usr_b"));
    CHECK((ms[3].workspace_id == "wrk_b" && ms[3].user_id == "usr_a"));
  }

  SUBCASE("credentials: revoked ones are left out, expiring ones kept with their expiry") {
    auto e = make();
    seed_tenant(*e, "ten_1");
    seed_workspace(*e, "wrk_1", "acme", "ten_1");
    auto later = credential("key_b", "wrk_1", "mcp_client");
    later.created_at = "2026-01-02T00:00:00.000Z";
    later.expires_at = "2027-01-01T00:00:00.000Z";
    REQUIRE(e->credentials().insert(later, "hash_b"));
    REQUIRE(e->credentials().insert(credential("key_a", "wrk_1"), "hash_a"));
    auto revoked = credential("key_0", "wrk_1");
    REQUIRE(e->credentials().insert(revoked, "hash_0"));
    revoked.revoked_at = "2026-01-03T00:00:00.000Z";
    REQUIRE(e->credentials().update(revoked));
    auto cs = e->fixtures().credentials();
    REQUIRE(cs.size() == 2);
    CHECK(cs[0].id == "key_a");
    CHECK(cs[0].kind == "api_key");
    CHECK(cs[0].workspace_id == "wrk_1");
    CHECK(cs[0].name == "Key key_a");
    CHECK(cs[0].description == "for key_a");
    CHECK(cs[0].prefix == "slab5_sk_key");
    CHECK(cs[0].token_hash == "hash_a");
    CHECK(cs[0].scopes == slab5::Json::array({"records:write", "records:read"}));
    CHECK_FALSE(cs[0].expires_at);
    CHECK(cs[1].id == "key_b");
    CHECK(cs[1].kind == "mcp_client");
    CHECK(cs[1].expires_at == std::optional<std::string>("2027-01-01T00:00:00.000Z"));
  }
}

}  // namespace slab5d::store_cases
