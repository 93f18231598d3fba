// server/store/sqlite/identity_store: every write's outcome is returned; a constraint hit is
// `conflict`, never a success, and a write that should change a row and changes none says so.
#include "store/sqlite/identity_store.hpp"

#include <doctest/doctest.h>

#include "../support/temp_db.hpp"
#include "domain/workspaces.hpp"

using namespace slab5d;
using slab5d::testing::TempDb;

namespace {
User user(const std::string& id, const std::string& email) {
  return {.id = id,
          .tenant_id = "ten_1",
          .email = email,
          .name = "",
          .password_hash = std::nullopt,
          .email_verified_at = std::nullopt,
          .created_at = "2026-01-01T00:00:00Z",
          .updated_at = "2026-01-01T00:00:00Z"};
}
}  // namespace

TEST_CASE("a second account for an address (in any case) is a conflict") {
  TempDb t;
  auto st = open_identity_store(*t.db);
  REQUIRE(st.users->insert_tenant("ten_1", "T", "2026-01-01T00:00:00Z"));
  REQUIRE(st.users->insert(user("usr_1", "a@example.test")));
  auto again = st.users->insert(user("usr_2", "A@Example.TEST"));
  REQUIRE_FALSE(again);
  CHECK(again.error().code == "conflict");
  CHECK(t.count("SELECT count(*) FROM users") == 1);
}

TEST_CASE("an account whose tenant does not exist is refused, not stored") {
  TempDb t;
  auto st = open_identity_store(*t.db);
  auto r = st.users->insert(user("usr_1", "a@example.test"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "conflict");
}

TEST_CASE("updating an account that is gone is resource_not_found") {
  TempDb t;
  auto r = open_identity_store(*t.db).users->update(user("usr_gone", "a@example.test"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "resource_not_found");
}

TEST_CASE("accepting into a workspace the user already belongs to is a conflict") {
  TempDb t;
  auto st = open_identity_store(*t.db);
  REQUIRE(st.users->insert_tenant("ten_1", "T", "2026-01-01T00:00:00Z"));
  REQUIRE(st.users->insert(user("usr_1", "a@example.test")));
  Tx tx(*t.db);
  auto w = create_workspace(*t.db, "Acme", "acme", "ten_1", "usr_1");
  tx.commit();
  Invitation inv{.id = "inv_1",
                 .workspace_id = w.id,
                 .email = "a@example.test",
                 .role = "member",
                 .invited_by_type = "user",
                 .invited_by = "usr_1",
                 .status = "pending",
                 .expires_at = "2999-01-01T00:00:00Z",
                 .created_at = "2026-01-01T00:00:00Z",
                 .accepted_at = {}};
  REQUIRE(st.invitations->insert(inv, "hash"));
  auto r = st.invitations->accept(inv, "usr_1", "2026-01-02T00:00:00Z");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "conflict");
}

TEST_CASE("an invitation for a workspace that is gone is a conflict, not a stored row") {
  TempDb t;
  auto st = open_identity_store(*t.db);
  Invitation inv{.id = "inv_1",
                 .workspace_id = "wrk_gone",
                 .email = "a@example.test",
                 .role = "member",
                 .invited_by_type = "user",
                 .invited_by = "usr_1",
                 .status = "pending",
                 .expires_at = "2999-01-01T00:00:00Z",
                 .created_at = "2026-01-01T00:00:00Z",
                 .accepted_at = {}};
  auto r = st.invitations->insert(inv, "hash");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "conflict");
  CHECK(t.count("SELECT count(*) FROM invitations") == 0);
}

TEST_CASE("revoking a revoked session is a conflict") {
  TempDb t;
  auto st = open_identity_store(*t.db);
  REQUIRE(st.users->insert_tenant("ten_1", "T", "2026-01-01T00:00:00Z"));
  REQUIRE(st.users->insert(user("usr_1", "a@example.test")));
  SessionRecord s{.id = "ses_1",
                  .user_id = "usr_1",
                  .workspace_id = "",
                  .created_at = "2026-01-01T00:00:00Z",
                  .last_used_at = {},
                  .expires_at = "2999-01-01T00:00:00Z",
                  .revoked_at = {},
                  .user_agent = "",
                  .ip = ""};
  REQUIRE(st.sessions->insert(s, "refresh"));
  REQUIRE(st.sessions->revoke("ses_1", "2026-01-02T00:00:00Z"));
  auto again = st.sessions->revoke("ses_1", "2026-01-03T00:00:00Z");
  REQUIRE_FALSE(again);
  CHECK(again.error().code == "conflict");
}

TEST_CASE("a session for an account that does not exist is refused") {
  TempDb t;
  SessionRecord s{.id = "ses_1",
                  .user_id = "usr_gone",
                  .workspace_id = "",
                  .created_at = "2026-01-01T00:00:00Z",
                  .last_used_at = {},
                  .expires_at = "2999-01-01T00:00:00Z",
                  .revoked_at = {},
                  .user_agent = "",
                  .ip = ""};
  auto r = open_identity_store(*t.db).sessions->insert(s, "refresh");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "conflict");
}

TEST_CASE("a signing key is stored in a transaction of its own, never inside a caller's") {
  TempDb t;
  auto st = open_identity_store(*t.db);
  StoredSigningKey k{
      .kid = "k1", .alg = "ES256", .private_key = "sealed", .public_jwk = "{}", .created_at = "2026-01-01T00:00:00Z"};
  {
    Tx tx(*t.db);
    auto inside = st.keys->add_committed(k);
    REQUIRE_FALSE(inside);
    CHECK(inside.error().code == "internal_error");
  }
  REQUIRE(st.keys->add_committed(k));
  CHECK(t.count("SELECT count(*) FROM signing_keys") == 1);
}

TEST_CASE("a mail slot is taken once per interval") {
  TempDb t;
  auto st = open_identity_store(*t.db);
  auto& users = *st.users;
  CHECK(users.claim_mail_slot("a@example.test", 100000, 40000).value());
  CHECK_FALSE(users.claim_mail_slot("a@example.test", 130000, 70000).value());
  CHECK(users.claim_mail_slot("A@example.test", 200000, 140000).value());
}
