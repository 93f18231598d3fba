// server/domain/identity: registration and email verification, called as a rule with an
// Actor, a RequestMeta and typed input against a temp database — no request, no HTTP.
#include "domain/identity.hpp"

#include "identity_fixture.hpp"

using namespace slab5d;
using slab5d::testing::IdentityFixture;

namespace {
Registration jane(IdentityFixture& f) {
  return {.email = "jane@example.test", .password_hash = f.hash("correct horse"), .name = "Jane"};
}
}  // namespace

TEST_CASE("register makes the account, its tenant and personal workspace, and mails a verification token") {
  IdentityFixture f;
  auto r = register_account(f.db, f.svc, f.anonymous, f.meta, jane(f));
  REQUIRE(r);
  CHECK((*r)["status"] == "verification_sent");
  CHECK(f.t.count("SELECT count(*) FROM users WHERE email = 'jane@example.test' AND email_verified_at IS NULL") == 1);
  CHECK(f.t.count("SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.role = 'owner'") == 1);
  CHECK(f.mailed_token("jane@example.test").size() > 20);
}

TEST_CASE("register records user.registered and workspace.created as the new user, in their workspace") {
  IdentityFixture f;
  REQUIRE(register_account(f.db, f.svc, f.anonymous, f.meta, jane(f)));
  auto q = f.db.query(
      "SELECT a.actor_type, a.actor_id = u.id, a.workspace_id = m.workspace_id, a.status, a.route "
      "FROM audit_events a, users u, memberships m WHERE u.id = m.user_id ORDER BY a.action DESC");
  int rows = 0;
  while (q.next()) {
    ++rows;
    CHECK(q.text(0) == "user");
    CHECK(q.integer(1) == 1);
    CHECK(q.integer(2) == 1);
    CHECK(q.integer(3) == 202);
    CHECK(q.text(4) == "unit test");
  }
  CHECK(rows == 2);
}

TEST_CASE("registering a taken address answers the same, mails the owner and changes no account") {
  IdentityFixture f;
  REQUIRE(register_account(f.db, f.svc, f.anonymous, f.meta, jane(f)));
  auto again = register_account(f.db, f.svc, f.anonymous, f.meta,
                                {.email = "jane@example.test", .password_hash = f.hash("other password"), .name = ""});
  REQUIRE(again);
  CHECK((*again)["status"] == "verification_sent");
  CHECK(f.t.count("SELECT count(*) FROM users") == 1);
  CHECK(f.t.count("SELECT count(*) FROM audit_events") == 2);
}

TEST_CASE("the mailed token verifies the address once; a second use is token_expired") {
  IdentityFixture f;
  REQUIRE(register_account(f.db, f.svc, f.anonymous, f.meta, jane(f)));
  auto token = f.mailed_token("jane@example.test");
  auto v = verify_email(f.db, f.anonymous, f.meta, token);
  REQUIRE(v);
  CHECK((*v)["user"]["email_verified"] == true);
  CHECK(f.t.count("SELECT count(*) FROM audit_events WHERE action = 'user.email_verified' AND status = 200 "
                  "AND actor_type = 'user'") == 1);
  auto twice = verify_email(f.db, f.anonymous, f.meta, token);
  REQUIRE_FALSE(twice);
  CHECK(twice.error().code == "token_expired");
}

TEST_CASE("an unknown verification token is invalid_request and writes nothing") {
  IdentityFixture f;
  auto v = verify_email(f.db, f.anonymous, f.meta, "not-a-token");
  REQUIRE_FALSE(v);
  CHECK(v.error().code == "invalid_request");
  CHECK(f.t.count("SELECT count(*) FROM audit_events") == 0);
}

TEST_CASE("with auto-verify the account is verified at once and no mail goes out") {
  IdentityFixture f(true);
  REQUIRE(register_account(f.db, f.svc, f.anonymous, f.meta, jane(f)));
  CHECK(f.t.count("SELECT count(*) FROM users WHERE email_verified_at IS NOT NULL") == 1);
  CHECK(f.t.count("SELECT count(*) FROM mail") == 0);
}

TEST_CASE("resend mails an unverified address at most once a minute, and never a verified or unknown one") {
  IdentityFixture f;
  REQUIRE(register_account(f.db, f.svc, f.anonymous, f.meta, jane(f)));
  REQUIRE(resend_verification(f.db, f.svc, f.anonymous, f.meta, "jane@example.test"));
  CHECK(f.t.count("SELECT count(*) FROM mail") == 1);  // the registration's slot is still taken
  REQUIRE(resend_verification(f.db, f.svc, f.anonymous, f.meta, "nobody@example.test"));
  CHECK(f.t.count("SELECT count(*) FROM mail") == 1);
  f.db.exec("UPDATE mail_throttle SET last_sent_ms = 0");
  REQUIRE(resend_verification(f.db, f.svc, f.anonymous, f.meta, "jane@example.test"));
  CHECK(f.t.count("SELECT count(*) FROM mail") == 2);
}
