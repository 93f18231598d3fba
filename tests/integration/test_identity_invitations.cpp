// Invitations (api.md §4) and accept-invite (api.md §2.2), with the role rules.
#include <doctest/doctest.h>

#include "checks.hpp"
#include "harness.hpp"

using namespace testing;

namespace {
std::string sql(const Server& s, const std::string& query) {
  auto r = run_sql(s.db_path, query);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

struct Fixture {
  Server s;
  std::string owner;  // the dev owner's access token
  Fixture() { owner = login(s, s.owner_email, s.owner_password, s.workspace_id)["accessToken"]; }
  std::vector<std::pair<std::string, std::string>> ws() const { return {{"x-workspace-id", s.workspace_id}}; }
  Response invite(const std::string& token, const Json& body, bool session = true) {
    return api("POST", s.api_url + "/workspace/invitations", token, body,
               session ? ws() : std::vector<std::pair<std::string, std::string>>{});
  }
  std::string mailed_token(const std::string& to) {
    auto r = http("GET", s.api_url + "/dev/mail?to=" + slab5::url_encode(to));
    REQUIRE(r.json["data"].size() >= 1);
    CHECK(r.json["data"][0]["kind"] == "invitation");
    return r.json["data"][0]["token"];
  }
};
}  // namespace

TEST_CASE("an owner invites by email; the response has no token and the mail has one") {
  Fixture f;
  auto r = f.invite(f.owner, {{"email", "new@example.test"}, {"role", "member"}});
  REQUIRE(r.status == 201);
  auto inv = r.json["data"];
  CHECK(inv["id"].get<std::string>().rfind("inv_", 0) == 0);
  CHECK(inv["email"] == "new@example.test");
  CHECK(inv["role"] == "member");
  CHECK(inv["status"] == "pending");
  CHECK(inv["workspace_id"] == f.s.workspace_id);
  CHECK(inv["invited_by"]["type"] == "user");
  CHECK_FALSE(inv.contains("token"));
  CHECK(r.body.find(f.mailed_token("new@example.test")) == std::string::npos);
  CHECK(sql(f.s, "SELECT count(*) FROM audit_events WHERE action = 'member.invited' AND target_id = '" +
                     inv["id"].get<std::string>() + "'") == "1\n");

  auto list = api("GET", f.s.api_url + "/workspace/invitations", f.owner, nullptr, f.ws());
  REQUIRE(list.status == 200);
  REQUIRE(list.json["data"].size() == 1);
  CHECK(list.json["data"][0]["id"] == inv["id"]);
}

TEST_CASE("accepting creates the account, adds the membership and returns a session") {
  Fixture f;
  auto inv = f.invite(f.owner, {{"email", "joy@example.test"}, {"role", "agent"}});
  REQUIRE(inv.status == 201);
  auto token = f.mailed_token("joy@example.test");
  auto nopw = api("POST", f.s.api_url + "/auth/accept-invite", "", {{"token", token}});
  check_error(nopw, 422, "validation_failed");
  CHECK(nopw.json["error"]["field_errors"][0]["field"] == "password");
  check_error(api("POST", f.s.api_url + "/auth/accept-invite", "", {{"token", token}, {"password", "short"}}), 422,
              "validation_failed");

  auto ok = api("POST", f.s.api_url + "/auth/accept-invite", "",
                {{"token", token}, {"password", "joy-password"}, {"name", "Joy"}});
  REQUIRE(ok.status == 200);
  auto d = ok.json["data"];
  CHECK(d["workspace"]["id"] == f.s.workspace_id);
  CHECK(d["workspace"]["role"] == "agent");
  CHECK(d["user"]["email"] == "joy@example.test");
  CHECK(d["user"]["name"] == "Joy");
  CHECK(d["user"]["email_verified"] == true);
  // The session acts with the agent's scopes: module routes yes, settings:admin no.
  auto denied = api("GET", f.s.api_url + "/workspace/invitations", d["accessToken"], nullptr, f.ws());
  check_error(denied, 403, "missing_required_scope");
  CHECK(denied.json["error"]["required_scope"] == "settings:admin");
  CHECK(api("GET", f.s.api_url + "/workspace", d["accessToken"], nullptr, f.ws()).status == 200);
  // The new account signs in with its password.
  CHECK(login(f.s, "joy@example.test", "joy-password", f.s.workspace_id)["workspace"]["role"] == "agent");
  // Single use.
  check_error(api("POST", f.s.api_url + "/auth/accept-invite", "", {{"token", token}, {"password", "joy-password"}}),
              410, "token_expired");
  check_error(api("POST", f.s.api_url + "/auth/accept-invite", "", {{"token", "unknown"}}), 400, "invalid_request");
  check_error(api("POST", f.s.api_url + "/auth/accept-invite", "", {{"token", 7}}), 422, "validation_failed");
  auto list = api("GET", f.s.api_url + "/workspace/invitations?status=accepted", f.owner, nullptr, f.ws());
  REQUIRE(list.json["data"].size() == 1);
  CHECK(list.json["data"][0]["status"] == "accepted");
  CHECK(sql(f.s, "SELECT count(*) FROM audit_events WHERE action = 'invitation.accepted'") == "1\n");
  CHECK(sql(f.s, "SELECT count(*) FROM audit_events WHERE action = 'user.registered' AND actor_id = '" +
                     d["user"]["id"].get<std::string>() + "'") == "1\n");
}

TEST_CASE("an existing account accepts without a password and keeps its own workspace") {
  Fixture f;
  api("POST", f.s.api_url + "/auth/register", "", {{"email", "kim@example.test"}, {"password", "kim-password"}});
  auto vt = http("GET", f.s.api_url + "/dev/mail?to=kim%40example.test").json["data"][0]["token"];
  REQUIRE(api("POST", f.s.api_url + "/auth/verify-email", "", {{"token", vt}}).status == 200);
  REQUIRE(f.invite(f.owner, {{"email", "kim@example.test"}, {"role", "readonly"}}).status == 201);
  auto ok = api("POST", f.s.api_url + "/auth/accept-invite", "", {{"token", f.mailed_token("kim@example.test")}});
  REQUIRE(ok.status == 200);
  CHECK(ok.json["data"]["workspace"]["role"] == "readonly");
  auto me = api("GET", f.s.api_url + "/me", ok.json["data"]["accessToken"]);
  CHECK(me.json["data"]["memberships"].size() == 2);
  // Without workspaceId, sign-in still lands in the personal workspace.
  CHECK(login(f.s, "kim@example.test", "kim-password")["workspace"]["name"] == "Personal Workspace");
  // Inviting a member again is a conflict.
  check_error(f.invite(f.owner, {{"email", "kim@example.test"}, {"role", "member"}}), 409, "conflict");
}

TEST_CASE("add_member gives a working session with the requested role") {
  Fixture f;
  auto m = add_member(f.s, "admin");
  CHECK(m.user_id.rfind("usr_", 0) == 0);
  CHECK_FALSE(m.refresh_token.empty());
  CHECK(api("GET", f.s.api_url + "/workspace/invitations", m.access_token, nullptr, f.ws()).status == 200);
  CHECK(login(f.s, m.email, m.password, f.s.workspace_id)["workspace"]["role"] == "admin");
}

TEST_CASE("only an owner may invite or revoke an owner invitation") {
  Fixture f;
  auto admin = add_member(f.s, "admin");
  auto r = f.invite(admin.access_token, {{"email", "boss@example.test"}, {"role", "owner"}});
  check_error(r, 403, "forbidden");
  CHECK(r.json["error"]["required_role"] == "owner");
  // The first-start API key holds settings:admin but is not an owner.
  auto key = f.invite(f.s.token, {{"email", "boss@example.test"}, {"role", "owner"}}, false);
  check_error(key, 403, "forbidden");
  CHECK(key.json["error"]["required_role"] == "owner");
  auto own = f.invite(f.owner, {{"email", "boss@example.test"}, {"role", "owner"}});
  REQUIRE(own.status == 201);
  std::string id = own.json["data"]["id"];
  check_error(api("DELETE", f.s.api_url + "/workspace/invitations/" + id, admin.access_token, nullptr, f.ws()), 403,
              "forbidden");
  CHECK(api("DELETE", f.s.api_url + "/workspace/invitations/" + id, f.owner, nullptr, f.ws()).status == 204);
  // Admins and API keys may invite the other roles.
  CHECK(f.invite(admin.access_token, {{"email", "a1@example.test"}, {"role", "admin"}}).status == 201);
  auto by_key = f.invite(f.s.token, {{"email", "a2@example.test"}, {"role", "member"}}, false);
  REQUIRE(by_key.status == 201);
  CHECK(by_key.json["data"]["invited_by"]["type"] == "api_key");
}

TEST_CASE("members without settings:admin may not list, invite or revoke") {
  Fixture f;
  auto m = add_member(f.s, "member");
  std::vector<Response> refused = {api("GET", f.s.api_url + "/workspace/invitations", m.access_token, nullptr, f.ws()),
                                   f.invite(m.access_token, {{"email", "x@example.test"}, {"role", "member"}}),
                                   api("DELETE", f.s.api_url + "/workspace/invitations/inv_00000000000000000000000000",
                                       m.access_token, nullptr, f.ws())};
  for (const auto& r : refused) {
    check_error(r, 403, "missing_required_scope");
    CHECK(r.json["error"]["required_scope"] == "settings:admin");
  }
  check_error(api("GET", f.s.api_url + "/workspace/invitations", ""), 401, "unauthorized");
  check_error(api("GET", f.s.api_url + "/workspace/invitations", f.owner), 400, "workspace_header_required");
}

TEST_CASE("invitation input is validated") {
  Fixture f;
  auto r = f.invite(f.owner, {{"email", "nope"}, {"role", "emperor"}});
  check_error(r, 422, "validation_failed");
  CHECK(r.json["error"]["field_errors"].size() == 2);
  check_error(f.invite(f.owner, {{"role", "member"}}), 422, "validation_failed");
  check_error(f.invite(f.owner, {{"email", "ok@example.test"}, {"role", 3}}), 422, "validation_failed");
  REQUIRE(f.invite(f.owner, {{"email", "ok@example.test"}, {"role", "member"}}).status == 201);
  check_error(f.invite(f.owner, {{"email", "ok@example.test"}, {"role", "admin"}}), 409, "conflict");
  check_error(f.invite(f.owner, {{"email", f.s.owner_email}, {"role", "admin"}}), 409, "conflict");
  check_error(api("GET", f.s.api_url + "/workspace/invitations?status=weird", f.owner, nullptr, f.ws()), 400,
              "invalid_request");
}

TEST_CASE("a revoked invitation cannot be accepted or revoked again") {
  Fixture f;
  auto inv = f.invite(f.owner, {{"email", "lou@example.test"}, {"role", "member"}});
  std::string id = inv.json["data"]["id"];
  auto token = f.mailed_token("lou@example.test");
  CHECK(api("DELETE", f.s.api_url + "/workspace/invitations/" + id, f.owner, nullptr, f.ws()).status == 204);
  check_error(api("DELETE", f.s.api_url + "/workspace/invitations/" + id, f.owner, nullptr, f.ws()), 409, "conflict");
  check_error(
      api("DELETE", f.s.api_url + "/workspace/invitations/inv_00000000000000000000000000", f.owner, nullptr, f.ws()),
      404, "resource_not_found");
  check_error(api("POST", f.s.api_url + "/auth/accept-invite", "", {{"token", token}, {"password", "lou-password"}}),
              410, "token_expired");
  CHECK(sql(f.s, "SELECT count(*) FROM audit_events WHERE action = 'invitation.revoked' AND target_id = '" + id +
                     "'") == "1\n");
  auto revoked = api("GET", f.s.api_url + "/workspace/invitations?status=revoked", f.owner, nullptr, f.ws());
  CHECK(revoked.json["data"].size() == 1);
  CHECK(api("GET", f.s.api_url + "/workspace/invitations", f.owner, nullptr, f.ws()).json["data"].empty());
  // Expired invitations are refused too (moved back in the database).
  auto inv2 = f.invite(f.owner, {{"email", "max@example.test"}, {"role", "member"}});
  sql(f.s, "UPDATE invitations SET expires_at = '2020-01-01T00:00:00.000Z' WHERE id = '" +
               inv2.json["data"]["id"].get<std::string>() + "'");
  check_error(api("POST", f.s.api_url + "/auth/accept-invite", "",
                  {{"token", f.mailed_token("max@example.test")}, {"password", "max-password"}}),
              410, "token_expired");
  auto expired = api("GET", f.s.api_url + "/workspace/invitations?status=expired", f.owner, nullptr, f.ws());
  CHECK(expired.json["data"].size() == 1);
}

TEST_CASE("accepting an invitation to an unverified account replaces the password nobody proved") {
  Fixture f;
  // Someone registers the invitee's address with a password of their own and never verifies.
  REQUIRE(api("POST", f.s.api_url + "/auth/register", "", {{"email", "vic@example.test"}, {"password", "attacker-pw"}})
              .status == 202);
  // A session that account held (here: made while it was briefly marked verified) must not
  // outlive the claim either.
  sql(f.s, "UPDATE users SET email_verified_at = '2026-01-01T00:00:00.000Z' WHERE email = 'vic@example.test'");
  auto early = login(f.s, "vic@example.test", "attacker-pw");
  sql(f.s, "UPDATE users SET email_verified_at = NULL WHERE email = 'vic@example.test'");
  std::string early_access = early["accessToken"], early_refresh = early["refreshToken"];
  REQUIRE(api("GET", f.s.api_url + "/me", early_access).status == 200);

  REQUIRE(f.invite(f.owner, {{"email", "vic@example.test"}, {"role", "admin"}}).status == 201);
  auto token = f.mailed_token("vic@example.test");
  // Without a password the accepter would inherit the registrant's: refused, nothing changes.
  auto nopw = api("POST", f.s.api_url + "/auth/accept-invite", "", {{"token", token}});
  check_error(nopw, 422, "validation_failed");
  CHECK(nopw.json["error"]["field_errors"][0]["field"] == "password");
  CHECK(nopw.json["error"]["field_errors"][0]["message"].get<std::string>().find("never verified") !=
        std::string::npos);

  auto ok = api("POST", f.s.api_url + "/auth/accept-invite", "",
                {{"token", token}, {"password", "victim-password"}, {"name", "Vic"}});
  INFO(ok.body);
  REQUIRE(ok.status == 200);
  CHECK(ok.json["data"]["workspace"]["role"] == "admin");
  CHECK(ok.json["data"]["user"]["email_verified"] == true);
  CHECK(ok.json["data"]["user"]["name"] == "Vic");
  // The registrant's password no longer signs in; the accepter's does.
  check_error(api("POST", f.s.api_url + "/auth/session", "",
                  {{"provider", "local"}, {"email", "vic@example.test"}, {"password", "attacker-pw"}}),
              401, "invalid_credentials");
  CHECK(login(f.s, "vic@example.test", "victim-password", f.s.workspace_id)["workspace"]["role"] == "admin");
  // The earlier session is over: access token and refresh token.
  check_error(api("GET", f.s.api_url + "/me", early_access), 401, "unauthorized");
  check_error(api("POST", f.s.api_url + "/auth/refresh", "", {{"refreshToken", early_refresh}}), 401, "unauthorized");
  // The new session works.
  CHECK(api("GET", f.s.api_url + "/me", ok.json["data"]["accessToken"]).status == 200);
  // Audited: verified through the invitation, password replaced, one session revoked.
  auto ev = sql(f.s,
                "SELECT json_extract(after_json, '$.via') || ' ' || "
                "json_extract(after_json, '$.password_change') || ' ' || "
                "json_extract(after_json, '$.sessions_revoked') FROM audit_events "
                "WHERE action = 'user.email_verified' AND target_id = '" +
                    ok.json["data"]["user"]["id"].get<std::string>() + "'");
  CHECK(ev == "invitation replaced 1\n");
  CHECK(sql(f.s,
            "SELECT count(*) FROM audit_events WHERE after_json LIKE '%victim-password%' OR "
            "after_json LIKE '%attacker-pw%' OR after_json LIKE '%argon2%'") == "0\n");
}
