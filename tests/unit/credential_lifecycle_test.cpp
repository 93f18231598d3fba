// server/domain/credential_lifecycle: creating, rotating and revoking keys, called with an
// Actor and typed input against a temporary database — no request, no HTTP.
#include <doctest/doctest.h>

#include "domain/credential_lifecycle.hpp"
#include "store/sqlite/workspace_store.hpp"
#include "workspace_fixture.hpp"

using namespace slab5d;
using slab5d::testing::WorkspaceFixture;

namespace {
CredentialInput input(std::vector<std::string> scopes = {"crm:read"}) {
  return CredentialInput{.name = "ci", .description = "", .scopes = std::move(scopes), .expires_at = std::nullopt};
}
}  // namespace

TEST_CASE("a key created while its workspace is deleted is an error, and nothing is committed") {
  WorkspaceFixture f;
  auto key = f.api_key();
  {
    // Another request (or another slab5d process) deletes the workspace; this caller's
    // credentials still name it.
    Tx tx(*f.db);
    REQUIRE(SqliteWorkspaceStore(*f.db).remove(f.ws.id));
    tx.commit();
  }
  auto made = create_credential(*f.db, key, f.meta, api_key_kind(), input());
  REQUIRE_FALSE(made);  // never a 201 for a row that does not exist
  CHECK(made.error().code == "workspace_not_found");
  CHECK(f.count("SELECT count(*) FROM credentials") == 0);
  CHECK(f.count("SELECT count(*) FROM audit_events WHERE action = 'api_key.created'") == 0);
  CHECK(f.count("SELECT count(*) FROM usage_events") == 0);
  CHECK_FALSE(f.meta.usage_recorded);  // the edge still meters the refused call
}

TEST_CASE("creating a key writes it, its audit row, the call's usage and a credential_action in one unit") {
  WorkspaceFixture f;
  auto made = create_credential(*f.db, f.api_key(), f.meta, api_key_kind(), input());
  REQUIRE(made);
  CHECK(made->secret.rfind("slab5_", 0) == 0);
  CHECK(find_credential(*f.db, "api_key", f.ws.id, made->credential.id));
  auto q = f.db->query("SELECT status, after_json FROM audit_events WHERE action = 'api_key.created'");
  REQUIRE(q.next());
  CHECK(q.integer(0) == 201);
  CHECK(q.text(1).find(made->secret) == std::string::npos);  // the secret never reaches the audit log
  CHECK(f.count("SELECT count(*) FROM usage_events WHERE kind = 'api_request' AND status = 201") == 1);
  CHECK(f.count("SELECT count(*) FROM usage_events WHERE kind = 'credential_action' AND status = 201") == 1);
  CHECK(f.meta.usage_recorded);
  // Credential actions are events too (issue 13: the audit action's name), without the secret.
  CHECK(f.count("SELECT count(*) FROM events WHERE type = 'api_key.created'") == 1);
  auto ev = f.db->query("SELECT data FROM events WHERE type = 'api_key.created'");
  REQUIRE(ev.next());
  CHECK(ev.text(0).find(made->secret) == std::string::npos);
}

TEST_CASE("a scope the caller lacks is refused (forbidden), audited as create_refused, nothing created") {
  WorkspaceFixture f;
  auto narrow = f.api_key({"settings:admin", "crm:read"});
  auto made = create_credential(*f.db, narrow, f.meta, api_key_kind(), input({"crm:read", "crm:write"}));
  REQUIRE_FALSE(made);
  CHECK(made.error().code == "forbidden");
  CHECK(f.count("SELECT count(*) FROM credentials") == 0);
  auto q = f.db->query("SELECT status, after_json FROM audit_events WHERE action = 'api_key.create_refused'");
  REQUIRE(q.next());
  CHECK(q.integer(0) == 403);
  CHECK(slab5::Json::parse(q.text(1))["attempted"]["scopes"].size() == 2);
  // The refusal's unit meters the call with the refusal's status; no credential_action.
  CHECK(f.count("SELECT count(*) FROM usage_events WHERE kind = 'api_request' AND status = 403") == 1);
  CHECK(f.count("SELECT count(*) FROM usage_events WHERE kind = 'credential_action'") == 0);
}

TEST_CASE("rotating keeps name and scopes, cuts the old key off after the overlap; revoking twice is refused") {
  WorkspaceFixture f;
  auto key = f.api_key();
  auto made = create_credential(*f.db, key, f.meta, api_key_kind(), input());
  REQUIRE(made);
  RequestMeta rotate_meta{.request_id = "req_rotate", .route = "TEST /rotate"};
  auto rotated = rotate_credential(*f.db, key, rotate_meta, api_key_kind(), made->credential.id, 0);
  REQUIRE(rotated);
  CHECK(rotated->credential.name == "ci");
  CHECK(rotated->credential.scopes == std::vector<std::string>{"crm:read"});
  auto old = find_credential(*f.db, "api_key", f.ws.id, made->credential.id);
  REQUIRE(old);
  CHECK(old->replaced_by == rotated->credential.id);
  CHECK(old->status(slab5::now_millis() + 1) == "expired");

  RequestMeta revoke_meta{.request_id = "req_revoke", .route = "TEST /revoke"};
  auto revoked = revoke_credential(*f.db, key, revoke_meta, api_key_kind(), rotated->credential.id);
  REQUIRE(revoked);
  CHECK(revoked->revoked_at);
  RequestMeta again_meta{.request_id = "req_again", .route = "TEST /revoke"};
  auto again = revoke_credential(*f.db, key, again_meta, api_key_kind(), rotated->credential.id);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == "conflict");
  CHECK(f.count("SELECT count(*) FROM audit_events WHERE action = 'api_key.revoke_refused' AND status = 409") == 1);
  CHECK(f.count("SELECT count(*) FROM usage_events WHERE kind = 'credential_action'") == 3);  // create, rotate, revoke

  auto missing = revoke_credential(*f.db, key, again_meta, api_key_kind(), "key_missing");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == "resource_not_found");
}

TEST_CASE("a revoked key cannot be edited (conflict, audited); a live one is, with before and after") {
  WorkspaceFixture f;
  auto key = f.api_key();
  auto made = create_credential(*f.db, key, f.meta, mcp_client_kind(), input());
  REQUIRE(made);
  RequestMeta m2{.request_id = "req_2", .route = "TEST"};
  auto edited = update_credential(*f.db, key, m2, mcp_client_kind(), made->credential.id,
                                  CredentialPatch{.name = std::string("renamed")});
  REQUIRE(edited);
  CHECK(edited->name == "renamed");
  RequestMeta m3{.request_id = "req_3", .route = "TEST"};
  REQUIRE(revoke_credential(*f.db, key, m3, mcp_client_kind(), made->credential.id));
  RequestMeta m4{.request_id = "req_4", .route = "TEST"};
  auto refused = update_credential(*f.db, key, m4, mcp_client_kind(), made->credential.id,
                                   CredentialPatch{.name = std::string("again")});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == "conflict");
  CHECK(f.count("SELECT count(*) FROM audit_events WHERE action = 'mcp_client.update_refused'") == 1);
  CHECK(find_credential(*f.db, "mcp_client", f.ws.id, made->credential.id)->name == "renamed");
}

TEST_CASE("credentials list by status, newest first, in pages") {
  WorkspaceFixture f;
  auto key = f.api_key();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    RequestMeta m{.request_id = "req_" + std::to_string(i), .route = "TEST"};
    auto made = create_credential(*f.db, key, m, api_key_kind(), input());
    REQUIRE(made);
    ids.push_back(made->credential.id);
  }
  auto now = slab5::now_millis();
  auto first = list_credentials(*f.db, key, api_key_kind(), "active", now, PageRequest{.limit = 2});
  REQUIRE(first);
  REQUIRE(first->items.size() == 2);
  CHECK(first->items[0].id == ids[2]);
  REQUIRE(first->next_after == ids[1]);
  auto rest =
      list_credentials(*f.db, key, api_key_kind(), "active", now, PageRequest{.limit = 2, .after = first->next_after});
  REQUIRE(rest);
  CHECK(rest->items.size() == 1);
  CHECK(list_credentials(*f.db, key, api_key_kind(), "revoked", now, {})->items.empty());
  auto bad = list_credentials(*f.db, key, api_key_kind(), "sideways", now, {});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == "invalid_request");
}
