// Member routes (api.md §4): list, change role, remove, with the owner rules. An API key
// with settings:admin acts like an admin: it cannot grant, take or remove `owner`.
#include <doctest/doctest.h>

#include <thread>

#include "harness.hpp"
#include "workspace_fixtures.hpp"

using namespace testing;

namespace {
std::string member_url(const Server& s, const std::string& id) { return s.api_url + "/workspace/members/" + id; }

std::string role_of(const Server& s, const std::string& user) {
  auto r = api("GET", s.api_url + "/workspace/members?limit=100", s.token);
  for (auto& m : r.json["data"])
    if (m["user_id"] == user) return m["role"];
  return "";
}
}  // namespace

TEST_CASE("members list answers any workspace token with user_id, email, name, role, joined_at") {
  Server s;
  auto key = fixtures::make_key(s, {"crm:read"});
  auto r = api("GET", s.api_url + "/workspace/members", key);
  REQUIRE(r.status == 200);
  REQUIRE(r.json["data"].size() == 1);
  auto m = r.json["data"][0];
  CHECK(m["email"] == "dev@slab5.local");
  CHECK(m["role"] == "owner");
  CHECK(m["user_id"].get<std::string>().rfind("usr_", 0) == 0);
  CHECK(m.contains("name"));
  CHECK(m.contains("joined_at"));
  CHECK(!r.json.contains("next_cursor"));
}

TEST_CASE("members list pages newest first over more than one page; a forged cursor is 400") {
  Server s;
  std::vector<std::string> added;
  for (int i = 0; i < 4; ++i) added.push_back(add_member(s, "member").user_id);
  std::vector<std::string> seen;
  std::string url = s.api_url + "/workspace/members?limit=2";
  std::string next = url;
  int pages = 0;
  for (;;) {
    auto r = api("GET", next, s.token);
    REQUIRE(r.status == 200);
    ++pages;
    for (auto& m : r.json["data"]) seen.push_back(m["user_id"]);
    if (!r.json.contains("next_cursor")) break;
    next = url + "&cursor=" + r.json["next_cursor"].get<std::string>();
  }
  CHECK(pages == 3);
  REQUIRE(seen.size() == 5);
  CHECK(seen[0] == added[3]);  // newest first
  CHECK(seen[4] == fixtures::owner_id(s));
  auto first = api("GET", url, s.token);
  std::string cursor = first.json["next_cursor"];
  cursor[cursor.size() - 2] = cursor[cursor.size() - 2] == 'A' ? 'B' : 'A';
  check_error(api("GET", url + "&cursor=" + cursor, s.token), 400, "invalid_request");
  check_error(api("GET", s.api_url + "/workspace/members?limit=0", s.token), 400, "invalid_request");
  check_error(api("GET", s.api_url + "/workspace/members?limit=101", s.token), 400, "invalid_request");
}

TEST_CASE("PATCH member: a settings:admin key changes a non-owner's role, audited with before and after") {
  Server s;
  auto user = add_member(s, "member").user_id;
  auto r = api("PATCH", member_url(s, user), s.token, {{"role", "admin"}});
  REQUIRE(r.status == 200);
  CHECK(r.json["data"]["role"] == "admin");
  CHECK(r.json["data"]["user_id"] == user);
  CHECK(role_of(s, user) == "admin");
  auto ev = api("GET", s.api_url + "/workspace/audit-events?action=member.role_changed", s.token).json["data"];
  REQUIRE(ev.size() == 1);
  CHECK(ev[0]["before"]["role"] == "member");
  CHECK(ev[0]["after"]["role"] == "admin");
  CHECK(ev[0]["target"] == Json{{"type", "user"}, {"id", user}});
  for (const char* role : {"agent", "readonly", "member"})
    CHECK(api("PATCH", member_url(s, user), s.token, {{"role", role}}).json["data"]["role"] == role);
}

TEST_CASE("PATCH member: unknown role or wrong type is 422, unknown user 404") {
  Server s;
  auto user = add_member(s, "member").user_id;
  auto bad = api("PATCH", member_url(s, user), s.token, {{"role", "superuser"}});
  check_error(bad, 422, "validation_failed");
  CHECK(bad.json["error"]["field_errors"][0]["field"] == "role");
  check_error(api("PATCH", member_url(s, user), s.token, {{"role", 3}}), 422, "validation_failed");
  check_error(api("PATCH", member_url(s, user), s.token, Json::object()), 422, "validation_failed");
  check_error(api("PATCH", member_url(s, "usr_01aaaaaaaaaaaaaaaaaaaaaaaa"), s.token, {{"role", "admin"}}), 404,
              "resource_not_found");
  CHECK(role_of(s, user) == "member");
}

TEST_CASE("PATCH member: only an owner may grant or take owner; a key cannot touch an owner") {
  Server s;
  auto user = add_member(s, "admin").user_id;
  auto grant = api("PATCH", member_url(s, user), s.token, {{"role", "owner"}});
  check_error(grant, 403, "forbidden");
  CHECK(grant.json["error"]["required_role"] == "owner");
  auto owner = fixtures::owner_id(s);
  auto take = api("PATCH", member_url(s, owner), s.token, {{"role", "admin"}});
  check_error(take, 403, "forbidden");
  CHECK(take.json["error"]["required_role"] == "owner");
  CHECK(role_of(s, user) == "admin");
  CHECK(role_of(s, owner) == "owner");
}

TEST_CASE("PATCH member needs settings:admin") {
  Server s;
  auto user = add_member(s, "member").user_id;
  auto key = fixtures::make_key(s, {"crm:read", "crm:write", "audit:read", "usage:read"});
  auto r = api("PATCH", member_url(s, user), key, {{"role", "admin"}});
  check_error(r, 403, "missing_required_scope");
  CHECK(r.json["error"]["required_scope"] == "settings:admin");
  // The scope is checked before validation.
  check_error(api("PATCH", member_url(s, user), key, {{"role", "nope"}}), 403, "missing_required_scope");
}

TEST_CASE("DELETE member: a settings:admin key removes a non-owner, audited; unknown user 404") {
  Server s;
  auto user = add_member(s, "agent").user_id;
  auto r = api("DELETE", member_url(s, user), s.token);
  CHECK(r.status == 204);
  CHECK(role_of(s, user).empty());
  auto ev = api("GET", s.api_url + "/workspace/audit-events?action=member.removed", s.token).json["data"];
  REQUIRE(ev.size() == 1);
  CHECK(ev[0]["target"]["id"] == user);
  CHECK(ev[0]["before"]["role"] == "agent");
  check_error(api("DELETE", member_url(s, user), s.token), 404, "resource_not_found");
}

TEST_CASE("DELETE member: an owner cannot be removed by a key; someone else needs settings:admin") {
  Server s;
  auto owner = fixtures::owner_id(s);
  auto r = api("DELETE", member_url(s, owner), s.token);
  check_error(r, 403, "forbidden");
  CHECK(r.json["error"]["required_role"] == "owner");
  auto user = add_member(s, "member").user_id;
  auto key = fixtures::make_key(s, {"crm:read", "audit:read"});
  auto m = api("DELETE", member_url(s, user), key);
  check_error(m, 403, "missing_required_scope");
  CHECK(m.json["error"]["required_scope"] == "settings:admin");
  CHECK(role_of(s, user) == "member");
  CHECK(role_of(s, owner) == "owner");
}

TEST_CASE("members of another workspace are not found from this one") {
  Server s;
  auto other = fixtures::insert_workspace(s, "other-ws");
  auto stranger = fixtures::add_member_in(s, "member", other).user_id;
  check_error(api("PATCH", member_url(s, stranger), s.token, {{"role", "admin"}}), 404, "resource_not_found");
  check_error(api("DELETE", member_url(s, stranger), s.token), 404, "resource_not_found");
  auto list = api("GET", s.api_url + "/workspace/members", s.token);
  CHECK(list.json["data"].size() == 1);
}

// ---- slab5 members … through the real binary ---------------------------------------------

namespace {
std::map<std::string, std::string> cli_env(const Server& s) {
  return {{"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_WORKSPACE_TOKEN", s.token}};
}
}  // namespace

TEST_CASE("slab5 members list: TSV rows to a pipe, --json the merged pages") {
  Server s;
  for (int i = 0; i < 3; ++i) add_member(s, "member");
  auto r = run_cli({"members", "list"}, cli_env(s));
  CHECK(r.exit_code == 0);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 4);
  CHECK(r.out.find("\tdev@slab5.local\tDevelopment Owner\towner\t") != std::string::npos);
  auto j = run_cli({"members", "--json"}, cli_env(s));
  REQUIRE(j.exit_code == 0);
  CHECK(Json::parse(j.out).size() == 4);
}

TEST_CASE("slab5 members set-role by id or email; refusals map to exit codes") {
  Server s;
  auto added = add_member(s, "member");
  auto user = added.user_id;
  auto r = run_cli({"members", "set-role", added.email, "admin"}, cli_env(s));
  CHECK(r.exit_code == 0);
  CHECK(r.out.find(user + "\t") != std::string::npos);
  CHECK(r.out.find("\tadmin\t") != std::string::npos);
  CHECK(run_cli({"members", "set-role", user, "readonly"}, cli_env(s)).exit_code == 0);
  CHECK(role_of(s, user) == "readonly");
  CHECK(run_cli({"members", "set-role", user, "superuser"}, cli_env(s)).exit_code == 2);
  CHECK(run_cli({"members", "set-role", "nobody@example.com", "admin"}, cli_env(s)).exit_code == 3);
  auto owner = run_cli({"members", "set-role", "dev@slab5.local", "admin"}, cli_env(s));
  CHECK(owner.exit_code == 5);
  CHECK(owner.err.find("forbidden") != std::string::npos);
}

TEST_CASE("slab5 members remove: refused without --yes off a terminal (exit 2), removes with --yes") {
  Server s;
  auto user = add_member(s, "member").user_id;
  auto r = run_cli({"members", "remove", user}, cli_env(s));
  CHECK(r.exit_code == 2);
  CHECK(role_of(s, user) == "member");
  auto ok = run_cli({"members", "remove", user, "--yes"}, cli_env(s));
  CHECK(ok.exit_code == 0);
  CHECK(role_of(s, user).empty());
  CHECK(run_cli({"members", "remove", user, "--yes"}, cli_env(s)).exit_code == 3);
}

// ---- sessions: each role, owners and admins, the last owner ----------------------------------

using fixtures::ws_api;

TEST_CASE("each role may list members; only owner and admin change roles") {
  Server s;
  auto target = add_member(s, "member");
  std::map<std::string, std::string> tokens{{"owner", fixtures::owner_session(s)}};
  for (const char* role : {"admin", "member", "agent", "readonly"}) tokens[role] = add_member(s, role).access_token;
  for (auto& [role, token] : tokens) {
    CAPTURE(role);
    auto list = ws_api("GET", s.api_url + "/workspace/members", token, s.workspace_id);
    CHECK(list.status == 200);
    CHECK(list.json["data"].size() == 6);
    auto patch = ws_api("PATCH", member_url(s, target.user_id), token, s.workspace_id, {{"role", "agent"}});
    if (role == "owner" || role == "admin") {
      CHECK(patch.status == 200);
      ws_api("PATCH", member_url(s, target.user_id), token, s.workspace_id, {{"role", "member"}});
    } else {
      check_error(patch, 403, "missing_required_scope");
      CHECK(patch.json["error"]["required_scope"] == "settings:admin");
    }
  }
  CHECK(role_of(s, target.user_id) == "member");
}

TEST_CASE("only an owner grants or takes owner; admins cannot touch owners") {
  Server s;
  auto owner = fixtures::owner_session(s);
  auto admin = add_member(s, "admin");
  auto other = add_member(s, "member");
  // An admin may not grant owner, not even to themself.
  auto self_promote =
      ws_api("PATCH", member_url(s, admin.user_id), admin.access_token, s.workspace_id, {{"role", "owner"}});
  check_error(self_promote, 403, "forbidden");
  CHECK(self_promote.json["error"]["required_role"] == "owner");
  check_error(ws_api("PATCH", member_url(s, other.user_id), admin.access_token, s.workspace_id, {{"role", "owner"}}),
              403, "forbidden");
  // The owner may.
  auto grant = ws_api("PATCH", member_url(s, other.user_id), owner, s.workspace_id, {{"role", "owner"}});
  REQUIRE(grant.status == 200);
  CHECK(grant.json["data"]["role"] == "owner");
  // Now an admin cannot demote or remove that owner.
  auto demote = ws_api("PATCH", member_url(s, other.user_id), admin.access_token, s.workspace_id, {{"role", "member"}});
  check_error(demote, 403, "forbidden");
  CHECK(demote.json["error"]["required_role"] == "owner");
  check_error(ws_api("DELETE", member_url(s, other.user_id), admin.access_token, s.workspace_id), 403, "forbidden");
  // An owner takes owner back.
  CHECK(ws_api("PATCH", member_url(s, other.user_id), owner, s.workspace_id, {{"role", "admin"}}).status == 200);
  CHECK(role_of(s, other.user_id) == "admin");
  // An admin may demote themself.
  CHECK(
      ws_api("PATCH", member_url(s, admin.user_id), admin.access_token, s.workspace_id, {{"role", "member"}}).status ==
      200);
}

TEST_CASE("never zero owners: the last owner cannot be demoted, removed or leave (409)") {
  Server s;
  auto owner = fixtures::owner_session(s);
  auto me = fixtures::owner_id(s);
  auto demote = ws_api("PATCH", member_url(s, me), owner, s.workspace_id, {{"role", "admin"}});
  check_error(demote, 409, "conflict");
  check_error(ws_api("DELETE", member_url(s, me), owner, s.workspace_id), 409, "conflict");
  CHECK(role_of(s, me) == "owner");
  // With a second owner, the first may step down, and then the second is the last one.
  auto second = add_member(s, "admin");
  REQUIRE(ws_api("PATCH", member_url(s, second.user_id), owner, s.workspace_id, {{"role", "owner"}}).status == 200);
  CHECK(ws_api("PATCH", member_url(s, me), owner, s.workspace_id, {{"role", "admin"}}).status == 200);
  check_error(ws_api("PATCH", member_url(s, second.user_id), second.access_token, s.workspace_id, {{"role", "member"}}),
              409, "conflict");
  check_error(ws_api("DELETE", member_url(s, second.user_id), second.access_token, s.workspace_id), 409, "conflict");
  CHECK(role_of(s, second.user_id) == "owner");
}

TEST_CASE("an owner removes another owner; the removed user's session loses the workspace at once") {
  Server s;
  auto owner = fixtures::owner_session(s);
  auto second = add_member(s, "member");
  REQUIRE(ws_api("PATCH", member_url(s, second.user_id), owner, s.workspace_id, {{"role", "owner"}}).status == 200);
  CHECK(ws_api("GET", s.api_url + "/workspace", second.access_token, s.workspace_id).status == 200);
  auto r = ws_api("DELETE", member_url(s, second.user_id), owner, s.workspace_id);
  CHECK(r.status == 204);
  check_error(ws_api("GET", s.api_url + "/workspace", second.access_token, s.workspace_id), 404, "workspace_not_found");
  auto ev = api("GET", s.api_url + "/workspace/audit-events?action=member.removed", s.token).json["data"];
  REQUIRE(ev.size() == 1);
  CHECK(ev[0]["actor"]["type"] == "user");
  CHECK(ev[0]["before"]["role"] == "owner");
}

TEST_CASE("any member may leave; removing someone else needs settings:admin") {
  Server s;
  auto readonly = add_member(s, "readonly");
  auto agent = add_member(s, "agent");
  auto member = add_member(s, "member");
  auto admin = add_member(s, "admin");
  auto other = ws_api("DELETE", member_url(s, agent.user_id), member.access_token, s.workspace_id);
  check_error(other, 403, "missing_required_scope");
  CHECK(other.json["error"]["required_scope"] == "settings:admin");
  check_error(ws_api("DELETE", member_url(s, member.user_id), readonly.access_token, s.workspace_id), 403,
              "missing_required_scope");
  for (auto* m : {&readonly, &agent}) {
    CHECK(ws_api("DELETE", member_url(s, m->user_id), m->access_token, s.workspace_id).status == 204);
    CHECK(role_of(s, m->user_id).empty());
  }
  CHECK(ws_api("DELETE", member_url(s, member.user_id), admin.access_token, s.workspace_id).status == 204);
  CHECK(ws_api("DELETE", member_url(s, admin.user_id), admin.access_token, s.workspace_id).status == 204);
  auto list = api("GET", s.api_url + "/workspace/members", s.token).json["data"];
  CHECK(list.size() == 1);
}

TEST_CASE("slab5 members invite sends the invitation: mail in the dev mailbox, no token in the output") {
  Server s;
  auto r = run_cli({"members", "invite", "newcomer@example.com", "--role", "agent", "--json"}, cli_env(s));
  REQUIRE(r.exit_code == 0);
  auto inv = Json::parse(r.out);
  CHECK(inv["email"] == "newcomer@example.com");
  CHECK(inv["role"] == "agent");
  CHECK(inv["id"].get<std::string>().rfind("inv_", 0) == 0);
  CHECK(!inv.contains("token"));
  auto mail = http("GET", s.api_url + "/dev/mail?to=newcomer@example.com");
  REQUIRE(mail.json["data"].size() == 1);
  CHECK(r.out.find(mail.json["data"][0]["token"].get<std::string>()) == std::string::npos);
  auto q = run_cli({"members", "invite", "second@example.com", "--role", "member", "-q"}, cli_env(s));
  CHECK(q.exit_code == 0);
  CHECK(q.out.rfind("inv_", 0) == 0);
  CHECK(run_cli({"members", "invite", "third@example.com", "--role", "emperor"}, cli_env(s)).exit_code == 2);
}

TEST_CASE("slab5 members remove on a terminal asks to type the member: a wrong answer keeps them (exit 2)") {
  Server s;
  auto user = add_member(s, "member").user_id;
  auto env = cli_env(s);
  env["TERM"] = "xterm";
  env["PATH"] = "/usr/bin:/bin";
  std::string cmd = slab5_bin() + " members remove " + user;
  // script(1) gives slab5 a pseudo-terminal and types our stdin into it.
  auto no = run_program("/usr/bin/script", {"-qec", cmd, "/dev/null"}, env, "someone-else\n");
  CHECK(no.exit_code == 2);
  CHECK(no.out.find("type '" + user + "' to confirm") != std::string::npos);
  CHECK(role_of(s, user) == "member");
  auto yes = run_program("/usr/bin/script", {"-qec", cmd, "/dev/null"}, env, user + "\n");
  CHECK(yes.exit_code == 0);
  CHECK(role_of(s, user).empty());
}

TEST_CASE("two owners stepping down at once: one succeeds, one gets 409, an owner remains") {
  Server s;
  auto owner = fixtures::owner_session(s);
  auto me = fixtures::owner_id(s);
  auto second = add_member(s, "admin");
  REQUIRE(ws_api("PATCH", member_url(s, second.user_id), owner, s.workspace_id, {{"role", "owner"}}).status == 200);
  long a = 0, b = 0;
  std::thread t1([&] { a = ws_api("PATCH", member_url(s, me), owner, s.workspace_id, {{"role", "admin"}}).status; });
  std::thread t2(
      [&] { b = ws_api("DELETE", member_url(s, second.user_id), second.access_token, s.workspace_id).status; });
  t1.join();
  t2.join();
  CHECK(((a == 200 && b == 409) || (a == 409 && b == 204)));
  int owners = 0;
  auto list = api("GET", s.api_url + "/workspace/members?limit=100", s.token);
  REQUIRE_MESSAGE(list.status == 200, list.body);
  for (auto& m : list.json["data"]) owners += m["role"] == "owner" ? 1 : 0;
  CHECK(owners == 1);
}
