// server/domain/identity_invitations: inviting and accepting, called as rules with an Actor,
// a RequestMeta and typed input against a temp database — no request, no HTTP.
#include "domain/identity_invitations.hpp"

#include "domain/identity.hpp"
#include "domain/workspaces.hpp"
#include "identity_fixture.hpp"

using namespace slab5d;
using slab5d::testing::IdentityFixture;

namespace {
struct InviteFixture : IdentityFixture {
  Actor owner;
  MailSettings mail = svc.mail();
  InviteFixture() {
    Tx tx(db);
    auto w = create_workspace(db, "Acme", "acme", "", "");
    tx.commit();
    owner = Actor{.type = "user",
                  .id = "usr_owner",
                  .workspace_id = w.id,
                  .tenant_id = w.tenant_id,
                  .role = "owner",
                  .credential_id = "ses_owner",
                  .user_id = "usr_owner"};
  }
  std::string invite(const std::string& email, const std::string& role = "member") {
    auto inv = create_invitation(db, mail, owner, meta, {.email = email, .role = role});
    REQUIRE(inv);
    return mailed_token(email);
  }
};
}  // namespace

TEST_CASE("accepting an invitation makes the account, the membership and a session in the workspace") {
  InviteFixture f;
  auto token = f.invite("new@example.test", "admin");
  auto s = accept_invitation(f.db, f.svc, f.anonymous, f.meta,
                             {.token = token, .password_hash = f.hash("new password"), .name = "New"});
  REQUIRE(s);
  CHECK((*s)["workspace"]["id"] == f.owner.workspace_id);
  CHECK((*s)["workspace"]["role"] == "admin");
  CHECK((*s)["user"]["email_verified"] == true);
  CHECK(f.t.count("SELECT count(*) FROM memberships WHERE role = 'admin'") == 1);
  CHECK(f.t.count("SELECT count(*) FROM invitations WHERE status = 'accepted' AND accepted_at IS NOT NULL") == 1);
  CHECK(f.t.count("SELECT count(*) FROM audit_events WHERE action IN ('user.registered', 'invitation.accepted', "
                  "'session.created') AND actor_type = 'user' AND status = 200") == 3);
}

TEST_CASE("an invitation is accepted once; the second time it is token_expired") {
  InviteFixture f;
  auto token = f.invite("new@example.test");
  InvitationAcceptance in{.token = token, .password_hash = f.hash("new password"), .name = std::nullopt};
  REQUIRE(accept_invitation(f.db, f.svc, f.anonymous, f.meta, in));
  auto again = accept_invitation(f.db, f.svc, f.anonymous, f.meta, in);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == "token_expired");
  CHECK(f.t.count("SELECT count(*) FROM memberships") == 1);
}

TEST_CASE("a new account needs a password to accept, and nothing is written without one") {
  InviteFixture f;
  auto token = f.invite("new@example.test");
  auto s = accept_invitation(f.db, f.svc, f.anonymous, f.meta, {.token = token, .password_hash = {}, .name = {}});
  REQUIRE_FALSE(s);
  CHECK(s.error().code == "validation_failed");
  CHECK(f.t.count("SELECT count(*) FROM users") == 0);
  CHECK(f.t.count("SELECT count(*) FROM invitations WHERE status = 'pending'") == 1);
}

TEST_CASE("accepting for a registered but unverified account replaces its password and ends its sessions") {
  InviteFixture f;
  REQUIRE(register_account(f.db, f.svc, f.anonymous, f.meta,
                           {.email = "squat@example.test", .password_hash = f.hash("squatter pw"), .name = ""}));
  auto token = f.invite("squat@example.test");
  auto s = accept_invitation(f.db, f.svc, f.anonymous, f.meta,
                             {.token = token, .password_hash = f.hash("owner of mailbox"), .name = "Real"});
  REQUIRE(s);
  CHECK((*s)["user"]["name"] == "Real");
  auto q = f.db.query("SELECT password_hash FROM users WHERE email = 'squat@example.test'");
  REQUIRE(q.next());
  CHECK(verify_password("owner of mailbox", q.text(0)));
  CHECK_FALSE(verify_password("squatter pw", q.text(0)));
  CHECK(f.t.count("SELECT count(*) FROM audit_events WHERE action = 'user.email_verified' "
                  "AND after_json LIKE '%\"password_change\":\"replaced\"%'") == 1);
}

TEST_CASE("only an owner invites an owner: anyone else is forbidden with required_role") {
  InviteFixture f;
  Actor admin = f.owner;
  admin.role = "admin";
  auto inv = create_invitation(f.db, f.mail, admin, f.meta, {.email = "boss@example.test", .role = "owner"});
  REQUIRE_FALSE(inv);
  CHECK(inv.error().code == "forbidden");
  CHECK(inv.error().extra["required_role"] == "owner");
  CHECK(f.t.count("SELECT count(*) FROM invitations") == 0);
}

TEST_CASE("a second pending invitation for one address is a conflict; a revoked one can be sent again") {
  InviteFixture f;
  auto first = create_invitation(f.db, f.mail, f.owner, f.meta, {.email = "x@example.test", .role = "member"});
  REQUIRE(first);
  auto second = create_invitation(f.db, f.mail, f.owner, f.meta, {.email = "x@example.test", .role = "member"});
  REQUIRE_FALSE(second);
  CHECK(second.error().code == "conflict");
  REQUIRE(revoke_invitation(f.db, f.owner, f.meta, (*first)["id"].get<std::string>()));
  auto revoked_twice = revoke_invitation(f.db, f.owner, f.meta, (*first)["id"].get<std::string>());
  REQUIRE_FALSE(revoked_twice);
  CHECK(revoked_twice.error().code == "conflict");
  CHECK(create_invitation(f.db, f.mail, f.owner, f.meta, {.email = "x@example.test", .role = "member"}));
  CHECK(f.t.count("SELECT count(*) FROM audit_events WHERE action = 'member.invited' AND status = 201") == 2);
  CHECK(f.t.count("SELECT count(*) FROM audit_events WHERE action = 'invitation.revoked' AND status = 204") == 1);
}
