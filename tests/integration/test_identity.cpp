// Identity (api.md §2): registration, verification, local sessions, refresh, logout, the
// session verifier's refusals, /v1/me, and the dev mailbox.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "checks.hpp"
#include "harness.hpp"
#include "slab5/encoding.hpp"
#include "slab5/jose.hpp"

using namespace testing;

namespace {
Json post(const Server& s, const std::string& path, const Json& body, Response* out = nullptr) {
  auto r = api("POST", s.api_url + path, "", body);
  if (out) *out = r;
  return r.json;
}

// The newest mail to an address, or null.
Json last_mail(const Server& s, const std::string& to) {
  auto r = http("GET", s.api_url + "/dev/mail?to=" + slab5::url_encode(to));
  REQUIRE(r.status == 200);
  return r.json["data"].empty() ? Json(nullptr) : r.json["data"][0];
}
std::size_t mail_count(const Server& s, const std::string& to) {
  auto r = http("GET", s.api_url + "/dev/mail?to=" + slab5::url_encode(to));
  return r.json["data"].size();
}

// Reads the database from outside (for audit rows and stored columns).
std::string sql(const Server& s, const std::string& query) {
  auto r = run_sql(s.db_path, query);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

std::string register_verified(const Server& s, const std::string& email, const std::string& password) {
  Response r;
  post(s, "/auth/register", {{"email", email}, {"password", password}, {"name", "Test User"}}, &r);
  REQUIRE(r.status == 202);
  auto m = last_mail(s, email);
  REQUIRE(m.is_object());
  auto v = api("POST", s.api_url + "/auth/verify-email", "", {{"token", m["token"]}});
  REQUIRE(v.status == 200);
  return v.json["data"]["user"]["id"];
}

Response get_me(const Server& s, const std::string& token) { return api("GET", s.api_url + "/me", token); }
}  // namespace

TEST_CASE("register answers 202 and mails a verification token; login waits for verification") {
  Server s;
  Response r;
  auto body = post(s, "/auth/register", {{"email", "ann@example.test"}, {"password", "correct horse"}}, &r);
  CHECK(r.status == 202);
  CHECK(body["data"] == Json{{"status", "verification_sent"}, {"email", "ann@example.test"}});
  auto m = last_mail(s, "ann@example.test");
  REQUIRE(m.is_object());
  CHECK(m["kind"] == "verify_email");
  CHECK(m["token"].get<std::string>().size() >= 32);
  CHECK(m["link"].get<std::string>().find(m["token"].get<std::string>()) != std::string::npos);

  auto before = api("POST", s.api_url + "/auth/session", "",
                    {{"provider", "local"}, {"email", "ann@example.test"}, {"password", "correct horse"}});
  check_error(before, 403, "email_not_verified");

  auto v = api("POST", s.api_url + "/auth/verify-email", "", {{"token", m["token"]}});
  CHECK(v.status == 200);
  CHECK(v.json["data"]["user"]["email"] == "ann@example.test");
  CHECK(v.json["data"]["user"]["email_verified"] == true);
  CHECK_FALSE(v.json["data"]["user"].contains("password_hash"));

  auto session = login(s, "ann@example.test", "correct horse");
  CHECK(session["tokenType"] == "Bearer");
  CHECK(session["expiresIn"] == 3600);
  CHECK(session["refreshToken"].get<std::string>().rfind("slab5_rt_", 0) == 0);
  CHECK(session["user"]["email"] == "ann@example.test");
  CHECK(session["workspace"]["name"] == "Personal Workspace");
  CHECK(session["workspace"]["role"] == "owner");
  auto mods = session["workspace"]["enabled_modules"];
  CHECK(std::find(mods.begin(), mods.end(), "crm") != mods.end());
  CHECK(std::find(mods.begin(), mods.end(), "bi") == mods.end());

  std::string uid = v.json["data"]["user"]["id"];
  CHECK(sql(s, "SELECT count(*) FROM audit_events WHERE action = 'user.registered' AND actor_id = '" + uid + "'") ==
        "1\n");
  CHECK(sql(s, "SELECT count(*) FROM audit_events WHERE action = 'user.email_verified' AND target_id = '" + uid +
                   "'") == "1\n");
  CHECK(sql(s, "SELECT count(*) FROM audit_events WHERE action = 'session.created' AND actor_id = '" + uid + "'") ==
        "1\n");
}

TEST_CASE("a verification token works once; unknown tokens are invalid_request") {
  Server s;
  post(s, "/auth/register", {{"email", "bo@example.test"}, {"password", "password1"}});
  auto token = last_mail(s, "bo@example.test")["token"];
  CHECK(api("POST", s.api_url + "/auth/verify-email", "", {{"token", token}}).status == 200);
  check_error(api("POST", s.api_url + "/auth/verify-email", "", {{"token", token}}), 410, "token_expired");
  check_error(api("POST", s.api_url + "/auth/verify-email", "", {{"token", "nope"}}), 400, "invalid_request");
  check_error(api("POST", s.api_url + "/auth/verify-email", "", Json::object()), 422, "validation_failed");
  check_error(api("POST", s.api_url + "/auth/verify-email", "", {{"token", 12}}), 422, "validation_failed");
}

TEST_CASE("registering an existing email answers the same and mails the owner instead") {
  Server s;
  Response first, again;
  auto a = post(s, "/auth/register", {{"email", "cy@example.test"}, {"password", "password1"}}, &first);
  auto b = post(s, "/auth/register", {{"email", "CY@example.test"}, {"password", "other-password"}}, &again);
  CHECK(first.status == 202);
  CHECK(again.status == 202);
  CHECK(a["data"]["status"] == b["data"]["status"]);
  // The already-registered mail respects the one-mail-per-minute rule; the dev owner has had none.
  Response dev;
  post(s, "/auth/register", {{"email", s.owner_email}, {"password", "whatever-1"}}, &dev);
  CHECK(dev.status == 202);
  auto m = last_mail(s, s.owner_email);
  REQUIRE(m.is_object());
  CHECK(m["kind"] == "already_registered");
  CHECK(m["token"] == "");
  CHECK(sql(s, "SELECT count(*) FROM users WHERE email = 'cy@example.test'") == "1\n");
  // The existing password still works; the second one was not stored.
  check_error(api("POST", s.api_url + "/auth/session", "",
                  {{"provider", "local"}, {"email", s.owner_email}, {"password", "whatever-1"}}),
              401, "invalid_credentials");
}

TEST_CASE("register refuses missing, mistyped and invalid fields") {
  Server s;
  check_error(api("POST", s.api_url + "/auth/register", "", {{"password", "password1"}}), 422, "validation_failed");
  check_error(api("POST", s.api_url + "/auth/register", "", {{"email", "x@example.test"}}), 422, "validation_failed");
  check_error(api("POST", s.api_url + "/auth/register", "", {{"email", 5}, {"password", "password1"}}), 422,
              "validation_failed");
  auto shortpw = api("POST", s.api_url + "/auth/register", "", {{"email", "x@example.test"}, {"password", "short"}});
  check_error(shortpw, 422, "validation_failed");
  CHECK(shortpw.json["error"]["field_errors"][0]["field"] == "password");
  check_error(api("POST", s.api_url + "/auth/register", "", {{"email", "not-an-email"}, {"password", "password1"}}),
              422, "validation_failed");
  check_error(api("POST", s.api_url + "/auth/register", "",
                  {{"email", "x@example.test"}, {"password", std::string(1025, 'a')}}),
              422, "validation_failed");
  check_error(http("POST", s.api_url + "/auth/register", "{\"email\":", {{"Content-Type", "application/json"}}), 400,
              "invalid_request");
}

TEST_CASE("resend-verification is enumeration-safe and sends at most one mail a minute") {
  Server s;
  post(s, "/auth/register", {{"email", "di@example.test"}, {"password", "password1"}});
  CHECK(mail_count(s, "di@example.test") == 1);
  Response r;
  auto known = post(s, "/auth/resend-verification", {{"email", "di@example.test"}}, &r);
  CHECK(r.status == 202);
  CHECK(mail_count(s, "di@example.test") == 1);  // within 60 s of the first mail
  auto unknown = post(s, "/auth/resend-verification", {{"email", "nobody@example.test"}}, &r);
  CHECK(r.status == 202);
  CHECK(known["data"]["status"] == unknown["data"]["status"]);
  CHECK(mail_count(s, "nobody@example.test") == 0);
  // Verified addresses get no mail either.
  post(s, "/auth/resend-verification", {{"email", s.owner_email}}, &r);
  CHECK(r.status == 202);
  CHECK(mail_count(s, s.owner_email) == 0);
  check_error(api("POST", s.api_url + "/auth/resend-verification", "", Json::object()), 422, "validation_failed");
  // Once the minute has passed, another mail goes out (moved back in the database).
  sql(s, "UPDATE mail_throttle SET last_sent_ms = last_sent_ms - 61000");
  post(s, "/auth/resend-verification", {{"email", "di@example.test"}}, &r);
  CHECK(mail_count(s, "di@example.test") == 2);
}

TEST_CASE("--auto-verify lets a new account sign in at once") {
  Server s({.args = {"--auto-verify"}});
  Response r;
  post(s, "/auth/register", {{"email", "ed@example.test"}, {"password", "password1"}}, &r);
  CHECK(r.status == 202);
  auto session = login(s, "ed@example.test", "password1");
  CHECK(session["user"]["email_verified"] == true);
}

TEST_CASE("unknown email and wrong password get one and the same answer") {
  Server s;
  auto wrong = api("POST", s.api_url + "/auth/session", "",
                   {{"provider", "local"}, {"email", s.owner_email}, {"password", "wrong-password"}});
  auto unknown = api("POST", s.api_url + "/auth/session", "",
                     {{"provider", "local"}, {"email", "ghost@example.test"}, {"password", "wrong-password"}});
  check_error(wrong, 401, "invalid_credentials");
  check_error(unknown, 401, "invalid_credentials");
  CHECK(wrong.json["error"]["message"] == unknown.json["error"]["message"]);
  CHECK(sql(s, "SELECT count(*) FROM audit_events WHERE action = 'session.failed'") == "2\n");
  // The audit row never holds the attempted password.
  CHECK(sql(s, "SELECT count(*) FROM audit_events WHERE after_json LIKE '%wrong-password%'") == "0\n");
}

TEST_CASE("an unknown email costs about as much time as a wrong password") {
  // The default (OWASP) cost, so hashing dominates the request time.
  Server s({.test_password_cost = false});
  auto timed = [&](const std::string& email) {
    auto start = std::chrono::steady_clock::now();
    auto r = api("POST", s.api_url + "/auth/session", "",
                 {{"provider", "local"}, {"email", email}, {"password", "wrong-password"}});
    CHECK(r.status == 401);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  timed("warm-up@example.test");  // the dummy hash is made on first need
  std::vector<double> wrong, unknown;
  for (int i = 0; i < 3; ++i) {
    wrong.push_back(timed(s.owner_email));
    unknown.push_back(timed("nobody-" + std::to_string(i) + "@example.test"));
  }
  std::sort(wrong.begin(), wrong.end());
  std::sort(unknown.begin(), unknown.end());
  double ratio = unknown[1] / wrong[1];
  CAPTURE(wrong[1]);
  CAPTURE(unknown[1]);
  CHECK(ratio > 0.4);
  CHECK(ratio < 2.5);
}

TEST_CASE("login refuses missing and mistyped fields and unknown providers") {
  Server s;
  check_error(api("POST", s.api_url + "/auth/session", "", {{"email", s.owner_email}, {"password", "x"}}), 422,
              "validation_failed");
  check_error(api("POST", s.api_url + "/auth/session", "", {{"provider", "local"}, {"email", s.owner_email}}), 422,
              "validation_failed");
  check_error(api("POST", s.api_url + "/auth/session", "",
                  {{"provider", "local"}, {"email", s.owner_email}, {"password", 1234}}),
              422, "validation_failed");
  check_error(api("POST", s.api_url + "/auth/session", "", {{"provider", "github"}}), 422, "validation_failed");
  check_error(api("POST", s.api_url + "/auth/session", "",
                  {{"provider", "local"},
                   {"email", s.owner_email},
                   {"password", s.owner_password},
                   {"workspaceId", "wrk_00000000000000000000000000"}}),
              404, "workspace_not_found");
  check_error(http("POST", s.api_url + "/auth/session", "provider=local", {{"Content-Type", "text/plain"}}), 415,
              "unsupported_media_type");
}

TEST_CASE("five failures throttle the email with a growing retry_after_seconds") {
  Server s;
  Json wrong = {{"provider", "local"}, {"email", s.owner_email}, {"password", "wrong-password"}};
  for (int i = 0; i < 5; ++i)
    check_error(api("POST", s.api_url + "/auth/session", "", wrong), 401, "invalid_credentials");
  auto sixth = api("POST", s.api_url + "/auth/session", "", wrong);
  check_error(sixth, 429, "too_many_attempts");
  auto first_wait = sixth.json["error"]["retry_after_seconds"].get<int>();
  CHECK(first_wait > 0);
  CHECK(sixth.header("Retry-After") == std::to_string(first_wait));
  // Even the right password waits, and the wait grows.
  auto right = api("POST", s.api_url + "/auth/session", "",
                   {{"provider", "local"}, {"email", s.owner_email}, {"password", s.owner_password}});
  check_error(right, 429, "too_many_attempts");
  CHECK(right.json["error"]["retry_after_seconds"].get<int>() > first_wait);
  // Other addresses are not affected.
  register_verified(s, "fay@example.test", "password1");
  CHECK(login(s, "fay@example.test", "password1")["user"]["email"] == "fay@example.test");
  // No permanent lock-out: once the failures leave the 15-minute window, sign-in works.
  sql(s, "UPDATE login_failures SET at_ms = at_ms - 16 * 60 * 1000");
  CHECK(login(s, s.owner_email, s.owner_password)["user"]["email"] == s.owner_email);
}

TEST_CASE("a password hashed with other parameters is re-hashed on login") {
  Server s;
  auto old_hash = sql(s, "SELECT password_hash FROM users WHERE email = '" + s.owner_email + "'");
  CHECK(old_hash.find("m=1024,t=1,p=1") != std::string::npos);
  s.stop();
  // The same database under the default cost: the next login upgrades the stored hash.
  Server again({.db = s.db_path, .test_password_cost = false});
  login(again, s.owner_email, s.owner_password);
  auto new_hash = sql(again, "SELECT password_hash FROM users WHERE email = '" + s.owner_email + "'");
  CHECK(new_hash.find("m=19456,t=2,p=1") != std::string::npos);
  CHECK(login(again, s.owner_email, s.owner_password)["user"]["email"] == s.owner_email);
}

TEST_CASE("the access token is an ES256 JWT that the published JWKS verifies") {
  Server s;
  auto session = login(s, s.owner_email, s.owner_password, s.workspace_id);
  std::string token = session["accessToken"];
  auto jwks = http("GET", s.base_url + "/.well-known/jwks.json");
  CHECK(jwks.status == 200);
  CHECK(jwks.header("Cache-Control").find("max-age") != std::string::npos);
  auto keys = slab5::jose::parse_jwks(jwks.body);
  REQUIRE(keys);
  REQUIRE(keys->size() == 1);
  CHECK_FALSE(jwks.body.find("\"d\"") != std::string::npos);
  std::array<std::string_view, 1> algs{slab5::jose::kES256};
  auto v = slab5::jose::verify(
      token,
      [&](const std::string& kid) -> std::optional<slab5::jose::Key> {
        for (auto& k : *keys)
          if (k.kid == kid) return k;
        return std::nullopt;
      },
      algs);
  REQUIRE(v);
  CHECK(v->header["alg"] == "ES256");
  CHECK(v->claims["iss"] == s.base_url);
  CHECK(v->claims["sub"] == session["user"]["id"]);
  CHECK(v->claims["sid"].get<std::string>().rfind("ses_", 0) == 0);
  CHECK(v->claims["typ"] == "session");
  CHECK(v->claims["exp"].get<long>() - v->claims["iat"].get<long>() == 3600);
  // The key survives a restart: the old token still works on the same database.
  s.stop();
  Server again({.db = s.db_path});
  CHECK(get_me(again, token).status == 200);
  CHECK(http("GET", again.base_url + "/.well-known/jwks.json").body == jwks.body);
}

TEST_CASE("tampered, alg-none, HMAC and unknown-kid tokens are refused") {
  Server s;
  std::string token = login(s, s.owner_email, s.owner_password)["accessToken"];
  CHECK(get_me(s, token).status == 200);
  auto a = token.find('.'), b = token.rfind('.');
  auto claims = Json::parse(*slab5::base64url_decode(token.substr(a + 1, b - a - 1)));
  auto header = Json::parse(*slab5::base64url_decode(token.substr(0, a)));
  claims["sub"] = "usr_00000000000000000000000000";
  std::string forged_payload = slab5::base64url_encode(claims.dump());
  check_error(get_me(s, token.substr(0, a + 1) + forged_payload + token.substr(b)), 401, "unauthorized");
  Json none_header = {{"alg", "none"}, {"kid", header["kid"]}, {"typ", "JWT"}};
  auto none = slab5::base64url_encode(none_header.dump()) + "." + token.substr(a + 1, b - a - 1) + ".";
  auto r = get_me(s, none);
  check_error(r, 401, "unauthorized");
  CHECK(r.json["error"]["message"].get<std::string>().find("none") != std::string::npos);
  Json hs_header = {{"alg", "HS256"}, {"kid", header["kid"]}, {"typ", "JWT"}};
  auto hs =
      slab5::base64url_encode(hs_header.dump()) + "." + token.substr(a + 1, b - a - 1) + "." + token.substr(b + 1);
  check_error(get_me(s, hs), 401, "unauthorized");
  auto other_key = slab5::jose::generate(slab5::jose::kES256);
  check_error(get_me(s, slab5::jose::sign(other_key, claims)), 401, "unauthorized");
  auto same_kid = slab5::jose::sign_with_header(other_key, {{"alg", "ES256"}, {"kid", header["kid"]}}, claims);
  check_error(get_me(s, same_kid), 401, "unauthorized");
  check_error(get_me(s, "eyJub3QiOiJhIGp3dCJ9"), 401, "unauthorized");
}

TEST_CASE("an expired access token is refused") {
  // Two seconds, not one: token times are whole seconds, so a token made late in a second with
  // a one-second lifetime can expire within milliseconds, before the check that it works.
  Server s({.args = {"--session-ttl", "2s"}});
  auto session = login(s, s.owner_email, s.owner_password);
  CHECK(session["expiresIn"] == 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(3100));
  auto r = get_me(s, session["accessToken"]);
  check_error(r, 401, "unauthorized");
  CHECK(r.json["error"]["message"].get<std::string>().find("expired") != std::string::npos);
  // The refresh token still brings a fresh one.
  auto fresh = api("POST", s.api_url + "/auth/refresh", "", {{"refreshToken", session["refreshToken"]}});
  CHECK(fresh.status == 200);
  CHECK(get_me(s, fresh.json["data"]["accessToken"]).status == 200);
}

TEST_CASE("refresh rotates the refresh token; reusing a rotated one revokes the session") {
  Server s;
  auto first = login(s, s.owner_email, s.owner_password, s.workspace_id);
  auto r1 = api("POST", s.api_url + "/auth/refresh", "", {{"refreshToken", first["refreshToken"]}});
  REQUIRE(r1.status == 200);
  auto second = r1.json["data"];
  CHECK(second["refreshToken"] != first["refreshToken"]);
  CHECK(second["workspace"]["id"] == s.workspace_id);
  CHECK(second["sessionId"] == first["sessionId"]);
  CHECK(get_me(s, second["accessToken"]).status == 200);
  // The old refresh token comes back: the whole session ends.
  auto reuse = api("POST", s.api_url + "/auth/refresh", "", {{"refreshToken", first["refreshToken"]}});
  check_error(reuse, 401, "unauthorized");
  check_error(get_me(s, second["accessToken"]), 401, "unauthorized");
  check_error(api("POST", s.api_url + "/auth/refresh", "", {{"refreshToken", second["refreshToken"]}}), 401,
              "unauthorized");
  CHECK(sql(s, "SELECT count(*) FROM audit_events WHERE action = 'session.revoked' AND target_id = '" +
                   second["sessionId"].get<std::string>() + "'") == "1\n");
  check_error(api("POST", s.api_url + "/auth/refresh", "", {{"refreshToken", "slab5_rt_nonsense"}}), 401,
              "unauthorized");
  check_error(api("POST", s.api_url + "/auth/refresh", "", Json::object()), 422, "validation_failed");
}

TEST_CASE("logout revokes the session at once, even with an unexpired token") {
  Server s;
  auto session = login(s, s.owner_email, s.owner_password);
  std::string token = session["accessToken"];
  auto ws = api("GET", s.api_url + "/workspace", token, nullptr, {{"x-workspace-id", s.workspace_id}});
  CHECK(ws.status == 200);
  CHECK(api("DELETE", s.api_url + "/auth/session", token).status == 204);
  check_error(get_me(s, token), 401, "unauthorized");
  check_error(api("GET", s.api_url + "/workspace", token, nullptr, {{"x-workspace-id", s.workspace_id}}), 401,
              "unauthorized");
  check_error(api("POST", s.api_url + "/auth/refresh", "", {{"refreshToken", session["refreshToken"]}}), 401,
              "unauthorized");
  check_error(api("DELETE", s.api_url + "/auth/session", ""), 401, "unauthorized");
  // An API key is not a session.
  check_error(api("DELETE", s.api_url + "/auth/session", s.token), 403, "forbidden");
}

TEST_CASE("sessions can be listed and revoked one by one, only one's own") {
  Server s;
  auto a = login(s, s.owner_email, s.owner_password);
  auto b = login(s, s.owner_email, s.owner_password);
  auto list = api("GET", s.api_url + "/auth/sessions", a["accessToken"], nullptr, {{"User-Agent", "test-agent/1"}});
  REQUIRE(list.status == 200);
  REQUIRE(list.json["data"].size() == 2);
  for (auto& row : list.json["data"]) {
    CHECK(row.contains("created_at"));
    CHECK(row.contains("last_used_at"));
    CHECK(row.contains("user_agent"));
    CHECK(row["ip"] == "127.0.0.1");
    CHECK(row["current"] == (row["id"] == a["sessionId"]));
  }
  auto page = api("GET", s.api_url + "/auth/sessions?limit=1", a["accessToken"]);
  CHECK(page.json["data"].size() == 1);
  REQUIRE(page.json.contains("next_cursor"));
  auto rest = api("GET", s.api_url + "/auth/sessions?limit=1&cursor=" + page.json["next_cursor"].get<std::string>(),
                  a["accessToken"]);
  CHECK(rest.json["data"].size() == 1);
  CHECK_FALSE(rest.json.contains("next_cursor"));

  std::string bid = b["sessionId"];
  CHECK(api("DELETE", s.api_url + "/auth/sessions/" + bid, a["accessToken"]).status == 204);
  check_error(get_me(s, b["accessToken"]), 401, "unauthorized");
  CHECK(get_me(s, a["accessToken"]).status == 200);
  check_error(api("DELETE", s.api_url + "/auth/sessions/" + bid, a["accessToken"]), 409, "conflict");
  check_error(api("DELETE", s.api_url + "/auth/sessions/ses_00000000000000000000000000", a["accessToken"]), 404,
              "resource_not_found");
  // Another user's session is not found, not revoked.
  auto m = add_member(s, "member");
  check_error(api("DELETE", s.api_url + "/auth/sessions/" + a["sessionId"].get<std::string>(), m.access_token), 404,
              "resource_not_found");
  CHECK(get_me(s, a["accessToken"]).status == 200);
  check_error(api("GET", s.api_url + "/auth/sessions", s.token), 403, "forbidden");
}

TEST_CASE("GET /v1/me returns the user and their memberships") {
  Server s;
  auto session = login(s, s.owner_email, s.owner_password);
  auto me = get_me(s, session["accessToken"]);
  REQUIRE(me.status == 200);
  CHECK(me.json["data"]["user"]["email"] == s.owner_email);
  REQUIRE(me.json["data"]["memberships"].size() == 1);
  CHECK(me.json["data"]["memberships"][0]["role"] == "owner");
  CHECK(me.json["data"]["memberships"][0]["workspace"]["id"] == s.workspace_id);
  check_error(get_me(s, ""), 401, "unauthorized");
}

TEST_CASE("GET /v1/me tells an API key its own id, name, prefix, scopes, workspace and expiry, never its secret") {
  Server s;
  auto created = api("POST", s.api_url + "/workspace/api-keys", s.token,
                     {{"name", "auditor"}, {"scopes", {"audit:read"}}, {"expires_at", "2099-01-01T00:00:00Z"}});
  REQUIRE(created.status == 201);
  std::string secret = created.json["data"]["secret"];
  // No x-workspace-id needed, and no settings:admin.
  auto me = get_me(s, secret);
  REQUIRE(me.status == 200);
  const auto& c = me.json["data"]["credential"];
  CHECK(c["type"] == "api_key");
  CHECK(c["id"] == created.json["data"]["id"]);
  CHECK(c["name"] == "auditor");
  CHECK(c["prefix"] == created.json["data"]["prefix"]);
  CHECK(c["scopes"] == Json::array({"audit:read"}));
  CHECK(c["workspace_id"] == s.workspace_id);
  CHECK(c["expires_at"].get<std::string>().rfind("2099-01-01T00:00:00", 0) == 0);
  CHECK(me.body.find(secret) == std::string::npos);
  CHECK(!me.json["data"].contains("user"));
  // The first-start key never expires.
  CHECK(get_me(s, s.token).json["data"]["credential"]["expires_at"].is_null());
  // Revoked keys are refused like anywhere else.
  REQUIRE(api("POST", s.api_url + "/workspace/api-keys/" + c["id"].get<std::string>() + "/revoke", s.token).status ==
          200);
  check_error(get_me(s, secret), 401, "unauthorized");
}

TEST_CASE("GET /v1/me answers an MCP client token about itself; other REST routes still refuse it") {
  Server s;
  auto created =
      api("POST", s.api_url + "/workspace/mcp-clients", s.token, {{"name", "agent"}, {"scopes", {"crm:read"}}});
  REQUIRE(created.status == 201);
  std::string secret = created.json["data"]["secret"];
  auto me = get_me(s, secret);
  REQUIRE(me.status == 200);
  CHECK(me.json["data"]["credential"]["type"] == "mcp_client");
  CHECK(me.json["data"]["credential"]["id"] == created.json["data"]["id"]);
  CHECK(me.json["data"]["credential"]["scopes"] == Json::array({"crm:read"}));
  CHECK(me.json["data"]["credential"]["workspace_id"] == s.workspace_id);
  CHECK_FALSE(me.json["data"]["credential"].contains("secret"));
  check_error(api("GET", s.api_url + "/workspace", secret), 401, "unauthorized");
  check_error(api("GET", s.api_url + "/contacts", secret), 401, "unauthorized");
}

TEST_CASE("a session on workspace routes needs x-workspace-id naming one of its memberships") {
  Server s;
  std::string token = login(s, s.owner_email, s.owner_password)["accessToken"];
  check_error(api("GET", s.api_url + "/workspace", token), 400, "workspace_header_required");
  check_error(
      api("GET", s.api_url + "/workspace", token, nullptr, {{"x-workspace-id", "wrk_00000000000000000000000000"}}), 404,
      "workspace_not_found");
  register_verified(s, "gil@example.test", "password1");
  auto gil = login(s, "gil@example.test", "password1");
  std::string gil_ws = gil["workspace"]["id"];
  check_error(api("GET", s.api_url + "/workspace", token, nullptr, {{"x-workspace-id", gil_ws}}), 404,
              "workspace_not_found");
  auto own = api("GET", s.api_url + "/workspace", gil["accessToken"], nullptr, {{"x-workspace-id", gil_ws}});
  CHECK(own.status == 200);
  CHECK(own.json["data"]["id"] == gil_ws);
}

TEST_CASE("no token, password or key material is stored in clear") {
  Server s;
  auto session = login(s, s.owner_email, s.owner_password);
  auto refreshed = api("POST", s.api_url + "/auth/refresh", "", {{"refreshToken", session["refreshToken"]}});
  REQUIRE(refreshed.status == 200);
  s.stop();
  std::string db = stored_bytes(s.db_path);
  for (std::string secret : {session["refreshToken"].get<std::string>(), session["accessToken"].get<std::string>(),
                             refreshed.json["data"]["refreshToken"].get<std::string>(), s.owner_password})
    CHECK(db.find(secret) == std::string::npos);
  CHECK(db.find("BEGIN ENCRYPTED PRIVATE KEY") != std::string::npos);
  CHECK(db.find("BEGIN PRIVATE KEY") == std::string::npos);
}

TEST_CASE("the dev mailbox filters by address and can be emptied") {
  Server s;
  post(s, "/auth/register", {{"email", "hal@example.test"}, {"password", "password1"}});
  post(s, "/auth/register", {{"email", "ivy@example.test"}, {"password", "password1"}});
  auto all = http("GET", s.api_url + "/dev/mail");
  CHECK(all.json["data"].size() == 2);
  CHECK(all.json["data"][0]["to"] == "ivy@example.test");  // newest first
  for (const char* f : {"id", "to", "subject", "kind", "token", "link", "created_at"})
    CHECK(all.json["data"][0].contains(f));
  CHECK(mail_count(s, "hal@example.test") == 1);
  CHECK(http("DELETE", s.api_url + "/dev/mail").status == 204);
  CHECK(http("GET", s.api_url + "/dev/mail").json["data"].empty());
  Server off({.args = {"--no-dev-routes"}});
  CHECK(http("GET", off.api_url + "/dev/mail").status == 404);
}

TEST_CASE("without the dev routes no verification token is kept in the database") {
  Server off({.args = {"--no-dev-routes"}});
  CHECK(http("POST", off.api_url + "/auth/register",
             Json{{"email", "kit@example.test"}, {"password", "password1"}}.dump(),
             {{"Content-Type", "application/json"}})
            .status == 202);
  auto rows = run_sql(off.db_path, "SELECT kind || '|' || token || '|' || link FROM mail");
  CHECK(rows.exit_code == 0);
  CHECK(rows.out == "verify_email||\n");
}
