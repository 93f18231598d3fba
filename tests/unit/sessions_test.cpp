// server/domain/sessions: refresh rotation, reuse detection and revocation, called as rules
// with an Actor, a RequestMeta and typed input against a temp database — no request.
#include "domain/sessions.hpp"

#include "domain/identity.hpp"
#include "domain/identity_login.hpp"
#include "identity_fixture.hpp"

using namespace slab5d;
using slab5d::testing::IdentityFixture;

namespace {
slab5::Json sign_in(IdentityFixture& f, const std::string& email) {
  REQUIRE(register_account(f.db, f.svc, f.anonymous, f.meta,
                           {.email = email, .password_hash = f.hash("right password"), .name = ""}));
  auto s = local_login(f.db, f.svc, f.anonymous, f.meta,
                       {.email = email, .password = "right password", .workspace_id = std::nullopt});
  REQUIRE(s);
  return *s;
}

// What ctx.actor() is for a call made with the session.
Actor session_actor(const slab5::Json& s) {
  return Actor{.type = "user",
               .id = s["user"]["id"].get<std::string>(),
               .workspace_id = s["workspace"]["id"].get<std::string>(),
               .tenant_id = s["workspace"]["tenant_id"].get<std::string>(),
               .credential_id = s["sessionId"].get<std::string>(),
               .user_id = s["user"]["id"].get<std::string>()};
}
}  // namespace

TEST_CASE("a refresh token is rotated: the new one works, the old one revokes the whole session") {
  IdentityFixture f(true);
  auto s = sign_in(f, "ann@example.test");
  auto old_refresh = s["refreshToken"].get<std::string>();
  auto next = refresh_session(f.db, f.svc, f.anonymous, f.meta, old_refresh);
  REQUIRE(next);
  CHECK((*next)["sessionId"] == s["sessionId"]);
  CHECK((*next)["refreshToken"] != old_refresh);

  auto reused = refresh_session(f.db, f.svc, f.anonymous, f.meta, old_refresh);
  REQUIRE_FALSE(reused);
  CHECK(reused.error().code == "unauthorized");
  CHECK(f.t.count("SELECT count(*) FROM sessions WHERE revoked_at IS NOT NULL") == 1);
  CHECK(f.t.count("SELECT count(*) FROM audit_events WHERE action = 'session.revoked' AND actor_type = 'system' "
                  "AND status = 401 AND after_json LIKE '%refresh_token_reused%'") == 1);
  auto after_reuse = refresh_session(f.db, f.svc, f.anonymous, f.meta, (*next)["refreshToken"].get<std::string>());
  REQUIRE_FALSE(after_reuse);
  CHECK(after_reuse.error().code == "unauthorized");
  CHECK_FALSE(verify_session(f.db, f.svc, s["accessToken"].get<std::string>()));
}

TEST_CASE("a malformed refresh token is unauthorized without touching the store") {
  IdentityFixture f(true);
  auto r = refresh_session(f.db, f.svc, f.anonymous, f.meta, "slab5_rt_nonsense");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "unauthorized");
  CHECK(f.t.count("SELECT count(*) FROM audit_events") == 0);
}

TEST_CASE("a user revokes their own session once; someone else's is resource_not_found") {
  IdentityFixture f(true);
  auto ann = sign_in(f, "ann@example.test");
  auto bob = sign_in(f, "bob@example.test");
  auto as_ann = session_actor(ann);
  auto bob_sid = bob["sessionId"].get<std::string>();
  auto other = revoke_session(f.db, as_ann, f.meta, as_ann.user_id, bob_sid, "revoked_by_user");
  REQUIRE_FALSE(other);
  CHECK(other.error().code == "resource_not_found");

  REQUIRE(revoke_session(f.db, as_ann, f.meta, as_ann.user_id, as_ann.credential_id, "logout"));
  auto twice = revoke_session(f.db, as_ann, f.meta, as_ann.user_id, as_ann.credential_id, "logout");
  REQUIRE_FALSE(twice);
  CHECK(twice.error().code == "conflict");
  CHECK(f.t.count("SELECT count(*) FROM audit_events WHERE action = 'session.revoked' AND status = 204") == 1);
  // The call was made with a session in a workspace: its usage event went in with the write.
  CHECK(f.t.count("SELECT count(*) FROM usage_events WHERE credential_type = 'session' AND status = 204") == 1);
  CHECK_FALSE(verify_session(f.db, f.svc, ann["accessToken"].get<std::string>()));
  CHECK(verify_session(f.db, f.svc, bob["accessToken"].get<std::string>()));
}

TEST_CASE("the active sessions list shows neither revoked nor other users' sessions") {
  IdentityFixture f(true);
  auto ann = sign_in(f, "ann@example.test");
  sign_in(f, "bob@example.test");
  auto as_ann = session_actor(ann);
  auto list = list_sessions(f.db, as_ann.user_id, std::nullopt, 10);
  REQUIRE(list);
  REQUIRE(list->size() == 1);
  CHECK(session_json((*list)[0], as_ann.credential_id)["current"] == true);
  REQUIRE(revoke_session(f.db, as_ann, f.meta, as_ann.user_id, as_ann.credential_id, "logout"));
  CHECK(list_sessions(f.db, as_ann.user_id, std::nullopt, 10)->empty());
}
