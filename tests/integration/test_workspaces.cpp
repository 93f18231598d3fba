// Workspace routes (api.md §3): the current workspace, rename, modules, delete, and the
// caller's workspaces. Role rules that need a signed-in user are in the session cases below.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <thread>

#include "harness.hpp"
#include "workspace_fixtures.hpp"

using namespace testing;

namespace {
Json last_event(const Server& s, const std::string& action) {
  auto r = api("GET", s.api_url + "/workspace/audit-events?limit=1&action=" + action, s.token);
  REQUIRE(r.status == 200);
  REQUIRE(r.json["data"].size() == 1);
  return r.json["data"][0];
}
}  // namespace

TEST_CASE("GET /v1/workspace answers any valid token of the workspace, whatever its scopes") {
  Server s;
  auto key = fixtures::make_key(s, {"crm:read"});
  auto r = api("GET", s.api_url + "/workspace", key);
  REQUIRE(r.status == 200);
  CHECK(r.json["data"]["id"] == s.workspace_id);
  CHECK(r.json["data"]["slug"] == "personal");
  for (const char* f : {"id", "slug", "name", "tenant_id", "enabled_modules", "created_at", "updated_at"})
    CHECK(r.json["data"].contains(f));
}

TEST_CASE("PATCH /v1/workspace renames; id and slug never change; one audit event with before and after") {
  Server s;
  auto before = api("GET", s.api_url + "/workspace", s.token).json["data"];
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // timestamps have millisecond resolution
  auto r = api("PATCH", s.api_url + "/workspace", s.token, {{"name", "  Acme Corp  "}});
  REQUIRE(r.status == 200);
  CHECK(r.json["data"]["name"] == "Acme Corp");
  CHECK(r.json["data"]["id"] == before["id"]);
  CHECK(r.json["data"]["slug"] == before["slug"]);
  CHECK(r.json["data"]["updated_at"] != before["updated_at"]);
  CHECK(api("GET", s.api_url + "/workspace", s.token).json["data"]["name"] == "Acme Corp");
  auto ev = last_event(s, "workspace.updated");
  CHECK(ev["before"]["name"] == "Personal Workspace");
  CHECK(ev["after"]["name"] == "Acme Corp");
  CHECK(ev["target"] == Json{{"type", "workspace"}, {"id", s.workspace_id}});
  CHECK(ev["request_id"] == r.json["request_id"]);
  CHECK(ev["route"] == "PATCH /v1/workspace");
}

TEST_CASE("PATCH /v1/workspace refuses a new slug or id, echoing the current ones is fine") {
  Server s;
  auto bad = api("PATCH", s.api_url + "/workspace", s.token, {{"name", "X Y Z"}, {"slug", "other-slug"}});
  check_error(bad, 422, "validation_failed");
  CHECK(bad.json["error"]["field_errors"][0]["field"] == "slug");
  check_error(api("PATCH", s.api_url + "/workspace", s.token, {{"name", "X Y Z"}, {"id", "wrk_x"}}), 422,
              "validation_failed");
  auto ok = api("PATCH", s.api_url + "/workspace", s.token, {{"name", "X Y Z"}, {"slug", "personal"}});
  CHECK(ok.status == 200);
  CHECK(ok.json["data"]["slug"] == "personal");
}

TEST_CASE("PATCH /v1/workspace validates the name: missing, wrong type, empty, too long, control characters") {
  Server s;
  std::string url = s.api_url + "/workspace";
  check_error(api("PATCH", url, s.token, Json::object()), 422, "validation_failed");
  check_error(api("PATCH", url, s.token, {{"name", 42}}), 422, "validation_failed");
  check_error(api("PATCH", url, s.token, {{"name", "   "}}), 422, "validation_failed");
  check_error(api("PATCH", url, s.token, {{"name", std::string(101, 'a')}}), 422, "validation_failed");
  check_error(api("PATCH", url, s.token, {{"name", "tab\there"}}), 422, "validation_failed");
  // 100 characters of two bytes each is still 100 characters.
  std::string accented;
  for (int i = 0; i < 100; ++i) accented += "\xc3\xa9";
  CHECK(api("PATCH", url, s.token, {{"name", accented}}).status == 200);
  auto r = api("PATCH", url, s.token, {{"name", 42}});
  CHECK(r.json["error"]["field_errors"][0]["field"] == "name");
}

TEST_CASE("PATCH /v1/workspace needs settings:admin") {
  Server s;
  auto key = fixtures::make_key(s, {"crm:read", "crm:write", "audit:read", "usage:read"});
  auto r = api("PATCH", s.api_url + "/workspace", key, {{"name", "Nope"}});
  check_error(r, 403, "missing_required_scope");
  CHECK(r.json["error"]["required_scope"] == "settings:admin");
  // Scope is checked before the body: even an invalid body gets the 403.
  check_error(api("PATCH", s.api_url + "/workspace", key, {{"name", 1}}), 403, "missing_required_scope");
  CHECK(api("GET", s.api_url + "/workspace", s.token).json["data"]["name"] == "Personal Workspace");
}

TEST_CASE("modules: enable and disable, idempotent, audited once per change") {
  Server s;
  std::string url = s.api_url + "/workspace/modules/";
  auto on = api("PUT", url + "bi", s.token);
  REQUIRE(on.status == 200);
  auto mods = on.json["data"]["enabled_modules"];
  CHECK(std::find(mods.begin(), mods.end(), "bi") != mods.end());
  CHECK(api("PUT", url + "bi", s.token).status == 200);  // already on: no change
  auto off = api("DELETE", url + "crm", s.token);
  REQUIRE(off.status == 200);
  mods = off.json["data"]["enabled_modules"];
  CHECK(std::find(mods.begin(), mods.end(), "crm") == mods.end());
  CHECK(api("DELETE", url + "crm", s.token).status == 200);
  auto enabled = api("GET", s.api_url + "/workspace/audit-events?action=workspace.module_enabled", s.token);
  CHECK(enabled.json["data"].size() == 1);
  auto disabled = last_event(s, "workspace.module_disabled");
  CHECK(disabled["after"]["enabled_modules"].size() + 1 == disabled["before"]["enabled_modules"].size());
  // Back on, in the table's order.
  auto again = api("PUT", url + "crm", s.token);
  CHECK(again.json["data"]["enabled_modules"][4] == "crm");
}

TEST_CASE("modules: an unknown module is 404; settings:admin is required") {
  Server s;
  auto r = api("PUT", s.api_url + "/workspace/modules/spreadsheets", s.token);
  check_error(r, 404, "resource_not_found");
  check_error(api("DELETE", s.api_url + "/workspace/modules/spreadsheets", s.token), 404, "resource_not_found");
  auto key = fixtures::make_key(s, {"crm:read", "audit:read"});
  auto m = api("PUT", s.api_url + "/workspace/modules/bi", key);
  check_error(m, 403, "missing_required_scope");
  CHECK(m.json["error"]["required_scope"] == "settings:admin");
  check_error(api("DELETE", s.api_url + "/workspace/modules/crm", key), 403, "missing_required_scope");
}

TEST_CASE("DELETE /v1/workspace needs an owner session: an API key is forbidden even with every scope") {
  Server s;
  auto r = api("DELETE", s.api_url + "/workspace", s.token, {{"confirm", "personal"}});
  check_error(r, 403, "forbidden");
  CHECK(r.json["error"]["required_role"] == "owner");
  auto key = fixtures::make_key(s, {"crm:read"});
  check_error(api("DELETE", s.api_url + "/workspace", key, {{"confirm", "personal"}}), 403, "missing_required_scope");
  CHECK(api("GET", s.api_url + "/workspace", s.token).status == 200);
}

TEST_CASE("GET and POST /v1/workspaces need a session token, not an API key") {
  Server s;
  check_error(api("GET", s.api_url + "/workspaces", s.token), 403, "forbidden");
  check_error(api("POST", s.api_url + "/workspaces", s.token, {{"name", "Second"}}), 403, "forbidden");
  check_error(api("GET", s.api_url + "/workspaces", ""), 401, "unauthorized");
}

TEST_CASE("a key of another workspace cannot read or change this one") {
  Server s;
  auto other = fixtures::insert_workspace(s, "other-ws");
  auto key = fixtures::make_key(s, {"settings:admin"}, other);
  auto r = api("GET", s.api_url + "/workspace", key);
  REQUIRE(r.status == 200);
  CHECK(r.json["data"]["id"] == other);
  check_error(api("GET", s.api_url + "/workspace", key, nullptr, {{"x-workspace-id", s.workspace_id}}), 404,
              "workspace_not_found");
  CHECK(api("PATCH", s.api_url + "/workspace", key, {{"name", "Renamed other"}}).status == 200);
  CHECK(api("GET", s.api_url + "/workspace", s.token).json["data"]["name"] == "Personal Workspace");
}

// ---- slab5 workspace … through the real binary -------------------------------------------

namespace {
std::map<std::string, std::string> cli_env(const Server& s, const TempDir& cfg) {
  return {{"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_WORKSPACE_TOKEN", s.token}, {"SLAB5_CONFIG_DIR", cfg.file("c")}};
}
}  // namespace

TEST_CASE("slab5 workspace rename and modules: TSV to a pipe, --json as the server sent it") {
  Server s;
  TempDir cfg;
  auto env = cli_env(s, cfg);
  auto r = run_cli({"workspace", "rename", "Acme Corp"}, env);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("Name\tAcme Corp\n") != std::string::npos);
  CHECK(r.out.find("Slug\tpersonal\n") != std::string::npos);
  auto on = run_cli({"workspace", "modules", "enable", "bi"}, env);
  CHECK(on.exit_code == 0);
  CHECK(on.out.find("bi\tyes\t") != std::string::npos);
  CHECK(on.err.find("Enabled module bi.") != std::string::npos);
  auto off = run_cli({"workspace", "modules", "disable", "crm", "--json"}, env);
  REQUIRE(off.exit_code == 0);
  auto ws = Json::parse(off.out);
  CHECK(ws == api("GET", s.api_url + "/workspace", s.token).json["data"]);
  auto list = run_cli({"workspace", "modules"}, env);
  CHECK(list.out.find("crm\tno\t") != std::string::npos);
  CHECK(list.out.find("cms\tyes\t") != std::string::npos);
  // Unknown module: refused by the argument parser, before any request.
  CHECK(run_cli({"workspace", "modules", "enable", "spreadsheets"}, env).exit_code == 2);
}

TEST_CASE("slab5 workspace rename without settings:admin exits 5 and names the scope") {
  Server s;
  TempDir cfg;
  auto env = cli_env(s, cfg);
  env["SLAB5_WORKSPACE_TOKEN"] = fixtures::make_key(s, {"crm:read"});
  auto r = run_cli({"workspace", "rename", "Nope"}, env);
  CHECK(r.exit_code == 5);
  CHECK(r.err.find("missing_required_scope") != std::string::npos);
}

TEST_CASE("slab5 workspace list and use with an API key: its own workspace, by slug or id; unknown is exit 3") {
  Server s;
  TempDir cfg;
  auto env = cli_env(s, cfg);
  auto list = run_cli({"workspace", "list"}, env);
  CHECK(list.exit_code == 0);
  CHECK(list.out.find(s.workspace_id + "\tpersonal\t") != std::string::npos);
  auto use = run_cli({"workspace", "use", "personal"}, env);
  CHECK(use.exit_code == 0);
  CHECK(use.err.find("Now using workspace") != std::string::npos);
  std::ifstream f(cfg.file("c") + "/config.json");
  std::string config((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  CHECK(config.find(s.workspace_id) != std::string::npos);
  auto marked = run_cli({"workspace", "list"}, env);
  // Piped, the current workspace is marked in the last column (no leading empty column).
  CHECK(marked.out.rfind(s.workspace_id + "\t", 0) == 0);
  CHECK(marked.out.find("\tyes\n") != std::string::npos);
  CHECK(run_cli({"workspace", "use", s.workspace_id}, env).exit_code == 0);
  CHECK(run_cli({"workspace", "use", "nope"}, env).exit_code == 3);
}

TEST_CASE("slab5 workspace delete: --confirm SLUG or --yes confirms; neither without a terminal is exit 2") {
  Server s;
  TempDir cfg;
  auto env = cli_env(s, cfg);
  auto r = run_cli({"workspace", "delete"}, env);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--yes") != std::string::npos);
  auto wrong = run_cli({"workspace", "delete", "--confirm", "not-this-one"}, env);
  CHECK(wrong.exit_code == 2);
  CHECK(wrong.err.find("personal") != std::string::npos);  // names the slug it would have taken
  // Confirmed either way, an API key still is not an owner session (no --yes needed with --confirm).
  CHECK(run_cli({"workspace", "delete", "--confirm", "personal"}, env).exit_code == 5);
  CHECK(run_cli({"workspace", "delete", "--yes"}, env).exit_code == 5);
  CHECK(api("GET", s.api_url + "/workspace", s.token).status == 200);
}

TEST_CASE("slab5 workspace create with an API key exits 5: creating workspaces needs a session") {
  Server s;
  TempDir cfg;
  auto r = run_cli({"workspace", "create", "Second"}, cli_env(s, cfg));
  CHECK(r.exit_code == 5);
  CHECK(r.err.find("session") != std::string::npos);
}

// ---- sessions: roles, the caller's workspaces, create and delete ---------------------------

using fixtures::ws_api;

TEST_CASE("sessions: a workspace route needs x-workspace-id naming one of the user's workspaces") {
  Server s;
  auto owner = fixtures::owner_session(s);
  check_error(api("GET", s.api_url + "/workspace", owner), 400, "workspace_header_required");
  check_error(ws_api("GET", s.api_url + "/workspace", owner, "wrk_01aaaaaaaaaaaaaaaaaaaaaaaa"), 404,
              "workspace_not_found");
  auto r = ws_api("GET", s.api_url + "/workspace", owner, s.workspace_id);
  CHECK(r.status == 200);
  CHECK(r.json["data"]["id"] == s.workspace_id);
}

TEST_CASE("each role: everyone reads the workspace; only owner and admin rename it and toggle modules") {
  Server s;
  std::map<std::string, std::string> tokens{{"owner", fixtures::owner_session(s)}};
  for (const char* role : {"admin", "member", "agent", "readonly"}) tokens[role] = add_member(s, role).access_token;
  for (auto& [role, token] : tokens) {
    CAPTURE(role);
    CHECK(ws_api("GET", s.api_url + "/workspace", token, s.workspace_id).status == 200);
    auto patch = ws_api("PATCH", s.api_url + "/workspace", token, s.workspace_id, {{"name", "By " + role}});
    auto put = ws_api("PUT", s.api_url + "/workspace/modules/bi", token, s.workspace_id);
    auto del = ws_api("DELETE", s.api_url + "/workspace/modules/bi", token, s.workspace_id);
    if (role == "owner" || role == "admin") {
      CHECK(patch.status == 200);
      CHECK(patch.json["data"]["name"] == "By " + role);
      CHECK(put.status == 200);
      CHECK(del.status == 200);
    } else {
      check_error(patch, 403, "missing_required_scope");
      CHECK(patch.json["error"]["required_scope"] == "settings:admin");
      check_error(put, 403, "missing_required_scope");
      check_error(del, 403, "missing_required_scope");
    }
  }
  auto ev = api("GET", s.api_url + "/workspace/audit-events?action=workspace.updated&limit=1", s.token).json["data"][0];
  CHECK(ev["actor"]["type"] == "user");
}

TEST_CASE("DELETE /v1/workspace: only an owner session, only with the slug; admins and others are refused") {
  Server s;
  auto admin = add_member(s, "admin");
  auto member = add_member(s, "member");
  std::string url = s.api_url + "/workspace";
  auto a = ws_api("DELETE", url, admin.access_token, s.workspace_id, {{"confirm", "personal"}});
  check_error(a, 403, "forbidden");
  CHECK(a.json["error"]["required_role"] == "owner");
  check_error(ws_api("DELETE", url, member.access_token, s.workspace_id, {{"confirm", "personal"}}), 403,
              "missing_required_scope");
  auto owner = fixtures::owner_session(s);
  auto wrong = ws_api("DELETE", url, owner, s.workspace_id, {{"confirm", "personnel"}});
  check_error(wrong, 422, "validation_failed");
  CHECK(wrong.json["error"]["field_errors"][0]["field"] == "confirm");
  check_error(ws_api("DELETE", url, owner, s.workspace_id, Json::object()), 422, "validation_failed");
  check_error(ws_api("DELETE", url, owner, s.workspace_id, {{"confirm", 7}}), 422, "validation_failed");
  CHECK(ws_api("GET", url, owner, s.workspace_id).status == 200);
}

TEST_CASE("DELETE /v1/workspace removes its members, credentials and pending invitations") {
  Server s;
  auto member = add_member(s, "member");
  auto key = fixtures::make_key(s, {"crm:read"});
  api("GET", s.api_url + "/workspace", s.token);
  REQUIRE(api("POST", s.api_url + "/workspace/invitations", s.token, {{"email", "late@example.com"}, {"role", "agent"}})
              .status == 201);
  auto mail = http("GET", s.api_url + "/dev/mail?to=late@example.com");
  REQUIRE(mail.json["data"].size() == 1);
  std::string invite_token = mail.json["data"][0]["token"];
  auto owner = fixtures::owner_session(s);
  auto r = ws_api("DELETE", s.api_url + "/workspace", owner, s.workspace_id, {{"confirm", "personal"}});
  REQUIRE(r.status == 204);
  CHECK(r.body.empty());
  // The workspace is gone for its members' sessions.
  check_error(ws_api("GET", s.api_url + "/workspace", owner, s.workspace_id), 404, "workspace_not_found");
  check_error(ws_api("GET", s.api_url + "/workspace", member.access_token, s.workspace_id), 404, "workspace_not_found");
  // Its memberships are gone: neither user lists it any more.
  CHECK(api("GET", s.api_url + "/workspaces", member.access_token).json["data"].empty());
  auto me = api("GET", s.api_url + "/me", member.access_token);
  REQUIRE(me.status == 200);
  CHECK(me.json["data"]["memberships"].empty());
  // Its credentials are gone: the first-start key and a created one are both unknown.
  check_error(api("GET", s.api_url + "/workspace", s.token), 401, "unauthorized");
  check_error(api("GET", s.api_url + "/workspace", key), 401, "unauthorized");
  // Its pending invitation is gone: the token is unknown, not merely expired.
  check_error(api("POST", s.api_url + "/auth/accept-invite", "", {{"token", invite_token}, {"password", "pw-late-1"}}),
              400, "invalid_request");
  // The users themselves remain; the owner can still list (now no) workspaces.
  auto mine = api("GET", s.api_url + "/workspaces", owner);
  CHECK(mine.status == 200);
  CHECK(mine.json["data"].empty());
}

TEST_CASE("POST /v1/workspaces: the caller becomes owner; the slug is derived or checked; audited") {
  Server s;
  auto owner = fixtures::owner_session(s);
  std::string url = s.api_url + "/workspaces";
  auto r = api("POST", url, owner, {{"name", "Acme Corp!"}});
  REQUIRE(r.status == 201);
  auto ws = r.json["data"];
  CHECK(ws["slug"] == "acme-corp");
  CHECK(ws["role"] == "owner");
  CHECK(ws["name"] == "Acme Corp!");
  CHECK(ws["id"].get<std::string>().rfind("wrk_", 0) == 0);
  auto mods = ws["enabled_modules"];
  CHECK(std::find(mods.begin(), mods.end(), "bi") == mods.end());
  CHECK(mods.size() == 8);
  auto first = api("GET", s.api_url + "/workspace", s.token).json["data"];
  CHECK(ws["tenant_id"] == first["tenant_id"]);
  // The same name again gets the next free slug.
  CHECK(api("POST", url, owner, {{"name", "Acme Corp"}}).json["data"]["slug"] == "acme-corp-2");
  auto explicit_slug = api("POST", url, owner, {{"name", "Other"}, {"slug", "acme-2026"}});
  CHECK(explicit_slug.status == 201);
  CHECK(explicit_slug.json["data"]["slug"] == "acme-2026");
  // It works with the new workspace's id, as owner.
  std::string id = ws["id"];
  auto members = ws_api("GET", s.api_url + "/workspace/members", owner, id);
  REQUIRE(members.status == 200);
  CHECK(members.json["data"][0]["role"] == "owner");
  auto ev = ws_api("GET", s.api_url + "/workspace/audit-events?action=workspace.created", owner, id).json["data"];
  REQUIRE(ev.size() == 1);
  CHECK(ev[0]["actor"]["type"] == "user");
  CHECK(ev[0]["target"]["id"] == id);
  CHECK(ev[0]["after"]["slug"] == "acme-corp");
}

TEST_CASE("POST /v1/workspaces: a taken slug is 409; bad slugs and names are 422") {
  Server s;
  auto owner = fixtures::owner_session(s);
  std::string url = s.api_url + "/workspaces";
  auto taken = api("POST", url, owner, {{"name", "Again"}, {"slug", "personal"}});
  check_error(taken, 409, "conflict");
  for (const std::string& slug : std::vector<std::string>{"ab", "Acme", "acme_corp", "acme corp", "acmé-corp",
                                                          std::string(49, 'a'), std::string()}) {
    CAPTURE(slug);
    auto r = api("POST", url, owner, {{"name", "Bad slug"}, {"slug", slug}});
    check_error(r, 422, "validation_failed");
    CHECK(r.json["error"]["field_errors"][0]["field"] == "slug");
  }
  check_error(api("POST", url, owner, {{"name", "X"}, {"slug", 12}}), 422, "validation_failed");
  check_error(api("POST", url, owner, Json::object()), 422, "validation_failed");
  check_error(api("POST", url, owner, {{"name", ""}}), 422, "validation_failed");
  CHECK(api("POST", url, owner, {{"name", "Edge"}, {"slug", std::string(48, 'z')}}).status == 201);
  CHECK(api("POST", url, owner, {{"name", "Edge"}, {"slug", "a-1"}}).status == 201);
  CHECK(api("GET", url + "?limit=100", owner).json["data"].size() == 3);
}

TEST_CASE("GET /v1/workspaces lists the user's memberships with their role, newest first, paginated") {
  Server s;
  auto member = add_member(s, "readonly");
  auto owner = fixtures::owner_session(s);
  for (int i = 0; i < 3; ++i) api("POST", s.api_url + "/workspaces", owner, {{"name", "Team " + std::to_string(i)}});
  auto mine = api("GET", s.api_url + "/workspaces", member.access_token);
  REQUIRE(mine.status == 200);
  REQUIRE(mine.json["data"].size() == 1);
  CHECK(mine.json["data"][0]["id"] == s.workspace_id);
  CHECK(mine.json["data"][0]["role"] == "readonly");
  std::vector<std::string> seen;
  std::string url = s.api_url + "/workspaces?limit=3";
  auto p1 = api("GET", url, owner);
  REQUIRE(p1.json.contains("next_cursor"));
  for (auto& w : p1.json["data"]) seen.push_back(w["slug"]);
  auto p2 = api("GET", url + "&cursor=" + p1.json["next_cursor"].get<std::string>(), owner);
  REQUIRE(p2.status == 200);
  CHECK(!p2.json.contains("next_cursor"));
  for (auto& w : p2.json["data"]) seen.push_back(w["slug"]);
  CHECK(seen == std::vector<std::string>{"team-2", "team-1", "team-0", "personal"});
  // Another user's cursor is not valid for this user.
  check_error(api("GET", url + "&cursor=" + p1.json["next_cursor"].get<std::string>(), member.access_token), 400,
              "invalid_request");
}

// ---- slab5 workspace … with a session --------------------------------------------------------

TEST_CASE("slab5 workspace create, list, use and delete with a session") {
  Server s;
  TempDir cfg;
  auto owner = fixtures::owner_session(s);
  std::map<std::string, std::string> env{
      {"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_WORKSPACE_TOKEN", owner}, {"SLAB5_CONFIG_DIR", cfg.file("c")}};
  auto created = run_cli({"workspace", "create", "Team Space", "--slug", "team", "-q"}, env);
  REQUIRE(created.exit_code == 0);
  std::string id = created.out.substr(0, created.out.find('\n'));
  CHECK(id.rfind("wrk_", 0) == 0);
  CHECK(run_cli({"workspace", "create", "Team Space", "--slug", "team"}, env).exit_code == 1);  // 409
  auto list = run_cli({"workspace", "list"}, env);
  CHECK(list.exit_code == 0);
  CHECK(list.out.find(id + "\tteam\tTeam Space\towner\t") != std::string::npos);
  CHECK(list.out.find(s.workspace_id + "\tpersonal\t") != std::string::npos);
  CHECK(run_cli({"workspace", "use", "team"}, env).exit_code == 0);
  auto show = run_cli({"workspace", "--json"}, env);  // now sent as x-workspace-id
  REQUIRE(show.exit_code == 0);
  CHECK(Json::parse(show.out)["slug"] == "team");
  CHECK(run_cli({"workspace", "delete"}, env).exit_code == 2);  // not confirmed
  auto del = run_cli({"workspace", "delete", "--confirm", "team"}, env);
  CHECK(del.exit_code == 0);
  CHECK(del.err.find("Deleted workspace team") != std::string::npos);
  auto after = run_cli({"workspace", "list", "--json"}, env);
  REQUIRE(after.exit_code == 0);
  CHECK(Json::parse(after.out).size() == 1);
}

TEST_CASE("concurrent creates of one slug: exactly one 201, the others 409") {
  Server s;
  auto owner = fixtures::owner_session(s);
  std::vector<long> statuses(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < statuses.size(); ++i)
    threads.emplace_back([&, i] {
      statuses[i] = api("POST", s.api_url + "/workspaces", owner, {{"name", "Race"}, {"slug", "race"}}).status;
    });
  for (auto& t : threads) t.join();
  CHECK(std::count(statuses.begin(), statuses.end(), 201) == 1);
  CHECK(std::count(statuses.begin(), statuses.end(), 409) == long(statuses.size()) - 1);
  auto mine = api("GET", s.api_url + "/workspaces?limit=100", owner).json["data"];
  CHECK(std::count_if(mine.begin(), mine.end(), [](const Json& w) { return w["slug"] == "race"; }) == 1);
}

TEST_CASE("slab5 workspace delete on a terminal asks to type the slug") {
  Server s;
  TempDir cfg;
  auto owner = fixtures::owner_session(s);
  auto made = api("POST", s.api_url + "/workspaces", owner, {{"name", "Doomed"}, {"slug", "doomed"}});
  REQUIRE(made.status == 201);
  std::map<std::string, std::string> env{{"SLAB5_API_BASE_URL", s.api_url},
                                         {"SLAB5_WORKSPACE_TOKEN", owner},
                                         {"SLAB5_WORKSPACE_ID", made.json["data"]["id"]},
                                         {"SLAB5_CONFIG_DIR", cfg.file("c")},
                                         {"TERM", "xterm"},
                                         {"PATH", "/usr/bin:/bin"}};
  // Without --confirm the slug is asked for (--confirm SLUG would be the answer given in advance).
  std::string cmd = slab5_bin() + " workspace delete";
  auto no = run_program("/usr/bin/script", {"-qec", cmd, "/dev/null"}, env, "nope\n");
  CHECK(no.exit_code == 2);
  CHECK(no.out.find("type 'doomed' to confirm") != std::string::npos);
  CHECK(api("GET", s.api_url + "/workspaces", owner).json["data"].size() == 2);
  auto yes = run_program("/usr/bin/script", {"-qec", cmd, "/dev/null"}, env, "doomed\n");
  CHECK(yes.exit_code == 0);
  CHECK(api("GET", s.api_url + "/workspaces", owner).json["data"].size() == 1);
}
