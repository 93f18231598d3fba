// server/domain/identity_login: the throttling schedule, and the local sign-in rule.
#include "domain/identity_login.hpp"

#include <doctest/doctest.h>

#include "domain/identity.hpp"
#include "identity_fixture.hpp"

using slab5d::throttle_delay_ms;

TEST_CASE("sign-in throttling starts at the fifth failure, doubles, and is capped") {
  CHECK(throttle_delay_ms(0) == 0);
  CHECK(throttle_delay_ms(4) == 0);
  CHECK(throttle_delay_ms(5) == 30000);
  CHECK(throttle_delay_ms(6) == 60000);
  CHECK(throttle_delay_ms(7) == 120000);
  CHECK(throttle_delay_ms(9) == 480000);
  CHECK(throttle_delay_ms(10) == 15 * 60 * 1000);
  CHECK(throttle_delay_ms(1000) == 15 * 60 * 1000);
}

// ---- the sign-in rule, called with an Actor and typed input against a temp database ------

namespace {
using slab5d::testing::IdentityFixture;

void make_account(IdentityFixture& f, bool verify = true) {
  REQUIRE(
      slab5d::register_account(f.db, f.svc, f.anonymous, f.meta,
                               {.email = "sam@example.test", .password_hash = f.hash("right password"), .name = ""}));
  if (verify) REQUIRE(slab5d::verify_email(f.db, f.anonymous, f.meta, f.mailed_token("sam@example.test")));
}

slab5d::LocalLogin attempt(std::string password) {
  return {.email = "sam@example.test", .password = std::move(password), .workspace_id = std::nullopt};
}
}  // namespace

TEST_CASE("the right password starts a session in the personal workspace, recorded as session.created") {
  IdentityFixture f;
  make_account(f);
  auto s = slab5d::local_login(f.db, f.svc, f.anonymous, f.meta, attempt("right password"));
  REQUIRE(s);
  CHECK((*s)["tokenType"] == "Bearer");
  CHECK((*s)["workspace"]["role"] == "owner");
  auto claims = slab5d::verify_session(f.db, f.svc, (*s)["accessToken"].get<std::string>());
  REQUIRE(claims);
  CHECK(claims->session_id == (*s)["sessionId"]);
  CHECK(f.t.count("SELECT count(*) FROM sessions WHERE user_agent = 'unit/1' AND ip = '127.0.0.1'") == 1);
  CHECK(f.t.count("SELECT count(*) FROM audit_events WHERE action = 'session.created' AND actor_type = 'user' "
                  "AND workspace_id IS NOT NULL AND status = 200") == 1);
}

TEST_CASE("a wrong password and an unknown email get one answer, each recorded as session.failed") {
  IdentityFixture f;
  make_account(f);
  auto wrong = slab5d::local_login(f.db, f.svc, f.anonymous, f.meta, attempt("wrong password"));
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().code == "invalid_credentials");
  auto unknown = slab5d::local_login(f.db, f.svc, f.anonymous, f.meta,
                                     {.email = "nobody@example.test", .password = "whatever1", .workspace_id = {}});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == "invalid_credentials");
  CHECK(f.t.count("SELECT count(*) FROM audit_events WHERE action = 'session.failed' AND status = 401") == 2);
  CHECK(f.t.count("SELECT count(*) FROM audit_events WHERE action = 'session.failed' AND actor_id = 'anonymous'") == 1);
}

TEST_CASE("after five failures the next attempt is too_many_attempts with retry_after_seconds on the error") {
  IdentityFixture f;
  make_account(f);
  for (int i = 0; i < slab5d::kFreeFailures; ++i)
    REQUIRE(slab5d::local_login(f.db, f.svc, f.anonymous, f.meta, attempt("wrong password")).error().code ==
            "invalid_credentials");
  auto throttled = slab5d::local_login(f.db, f.svc, f.anonymous, f.meta, attempt("right password"));
  REQUIRE_FALSE(throttled);
  CHECK(throttled.error().code == "too_many_attempts");
  REQUIRE(throttled.error().retry_after_seconds);
  CHECK(*throttled.error().retry_after_seconds == slab5d::throttle_delay_ms(slab5d::kFreeFailures + 1) / 1000);
  CHECK(slab5::error_envelope(throttled.error(), "req")["error"]["retry_after_seconds"] == 60);
  CHECK(f.t.count("SELECT count(*) FROM audit_events WHERE action = 'session.failed' AND status = 429") == 1);
}

TEST_CASE("an unverified account cannot sign in with its password") {
  IdentityFixture f;
  make_account(f, false);
  auto s = slab5d::local_login(f.db, f.svc, f.anonymous, f.meta, attempt("right password"));
  REQUIRE_FALSE(s);
  CHECK(s.error().code == "email_not_verified");
  CHECK(f.t.count("SELECT count(*) FROM sessions") == 0);
}

TEST_CASE("a workspace the user is not a member of is workspace_not_found, and no session is made") {
  IdentityFixture f;
  make_account(f);
  auto s = slab5d::local_login(
      f.db, f.svc, f.anonymous, f.meta,
      {.email = "sam@example.test", .password = "right password", .workspace_id = "wrk_01jabcdefghjkmnpqrstvwxyz0"});
  REQUIRE_FALSE(s);
  CHECK(s.error().code == "workspace_not_found");
  CHECK(f.t.count("SELECT count(*) FROM sessions") == 0);
}
