// CredentialStore (the server's API keys and MCP clients) cases shared by the SQLite and
// PostgreSQL unit tests.
#pragma once
#include <doctest/doctest.h>

#include "slab5/time.hpp"
#include "store_cases/workspace_cases.hpp"

namespace slab5d::store_cases {

inline Credential credential(const std::string& id, const std::string& workspace_id,
                             const std::string& kind = "api_key") {
  return Credential{.id = id,
                    .kind = kind,
                    .workspace_id = workspace_id,
                    .name = "Key " + id,
                    .description = "for " + id,
                    .prefix = "slab5_sk_" + id.substr(0, 3),
                    .scopes = {"records:write", "records:read"},
                    .created_at = "2026-01-01T00:00:00.000Z",
                    .updated_at = "2026-01-01T00:00:00.000Z",
                    .created_by_type = "user",
                    .created_by_id = "usr_1"};
}

inline void credential_cases(MakeEnv make) {
  auto setup = [&] {
    auto e = make();
    seed_tenant(*e, "ten_1");
    seed_workspace(*e, "wrk_1", "acme", "ten_1");
    seed_workspace(*e, "wrk_2", "other", "ten_1");
    return e;
  };
  auto ids = [](const std::vector<Credential>& cs) {
    std::vector<std::string> out;
    for (auto& c : cs) out.push_back(c.id);
    return out;
  };

  SUBCASE("a credential reads back field for field by id and by token hash; scopes keep their order") {
    auto e = setup();
    auto c = credential("key_1", "wrk_1");
    c.expires_at = "2027-01-01T00:00:00.000Z";
    REQUIRE(e->credentials().insert(c, "hash_1"));
    for (auto got :
         {e->credentials().get("api_key", "wrk_1", "key_1").value(), e->credentials().get_by_hash("hash_1").value()}) {
      REQUIRE(got);
      CHECK(got->id == "key_1");
      CHECK(got->kind == "api_key");
      CHECK(got->workspace_id == "wrk_1");
      CHECK(got->name == "Key key_1");
      CHECK(got->description == "for key_1");
      CHECK(got->prefix == "slab5_sk_key");
      CHECK(got->scopes == std::vector<std::string>{"records:write", "records:read"});
      CHECK(got->created_at == "2026-01-01T00:00:00.000Z");
      CHECK(got->updated_at == "2026-01-01T00:00:00.000Z");
      CHECK_FALSE(got->last_used_at);
      CHECK(got->expires_at == std::optional<std::string>("2027-01-01T00:00:00.000Z"));
      CHECK_FALSE(got->revoked_at);
      CHECK(got->created_by_type == "user");
      CHECK(got->created_by_id == "usr_1");
      CHECK_FALSE(got->replaced_by);
    }
    // Another kind, another workspace or another hash finds nothing.
    CHECK_FALSE(e->credentials().get("mcp_client", "wrk_1", "key_1").value());
    CHECK_FALSE(e->credentials().get("api_key", "wrk_2", "key_1").value());
    CHECK_FALSE(e->credentials().get_by_hash("HASH_1").value());
  }

  SUBCASE("a taken id or token hash is conflict; a workspace that is gone is workspace_not_found") {
    auto e = setup();
    REQUIRE(e->credentials().insert(credential("key_1", "wrk_1"), "hash_1"));
    auto same_id = e->credentials().insert(credential("key_1", "wrk_1"), "hash_2");
    REQUIRE_FALSE(same_id);
    CHECK(same_id.error().code == "conflict");
    auto same_hash = e->credentials().insert(credential("key_2", "wrk_1"), "hash_1");
    REQUIRE_FALSE(same_hash);
    CHECK(same_hash.error().code == "conflict");
    auto gone = e->credentials().insert(credential("key_3", "wrk_gone"), "hash_3");
    REQUIRE_FALSE(gone);
    CHECK(gone.error().code == "workspace_not_found");
    CHECK(e->count("SELECT count(*) FROM credentials") == 1);
  }

  SUBCASE("update writes the mutable fields; a credential that is gone is resource_not_found") {
    auto e = setup();
    REQUIRE(e->credentials().insert(credential("key_1", "wrk_1"), "hash_1"));
    auto c = e->credentials().get("api_key", "wrk_1", "key_1").value().value();
    c.name = "Renamed";
    c.description = "";
    c.scopes = {};
    c.expires_at = "2026-06-01T00:00:00.000Z";
    c.revoked_at = "2026-02-01T00:00:00.000Z";
    c.updated_at = "2026-02-01T00:00:00.000Z";
    c.replaced_by = "key_9";
    c.prefix = "not-written";
    REQUIRE(e->credentials().update(c));
    auto got = e->credentials().get("api_key", "wrk_1", "key_1").value().value();
    CHECK(got.name == "Renamed");
    CHECK(got.description.empty());
    CHECK(got.scopes.empty());
    CHECK(got.expires_at == std::optional<std::string>("2026-06-01T00:00:00.000Z"));
    CHECK(got.revoked_at == std::optional<std::string>("2026-02-01T00:00:00.000Z"));
    CHECK(got.updated_at == "2026-02-01T00:00:00.000Z");
    CHECK(got.replaced_by == std::optional<std::string>("key_9"));
    CHECK(got.prefix == "slab5_sk_key");
    c.expires_at.reset();  // an update can clear them again
    c.replaced_by.reset();
    REQUIRE(e->credentials().update(c));
    got = e->credentials().get("api_key", "wrk_1", "key_1").value().value();
    CHECK_FALSE(got.expires_at);
    CHECK_FALSE(got.replaced_by);
    c.id = "key_gone";
    auto gone = e->credentials().update(c);
    REQUIRE_FALSE(gone);
    CHECK(gone.error().code == "resource_not_found");
  }

  SUBCASE("touch sets last_used_at; touching one that is gone is no error") {
    auto e = setup();
    REQUIRE(e->credentials().insert(credential("key_1", "wrk_1"), "hash_1"));
    REQUIRE(e->credentials().touch("key_1", "2026-04-04T04:04:04.000Z"));
    CHECK(e->credentials().get_by_hash("hash_1").value()->last_used_at ==
          std::optional<std::string>("2026-04-04T04:04:04.000Z"));
    CHECK(e->credentials().touch("key_gone", "2026-04-04T04:04:04.000Z"));
  }

  SUBCASE("list by status at `now`, newest id first, before an id, limit + 1 rows") {
    auto e = setup();
    auto now = slab5::parse_rfc3339("2026-06-01T00:00:00.000Z").value();
    auto active = credential("key_a", "wrk_1");
    auto active_later = credential("key_b", "wrk_1");
    active_later.expires_at = "2026-06-01T00:00:00.001Z";
    auto expired = credential("key_c", "wrk_1");
    expired.expires_at = "2026-06-01T00:00:00.000Z";  // expiring at now is expired
    auto revoked = credential("key_d", "wrk_1");
    auto other_kind = credential("key_e", "wrk_1", "mcp_client");
    auto other_ws = credential("key_f", "wrk_2");
    int n = 0;
    for (auto* c : {&active, &active_later, &expired, &revoked, &other_kind, &other_ws})
      REQUIRE(e->credentials().insert(*c, "hash_" + std::to_string(n++)));
    revoked.revoked_at = "2026-05-01T00:00:00.000Z";
    revoked.expires_at = "2026-01-01T00:00:00.000Z";  // revoked wins over expired
    REQUIRE(e->credentials().update(revoked));
    auto q = [&](std::string status, std::optional<std::string> before = std::nullopt, int limit = 25) {
      return ids(e->credentials()
                     .list(CredentialQuery{.kind = "api_key",
                                           .workspace_id = "wrk_1",
                                           .status = std::move(status),
                                           .now = now,
                                           .before_id = std::move(before),
                                           .limit = limit})
                     .value());
    };
    CHECK(q("active") == std::vector<std::string>{"key_b", "key_a"});
    CHECK(q("expired") == std::vector<std::string>{"key_c"});
    CHECK(q("revoked") == std::vector<std::string>{"key_d"});
    CHECK(q("all") == std::vector<std::string>{"key_d", "key_c", "key_b", "key_a"});
    CHECK(q("all", std::nullopt, 1) == std::vector<std::string>{"key_d", "key_c"});  // limit + 1
    CHECK(q("all", std::string("key_c"), 1) == std::vector<std::string>{"key_b", "key_a"});
    CHECK(q("all", std::string("key_a")).empty());
    CHECK(q("active", std::string("key_b")) == std::vector<std::string>{"key_a"});
  }
}

}  // namespace slab5d::store_cases
