// The identity stores' behaviour (store/identity_store.hpp), written once and run on every
// backend: tests/unit/identity_store_test.cpp (SQLite) and pg_identity_store_test.cpp
// (PostgreSQL) each define a backend and invoke SLAB5_IDENTITY_STORE_CASES(Backend).
//
// A backend B is default-constructible on a fresh, migrated database and has
//   IdentityStore& st();                       the stores under test
//   void sql(const std::string&);              a statement without parameters (setup rows)
//   std::int64_t count(const std::string&);    the first column of the first row
//   std::unique_ptr<…> begin();                a transaction: ->commit(), rolled back when dropped
// The setup SQL is written so that both dialects accept it.
#pragma once
#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "store/identity_store.hpp"

namespace slab5d::testing::identity_cases {

inline constexpr const char* kT0 = "2026-01-01T00:00:00Z";
inline constexpr const char* kFar = "2999-01-01T00:00:00Z";

inline User user(const std::string& id, const std::string& email, const std::string& tenant = "ten_1") {
  return {.id = id,
          .tenant_id = tenant,
          .email = email,
          .name = "",
          .password_hash = std::nullopt,
          .email_verified_at = std::nullopt,
          .created_at = kT0,
          .updated_at = kT0};
}

inline SessionRecord session(const std::string& id, const std::string& user_id, const std::string& expires_at = kFar) {
  return {.id = id,
          .user_id = user_id,
          .workspace_id = "",
          .created_at = kT0,
          .last_used_at = {},
          .expires_at = expires_at,
          .revoked_at = {},
          .user_agent = "",
          .ip = ""};
}

inline Invitation invitation(const std::string& id, const std::string& workspace_id, const std::string& email,
                             const std::string& expires_at = kFar) {
  return {.id = id,
          .workspace_id = workspace_id,
          .email = email,
          .role = "member",
          .invited_by_type = "user",
          .invited_by = "usr_1",
          .status = "pending",
          .expires_at = expires_at,
          .created_at = kT0,
          .accepted_at = {}};
}

inline StoredSigningKey key(const std::string& kid, const std::string& alg, const std::string& created_at) {
  return {.kid = kid,
          .alg = alg,
          .private_key = "sealed-" + kid,
          .public_jwk = R"({"kid":")" + kid + "\"}",
          .created_at = created_at};
}

// Tenant ten_1 with the account usr_1 <a@example.test>.
template <class B>
void with_user(B& b) {
  REQUIRE(b.st().users->insert_tenant("ten_1", "T", kT0));
  REQUIRE(b.st().users->insert(user("usr_1", "a@example.test")));
}

// A workspace row of `tenant`, and optionally `owner` as its owner (joined at `joined_at`).
template <class B>
void add_workspace(B& b, const std::string& id, const std::string& tenant, const std::string& owner = "",
                   const std::string& joined_at = kT0) {
  b.sql("INSERT INTO workspaces (id, tenant_id, slug, name, enabled_modules, created_at, updated_at) VALUES ('" + id +
        "', '" + tenant + "', '" + id + "', 'W', '[]', '" + kT0 + "', '" + kT0 + "')");
  if (!owner.empty())
    b.sql("INSERT INTO memberships (workspace_id, user_id, role, joined_at) VALUES ('" + id + "', '" + owner +
          "', 'owner', '" + joined_at + "')");
}

template <class T>
std::vector<std::string> ids(const std::vector<T>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) {
    if constexpr (requires { r.kid; })
      out.push_back(r.kid);
    else
      out.push_back(r.id);
  }
  return out;
}

// ---- users ----------------------------------------------------------------------------

TEST_CASE_TEMPLATE_DEFINE("an account reads back as stored, by id and by address in any case", B, id_user_roundtrip) {
  B b;
  auto& users = *b.st().users;
  REQUIRE(users.insert_tenant("ten_1", "T", kT0));
  User u = user("usr_1", "Jo@Example.test");
  u.name = "Jo";
  u.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
  REQUIRE(users.insert(u));
  REQUIRE(users.insert(user("usr_2", "b@example.test")));

  auto found = users.find("usr_1").value();
  REQUIRE(found);
  CHECK(found->tenant_id == "ten_1");
  CHECK(found->email == "Jo@Example.test");  // kept as written
  CHECK(found->name == "Jo");
  CHECK(found->password_hash == u.password_hash);
  CHECK_FALSE(found->email_verified_at);
  CHECK(found->created_at == kT0);
  CHECK(found->updated_at == kT0);

  auto by_mail = users.find_by_email("jo@EXAMPLE.TEST").value();
  REQUIRE(by_mail);
  CHECK(by_mail->id == "usr_1");
  auto other = users.find("usr_2").value();
  REQUIRE(other);
  CHECK_FALSE(other->password_hash);  // NULL stays NULL
  CHECK(users.find("usr_gone").value() == std::nullopt);
  CHECK(users.find_by_email("nobody@example.test").value() == std::nullopt);
}

TEST_CASE_TEMPLATE_DEFINE("a second account for an address (in any case) is a conflict", B, id_dup_email) {
  B b;
  with_user(b);
  auto again = b.st().users->insert(user("usr_2", "A@Example.TEST"));
  REQUIRE_FALSE(again);
  CHECK(again.error().code == "conflict");
  auto same_id = b.st().users->insert(user("usr_1", "other@example.test"));
  REQUIRE_FALSE(same_id);
  CHECK(same_id.error().code == "conflict");
  CHECK(b.count("SELECT count(*) FROM users") == 1);
}

TEST_CASE_TEMPLATE_DEFINE("an account whose tenant does not exist is refused, not stored", B, id_user_no_tenant) {
  B b;
  auto r = b.st().users->insert(user("usr_1", "a@example.test"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "conflict");
  CHECK(b.count("SELECT count(*) FROM users") == 0);
  REQUIRE(b.st().users->insert_tenant("ten_1", "T", kT0));
  auto twice = b.st().users->insert_tenant("ten_1", "T again", kT0);
  REQUIRE_FALSE(twice);
  CHECK(twice.error().code == "conflict");
}

TEST_CASE_TEMPLATE_DEFINE(
    "an update writes name, password, verification and time; a gone account is "
    "resource_not_found",
    B, id_user_update) {
  B b;
  with_user(b);
  auto& users = *b.st().users;
  User u = user("usr_1", "changed@example.test");  // the address is not updated
  u.name = "Ann";
  u.password_hash = "phc";
  u.email_verified_at = "2026-01-02T00:00:00Z";
  u.updated_at = "2026-01-02T00:00:00Z";
  REQUIRE(users.update(u));
  auto got = users.find("usr_1").value();
  REQUIRE(got);
  CHECK(got->email == "a@example.test");
  CHECK(got->name == "Ann");
  CHECK(got->password_hash == "phc");
  CHECK(got->email_verified_at == "2026-01-02T00:00:00Z");
  CHECK(got->updated_at == "2026-01-02T00:00:00Z");
  u.password_hash = std::nullopt;
  REQUIRE(users.update(u));
  CHECK_FALSE(users.find("usr_1").value()->password_hash);

  auto r = users.update(user("usr_gone", "a@example.test"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "resource_not_found");
}

TEST_CASE_TEMPLATE_DEFINE("a mail token is found by hash and kind, and used once", B, id_email_token) {
  B b;
  with_user(b);
  auto& users = *b.st().users;
  EmailToken t{.token_hash = "h1",
               .user_id = "usr_1",
               .kind = "verify_email",
               .expires_at = kFar,
               .used_at = {},
               .created_at = kT0};
  REQUIRE(users.insert_email_token(t));
  auto dup = users.insert_email_token(t);
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == "conflict");
  auto orphan = users.insert_email_token({"h2", "usr_gone", "verify_email", kFar, {}, kT0});
  REQUIRE_FALSE(orphan);
  CHECK(orphan.error().code == "conflict");

  CHECK(users.find_email_token("h1", "reset_password").value() == std::nullopt);
  auto found = users.find_email_token("h1", "verify_email").value();
  REQUIRE(found);
  CHECK(found->user_id == "usr_1");
  CHECK(found->expires_at == kFar);
  CHECK(found->created_at == kT0);
  CHECK_FALSE(found->used_at);

  REQUIRE(users.mark_email_token_used("h1", "2026-01-02T00:00:00Z"));
  CHECK(users.find_email_token("h1", "verify_email").value()->used_at == "2026-01-02T00:00:00Z");
  auto again = users.mark_email_token_used("h1", "2026-01-03T00:00:00Z");
  REQUIRE_FALSE(again);
  CHECK(again.error().code == "conflict");
  CHECK(users.find_email_token("h1", "verify_email").value()->used_at == "2026-01-02T00:00:00Z");
  auto unknown = users.mark_email_token_used("h_unknown", "2026-01-02T00:00:00Z");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == "conflict");
}

TEST_CASE_TEMPLATE_DEFINE("sign-in failures are counted per address in any case, forgotten and cleared", B,
                          id_login_failures) {
  B b;
  auto& users = *b.st().users;
  auto none = users.login_failures("a@example.test", 0).value();
  CHECK(none.count == 0);
  CHECK(none.last_ms == 0);
  REQUIRE(users.add_login_failure("a@example.test", 1000, 0));
  REQUIRE(users.add_login_failure("A@EXAMPLE.test", 2000, 0));
  REQUIRE(users.add_login_failure("b@example.test", 2500, 0));
  auto two = users.login_failures("a@example.TEST", 0).value();
  CHECK(two.count == 2);
  CHECK(two.last_ms == 2000);
  auto after = users.login_failures("a@example.test", 1000).value();  // strictly after
  CHECK(after.count == 1);
  CHECK(after.last_ms == 2000);

  REQUIRE(users.add_login_failure("a@example.test", 3000, 1000));  // forgets the one at 1000
  CHECK(b.count("SELECT count(*) FROM login_failures WHERE at_ms = 1000") == 0);
  CHECK(users.login_failures("a@example.test", 0).value().count == 2);

  REQUIRE(users.clear_login_failures("A@example.test"));
  CHECK(users.login_failures("a@example.test", 0).value().count == 0);
  CHECK(users.login_failures("b@example.test", 0).value().count == 1);  // another address is kept
}

TEST_CASE_TEMPLATE_DEFINE("a mail slot is taken once per interval", B, id_mail_slot) {
  B b;
  auto& users = *b.st().users;
  CHECK(users.claim_mail_slot("a@example.test", 100000, 40000).value());
  CHECK_FALSE(users.claim_mail_slot("a@example.test", 130000, 70000).value());
  CHECK(users.claim_mail_slot("b@example.test", 130000, 70000).value());  // another address
  CHECK(users.claim_mail_slot("A@example.test", 200000, 140000).value());
  CHECK(b.count("SELECT last_sent_ms FROM mail_throttle WHERE email = 'a@example.test'") == 200000);
  CHECK(b.count("SELECT count(*) FROM mail_throttle") == 2);
}

TEST_CASE_TEMPLATE_DEFINE("memberships are oldest first; the personal workspace is the own tenant's", B,
                          id_memberships) {
  B b;
  with_user(b);
  auto& users = *b.st().users;
  CHECK(users.memberships("usr_1").value().empty());
  CHECK(users.personal_workspace("usr_1").value() == std::nullopt);

  REQUIRE(users.insert_tenant("ten_2", "Other", kT0));
  add_workspace(b, "wrk_c", "ten_2", "usr_1", "2026-01-01T00:00:00Z");  // oldest, another tenant's
  add_workspace(b, "wrk_b", "ten_1", "usr_1", "2026-01-03T00:00:00Z");
  add_workspace(b, "wrk_a", "ten_1", "usr_1", "2026-01-03T00:00:00Z");  // same time: by id
  add_workspace(b, "wrk_d", "ten_1");                                   // not a member

  auto ms = users.memberships("usr_1").value();
  REQUIRE(ms.size() == 3);
  CHECK(ms[0].workspace_id == "wrk_c");
  CHECK(ms[1].workspace_id == "wrk_a");
  CHECK(ms[2].workspace_id == "wrk_b");
  CHECK(ms[0].role == "owner");
  CHECK(users.personal_workspace("usr_1").value() == "wrk_a");

  // With none in the own tenant, the oldest membership.
  b.sql("DELETE FROM memberships WHERE workspace_id IN ('wrk_a', 'wrk_b')");
  CHECK(users.personal_workspace("usr_1").value() == "wrk_c");
}

// ---- sessions -------------------------------------------------------------------------

TEST_CASE_TEMPLATE_DEFINE("a session reads back by id and by its refresh token", B, id_session_roundtrip) {
  B b;
  with_user(b);
  add_workspace(b, "wrk_1", "ten_1");
  auto& sessions = *b.st().sessions;
  SessionRecord s = session("ses_1", "usr_1");
  s.workspace_id = "wrk_1";
  s.user_agent = "curl/8";
  s.ip = "192.0.2.1";
  s.last_used_at = kT0;
  REQUIRE(sessions.insert(s, "refresh-1"));
  REQUIRE(sessions.insert(session("ses_2", "usr_1"), "refresh-2"));

  auto got = sessions.find("ses_1").value();
  REQUIRE(got);
  CHECK(got->user_id == "usr_1");
  CHECK(got->workspace_id == "wrk_1");
  CHECK(got->created_at == kT0);
  CHECK(got->last_used_at == kT0);
  CHECK(got->expires_at == kFar);
  CHECK_FALSE(got->revoked_at);
  CHECK(got->user_agent == "curl/8");
  CHECK(got->ip == "192.0.2.1");
  auto none_ws = sessions.find("ses_2").value();
  REQUIRE(none_ws);
  CHECK(none_ws->workspace_id == "");  // stored as NULL
  CHECK(b.count("SELECT count(*) FROM sessions WHERE workspace_id IS NULL") == 1);
  CHECK_FALSE(none_ws->last_used_at);

  CHECK(sessions.find_by_refresh("refresh-2").value()->id == "ses_2");
  CHECK(sessions.find_by_refresh("refresh-x").value() == std::nullopt);
  CHECK(sessions.find("ses_gone").value() == std::nullopt);

  REQUIRE(sessions.touch("ses_2", "2026-01-05T00:00:00Z"));
  CHECK(sessions.find("ses_2").value()->last_used_at == "2026-01-05T00:00:00Z");
  REQUIRE(sessions.touch("ses_gone", "2026-01-05T00:00:00Z"));  // nothing to touch is no error
}

TEST_CASE_TEMPLATE_DEFINE(
    "a session for an account that does not exist, or with a refresh token in use, is "
    "refused",
    B, id_session_refused) {
  B b;
  auto r = b.st().sessions->insert(session("ses_1", "usr_gone"), "refresh");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "conflict");
  with_user(b);
  REQUIRE(b.st().sessions->insert(session("ses_1", "usr_1"), "refresh"));
  auto same_hash = b.st().sessions->insert(session("ses_2", "usr_1"), "refresh");
  REQUIRE_FALSE(same_hash);
  CHECK(same_hash.error().code == "conflict");
  auto same_id = b.st().sessions->insert(session("ses_1", "usr_1"), "refresh-other");
  REQUIRE_FALSE(same_id);
  CHECK(same_id.error().code == "conflict");
  CHECK(b.count("SELECT count(*) FROM sessions") == 1);
}

TEST_CASE_TEMPLATE_DEFINE("rotating a refresh token remembers the old one; a stale one is a conflict", B,
                          id_session_rotate) {
  B b;
  with_user(b);
  auto& sessions = *b.st().sessions;
  REQUIRE(sessions.insert(session("ses_1", "usr_1", "2026-02-01T00:00:00Z"), "r1"));
  REQUIRE(sessions.rotate("ses_1", "r1", "r2", "2026-01-10T00:00:00Z", "2026-03-01T00:00:00Z"));
  CHECK(sessions.find_by_refresh("r1").value() == std::nullopt);
  auto now = sessions.find_by_refresh("r2").value();
  REQUIRE(now);
  CHECK(now->id == "ses_1");
  CHECK(now->last_used_at == "2026-01-10T00:00:00Z");
  CHECK(now->expires_at == "2026-03-01T00:00:00Z");
  CHECK(sessions.find_used_refresh("r1").value() == "ses_1");
  CHECK(sessions.find_used_refresh("r2").value() == std::nullopt);

  // r1 again (a replayed token): remembered already, and no longer the session's.
  auto stale = sessions.rotate("ses_1", "r1", "r3", "2026-01-11T00:00:00Z", "2026-03-02T00:00:00Z");
  REQUIRE_FALSE(stale);
  CHECK(stale.error().code == "conflict");
  CHECK(sessions.find_by_refresh("r2").value()->id == "ses_1");
  CHECK(b.count("SELECT count(*) FROM used_refresh_tokens") == 1);

  auto gone = sessions.rotate("ses_gone", "x1", "x2", "2026-01-11T00:00:00Z", "2026-03-02T00:00:00Z");
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code == "conflict");
}

TEST_CASE_TEMPLATE_DEFINE("revoking a revoked session is a conflict; revoking all counts what it revoked", B,
                          id_session_revoke) {
  B b;
  with_user(b);
  auto& sessions = *b.st().sessions;
  REQUIRE(sessions.insert(session("ses_1", "usr_1"), "r1"));
  REQUIRE(sessions.insert(session("ses_2", "usr_1"), "r2"));
  REQUIRE(sessions.insert(session("ses_3", "usr_1"), "r3"));
  REQUIRE(sessions.revoke("ses_1", "2026-01-02T00:00:00Z"));
  auto got = sessions.find("ses_1").value();
  REQUIRE(got);
  CHECK(got->revoked_at == "2026-01-02T00:00:00Z");
  CHECK(sessions.find_by_refresh("r1").value() == std::nullopt);  // the token is dropped
  auto again = sessions.revoke("ses_1", "2026-01-03T00:00:00Z");
  REQUIRE_FALSE(again);
  CHECK(again.error().code == "conflict");
  auto gone = sessions.revoke("ses_gone", "2026-01-03T00:00:00Z");
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code == "conflict");

  CHECK(sessions.revoke_all("usr_1", "2026-01-04T00:00:00Z").value() == 2);
  CHECK(sessions.revoke_all("usr_1", "2026-01-05T00:00:00Z").value() == 0);
  CHECK(sessions.find("ses_1").value()->revoked_at == "2026-01-02T00:00:00Z");  // kept
  CHECK(sessions.find("ses_3").value()->revoked_at == "2026-01-04T00:00:00Z");
  CHECK(b.count("SELECT count(*) FROM sessions WHERE refresh_hash IS NOT NULL") == 0);
}

TEST_CASE_TEMPLATE_DEFINE("active sessions: newest first, neither revoked nor expired, paged by id", B,
                          id_session_list) {
  B b;
  with_user(b);
  REQUIRE(b.st().users->insert(user("usr_2", "b@example.test")));
  auto& sessions = *b.st().sessions;
  REQUIRE(sessions.insert(session("ses_01", "usr_1"), "r01"));
  REQUIRE(sessions.insert(session("ses_02", "usr_1", "2026-01-05T00:00:00Z"), "r02"));  // expires
  REQUIRE(sessions.insert(session("ses_03", "usr_1"), "r03"));
  REQUIRE(sessions.insert(session("ses_04", "usr_1"), "r04"));  // revoked
  REQUIRE(sessions.insert(session("ses_05", "usr_1"), "r05"));
  REQUIRE(sessions.insert(session("ses_06", "usr_2"), "r06"));  // another user's
  REQUIRE(sessions.revoke("ses_04", "2026-01-02T00:00:00Z"));

  const std::string now = "2026-01-04T00:00:00Z";
  CHECK(ids(sessions.list_active("usr_1", now, std::nullopt, 10).value()) ==
        std::vector<std::string>{"ses_05", "ses_03", "ses_02", "ses_01"});
  CHECK(ids(sessions.list_active("usr_1", "2026-01-05T00:00:00Z", std::nullopt, 10).value()) ==
        std::vector<std::string>{"ses_05", "ses_03", "ses_01"});  // expired at that moment
  CHECK(ids(sessions.list_active("usr_1", now, std::nullopt, 2).value()) ==
        std::vector<std::string>{"ses_05", "ses_03"});
  CHECK(ids(sessions.list_active("usr_1", now, "ses_03", 2).value()) == std::vector<std::string>{"ses_02", "ses_01"});
  CHECK(sessions.list_active("usr_1", now, "ses_01", 10).value().empty());
  CHECK(sessions.list_active("usr_gone", now, std::nullopt, 10).value().empty());
}

// ---- invitations ----------------------------------------------------------------------

TEST_CASE_TEMPLATE_DEFINE("an invitation reads back by workspace and id, and by its token", B,
                          id_invitation_roundtrip) {
  B b;
  with_user(b);
  add_workspace(b, "wrk_1", "ten_1", "usr_1");
  add_workspace(b, "wrk_2", "ten_1");
  auto& inv = *b.st().invitations;
  Invitation i = invitation("inv_1", "wrk_1", "New@Example.test");
  i.invited_by_type = "api_key";
  i.invited_by = "key_1";
  REQUIRE(inv.insert(i, "tok-1"));

  auto got = inv.find("wrk_1", "inv_1").value();
  REQUIRE(got);
  CHECK(got->email == "New@Example.test");
  CHECK(got->role == "member");
  CHECK(got->invited_by_type == "api_key");
  CHECK(got->invited_by == "key_1");
  CHECK(got->status == "pending");
  CHECK(got->expires_at == kFar);
  CHECK(got->created_at == kT0);
  CHECK_FALSE(got->accepted_at);
  CHECK(inv.find("wrk_2", "inv_1").value() == std::nullopt);  // another workspace's id
  CHECK(inv.find_by_token("tok-1").value()->id == "inv_1");
  CHECK(inv.find_by_token("tok-x").value() == std::nullopt);

  CHECK(inv.pending_for("wrk_1", "new@EXAMPLE.test", "2026-01-02T00:00:00Z").value() == "inv_1");
  CHECK(inv.pending_for("wrk_2", "new@example.test", "2026-01-02T00:00:00Z").value() == std::nullopt);
  CHECK(inv.pending_for("wrk_1", "new@example.test", kFar).value() == std::nullopt);  // expired then

  CHECK(inv.has_member_email("wrk_1", "A@EXAMPLE.TEST").value());
  CHECK_FALSE(inv.has_member_email("wrk_2", "a@example.test").value());
  CHECK_FALSE(inv.has_member_email("wrk_1", "new@example.test").value());
}

TEST_CASE_TEMPLATE_DEFINE("an invitation for a workspace that is gone, or reusing a token, is a conflict", B,
                          id_invitation_refused) {
  B b;
  auto& inv = *b.st().invitations;
  auto r = inv.insert(invitation("inv_1", "wrk_gone", "a@example.test"), "hash");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "conflict");
  CHECK(b.count("SELECT count(*) FROM invitations") == 0);

  with_user(b);
  add_workspace(b, "wrk_1", "ten_1");
  REQUIRE(inv.insert(invitation("inv_1", "wrk_1", "a@example.test"), "hash"));
  auto same_token = inv.insert(invitation("inv_2", "wrk_1", "b@example.test"), "hash");
  REQUIRE_FALSE(same_token);
  CHECK(same_token.error().code == "conflict");
  auto same_id = inv.insert(invitation("inv_1", "wrk_1", "c@example.test"), "hash-2");
  REQUIRE_FALSE(same_id);
  CHECK(same_id.error().code == "conflict");
  CHECK(b.count("SELECT count(*) FROM invitations") == 1);
}

TEST_CASE_TEMPLATE_DEFINE("invitations list by state at a moment, newest first, paged by id", B, id_invitation_list) {
  B b;
  with_user(b);
  REQUIRE(b.st().users->insert(user("usr_2", "b@example.test")));
  add_workspace(b, "wrk_1", "ten_1");
  add_workspace(b, "wrk_2", "ten_1");
  auto& inv = *b.st().invitations;
  REQUIRE(inv.insert(invitation("inv_1", "wrk_1", "p1@example.test"), "t1"));                         // pending
  REQUIRE(inv.insert(invitation("inv_2", "wrk_1", "x@example.test", "2026-01-03T00:00:00Z"), "t2"));  // expires
  REQUIRE(inv.insert(invitation("inv_3", "wrk_1", "b@example.test"), "t3"));                          // accepted
  REQUIRE(inv.insert(invitation("inv_4", "wrk_1", "r@example.test"), "t4"));                          // revoked
  REQUIRE(inv.insert(invitation("inv_5", "wrk_1", "p5@example.test"), "t5"));                         // pending
  REQUIRE(inv.insert(invitation("inv_6", "wrk_2", "p6@example.test"), "t6"));  // another workspace
  REQUIRE(inv.accept(invitation("inv_3", "wrk_1", "b@example.test"), "usr_2", "2026-01-02T00:00:00Z"));
  REQUIRE(inv.revoke("inv_4"));

  using V = std::vector<std::string>;
  const std::string now = "2026-01-04T00:00:00Z";
  auto list = [&](InvitationFilter f, const std::string& at, std::optional<std::string> after = std::nullopt,
                  int limit = 10) { return ids(inv.list("wrk_1", f, at, after, limit).value()); };
  CHECK(list(InvitationFilter::Pending, now) == V{"inv_5", "inv_1"});
  CHECK(list(InvitationFilter::Pending, "2026-01-02T00:00:00Z") == V{"inv_5", "inv_2", "inv_1"});
  CHECK(list(InvitationFilter::Expired, now) == V{"inv_2"});
  CHECK(list(InvitationFilter::Expired, "2026-01-03T00:00:00Z") == V{"inv_2"});  // at its expiry
  CHECK(list(InvitationFilter::Expired, "2026-01-02T00:00:00Z").empty());
  CHECK(list(InvitationFilter::Accepted, now) == V{"inv_3"});
  CHECK(list(InvitationFilter::Revoked, now) == V{"inv_4"});
  CHECK(list(InvitationFilter::All, now) == V{"inv_5", "inv_4", "inv_3", "inv_2", "inv_1"});
  CHECK(list(InvitationFilter::All, now, "inv_4", 2) == V{"inv_3", "inv_2"});
  CHECK(list(InvitationFilter::All, now, std::nullopt, 1) == V{"inv_5"});
  CHECK(list(InvitationFilter::Pending, now, "inv_1").empty());

  auto accepted = inv.find("wrk_1", "inv_3").value();
  REQUIRE(accepted);
  CHECK(accepted->status == "accepted");
  CHECK(accepted->accepted_at == "2026-01-02T00:00:00Z");
  CHECK(inv.find("wrk_1", "inv_4").value()->status == "revoked");
}

TEST_CASE_TEMPLATE_DEFINE("accepting makes a member with the invitation's role, once", B, id_invitation_accept) {
  B b;
  with_user(b);
  REQUIRE(b.st().users->insert(user("usr_2", "b@example.test")));
  add_workspace(b, "wrk_1", "ten_1", "usr_1");
  auto& inv = *b.st().invitations;
  Invitation i = invitation("inv_1", "wrk_1", "b@example.test");
  i.role = "admin";
  REQUIRE(inv.insert(i, "hash"));
  REQUIRE(inv.accept(i, "usr_2", "2026-01-02T00:00:00Z"));
  CHECK(b.count("SELECT count(*) FROM memberships WHERE workspace_id = 'wrk_1' AND user_id = 'usr_2' AND "
                "role = 'admin' AND joined_at = '2026-01-02T00:00:00Z'") == 1);
  CHECK(inv.has_member_email("wrk_1", "b@example.test").value());
  CHECK(inv.pending_for("wrk_1", "b@example.test", "2026-01-02T00:00:00Z").value() == std::nullopt);

  auto revoke_accepted = inv.revoke("inv_1");
  REQUIRE_FALSE(revoke_accepted);
  CHECK(revoke_accepted.error().code == "conflict");
  auto revoke_gone = inv.revoke("inv_gone");
  REQUIRE_FALSE(revoke_gone);
  CHECK(revoke_gone.error().code == "conflict");
}

TEST_CASE_TEMPLATE_DEFINE("accepting into a workspace the user already belongs to is a conflict", B,
                          id_invitation_accept_member) {
  B b;
  with_user(b);
  add_workspace(b, "wrk_1", "ten_1", "usr_1");
  auto& inv = *b.st().invitations;
  Invitation i = invitation("inv_1", "wrk_1", "a@example.test");
  REQUIRE(inv.insert(i, "hash"));
  auto r = inv.accept(i, "usr_1", "2026-01-02T00:00:00Z");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "conflict");
  CHECK(inv.find("wrk_1", "inv_1").value()->status == "pending");
  CHECK(b.count("SELECT count(*) FROM memberships WHERE role = 'owner'") == 1);  // the role is unchanged
}

TEST_CASE_TEMPLATE_DEFINE("accepting a revoked invitation, or into a workspace that is gone, is a conflict", B,
                          id_invitation_accept_refused) {
  B b;
  with_user(b);
  REQUIRE(b.st().users->insert(user("usr_2", "b@example.test")));
  add_workspace(b, "wrk_1", "ten_1");
  auto& inv = *b.st().invitations;
  Invitation i = invitation("inv_1", "wrk_1", "b@example.test");
  REQUIRE(inv.insert(i, "hash"));
  REQUIRE(inv.revoke("inv_1"));
  {
    auto tx = b.begin();  // the caller's transaction, which a refusal rolls back
    auto r = inv.accept(i, "usr_2", "2026-01-02T00:00:00Z");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "conflict");
  }
  CHECK(inv.find("wrk_1", "inv_1").value()->status == "revoked");
  CHECK(b.count("SELECT count(*) FROM memberships") == 0);

  auto gone = inv.accept(invitation("inv_9", "wrk_gone", "b@example.test"), "usr_2", "2026-01-02T00:00:00Z");
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code == "conflict");
  auto no_user = inv.accept(invitation("inv_9", "wrk_1", "z@example.test"), "usr_gone", "2026-01-02T00:00:00Z");
  REQUIRE_FALSE(no_user);
  CHECK(no_user.error().code == "conflict");
  CHECK(b.count("SELECT count(*) FROM memberships") == 0);
}

// ---- signing keys ---------------------------------------------------------------------

TEST_CASE_TEMPLATE_DEFINE("a signing key is stored in a transaction of its own, never inside a caller's", B,
                          id_key_committed) {
  B b;
  auto& keys = *b.st().keys;
  auto k = key("k1", "ES256", kT0);
  {
    auto tx = b.begin();
    auto inside = keys.add_committed(k);
    REQUIRE_FALSE(inside);
    CHECK(inside.error().code == "internal_error");
    tx->commit();
  }
  CHECK(b.count("SELECT count(*) FROM signing_keys") == 0);
  REQUIRE(keys.add_committed(k));
  {
    auto tx = b.begin();  // rolled back: the key stays, it was committed on its own
  }
  CHECK(b.count("SELECT count(*) FROM signing_keys") == 1);
  auto twice = keys.add_committed(key("k1", "EdDSA", kT0));
  REQUIRE_FALSE(twice);
  CHECK(twice.error().code == "conflict");
  CHECK(keys.find_active("k1").value()->alg == "ES256");
  REQUIRE(keys.add_committed(key("k2", "ES256", kT0)));  // the failed one left no transaction open
}

TEST_CASE_TEMPLATE_DEFINE("active signing keys: by algorithm newest first, all, and by kid", B, id_key_active) {
  B b;
  auto& keys = *b.st().keys;
  REQUIRE(keys.add_committed(key("k_old", "ES256", "2026-01-01T00:00:00Z")));
  REQUIRE(keys.add_committed(key("k_ed", "EdDSA", "2026-01-02T00:00:00Z")));
  REQUIRE(keys.add_committed(key("k_new", "ES256", "2026-01-03T00:00:00Z")));
  REQUIRE(keys.add_committed(key("k_b", "ES256", "2026-01-04T00:00:00Z")));
  REQUIRE(keys.add_committed(key("k_a", "ES256", "2026-01-04T00:00:00Z")));  // same time: by kid
  REQUIRE(keys.add_committed(key("k_off", "ES256", "2026-01-05T00:00:00Z")));
  b.sql("UPDATE signing_keys SET active = (1 = 0) WHERE kid = 'k_off'");  // false in both dialects

  using V = std::vector<std::string>;
  CHECK(ids(keys.active("ES256").value()) == V{"k_a", "k_b", "k_new", "k_old"});
  CHECK(ids(keys.active("EdDSA").value()) == V{"k_ed"});
  CHECK(keys.active("RS256").value().empty());
  auto all = ids(keys.all_active().value());
  std::sort(all.begin(), all.end());
  CHECK(all == V{"k_a", "k_b", "k_ed", "k_new", "k_old"});

  auto found = keys.find_active("k_ed").value();
  REQUIRE(found);
  CHECK(found->alg == "EdDSA");
  CHECK(found->private_key == "sealed-k_ed");
  CHECK(found->public_jwk == R"({"kid":"k_ed"})");
  CHECK(found->created_at == "2026-01-02T00:00:00Z");
  CHECK(keys.find_active("k_off").value() == std::nullopt);
  CHECK(keys.find_active("k_gone").value() == std::nullopt);
}

// ---- the development mailbox ----------------------------------------------------------

TEST_CASE_TEMPLATE_DEFINE("the mailbox lists newest first, by address in any case, and is cleared", B, id_mail) {
  B b;
  auto& mail = *b.st().mail;
  auto m = [](const std::string& id, const std::string& to) {
    return StoredMail{.id = id,
                      .to = to,
                      .subject = "S " + id,
                      .kind = "verify_email",
                      .token = "sealed-t",
                      .link = "sealed-l",
                      .body = "sealed-b",
                      .created_at = kT0};
  };
  CHECK(mail.list("").value().empty());
  REQUIRE(mail.insert(m("mail_1", "a@example.test")));
  REQUIRE(mail.insert(m("mail_2", "b@example.test")));
  REQUIRE(mail.insert(m("mail_3", "A@Example.test")));
  auto dup = mail.insert(m("mail_1", "c@example.test"));
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == "conflict");

  using V = std::vector<std::string>;
  CHECK(ids(mail.list("").value()) == V{"mail_3", "mail_2", "mail_1"});
  auto for_a = mail.list("a@EXAMPLE.test").value();
  CHECK(ids(for_a) == V{"mail_3", "mail_1"});
  REQUIRE(for_a.size() == 2);
  CHECK(for_a[0].to == "A@Example.test");
  CHECK(for_a[0].subject == "S mail_3");
  CHECK(for_a[0].kind == "verify_email");
  CHECK(for_a[0].token == "sealed-t");
  CHECK(for_a[0].link == "sealed-l");
  CHECK(for_a[0].body == "sealed-b");
  CHECK(for_a[0].created_at == kT0);
  CHECK(mail.list("nobody@example.test").value().empty());

  REQUIRE(mail.clear());
  CHECK(mail.list("").value().empty());
  REQUIRE(mail.clear());  // an empty mailbox clears too
}

}  // namespace slab5d::testing::identity_cases

// Runs every case above on backend B, a type at global scope: SLAB5_IDENTITY_STORE_CASES(B);
#define SLAB5_IDENTITY_STORE_CASES(B)                         \
  namespace slab5d::testing::identity_cases {                 \
  TEST_CASE_TEMPLATE_INVOKE(id_user_roundtrip, B);            \
  TEST_CASE_TEMPLATE_INVOKE(id_dup_email, B);                 \
  TEST_CASE_TEMPLATE_INVOKE(id_user_no_tenant, B);            \
  TEST_CASE_TEMPLATE_INVOKE(id_user_update, B);               \
  TEST_CASE_TEMPLATE_INVOKE(id_email_token, B);               \
  TEST_CASE_TEMPLATE_INVOKE(id_login_failures, B);            \
  TEST_CASE_TEMPLATE_INVOKE(id_mail_slot, B);                 \
  TEST_CASE_TEMPLATE_INVOKE(id_memberships, B);               \
  TEST_CASE_TEMPLATE_INVOKE(id_session_roundtrip, B);         \
  TEST_CASE_TEMPLATE_INVOKE(id_session_refused, B);           \
  TEST_CASE_TEMPLATE_INVOKE(id_session_rotate, B);            \
  TEST_CASE_TEMPLATE_INVOKE(id_session_revoke, B);            \
  TEST_CASE_TEMPLATE_INVOKE(id_session_list, B);              \
  TEST_CASE_TEMPLATE_INVOKE(id_invitation_roundtrip, B);      \
  TEST_CASE_TEMPLATE_INVOKE(id_invitation_refused, B);        \
  TEST_CASE_TEMPLATE_INVOKE(id_invitation_list, B);           \
  TEST_CASE_TEMPLATE_INVOKE(id_invitation_accept, B);         \
  TEST_CASE_TEMPLATE_INVOKE(id_invitation_accept_member, B);  \
  TEST_CASE_TEMPLATE_INVOKE(id_invitation_accept_refused, B); \
  TEST_CASE_TEMPLATE_INVOKE(id_key_committed, B);             \
  TEST_CASE_TEMPLATE_INVOKE(id_key_active, B);                \
  TEST_CASE_TEMPLATE_INVOKE(id_mail, B);                      \
  }                                                           \
  static_assert(true, "")
