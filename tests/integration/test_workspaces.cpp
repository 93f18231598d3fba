// Workspace routes (api.md §3): the current workspace, rename, modules, delete, and the
// caller's workspaces. Role rules that need a signed-in user are in the session cases below.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>

#include "harness.hpp"
#include "workspace_fixtures.hpp"

using namespace testing;
using fixtures::check_error;

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
  CHECK(marked.out.find("*\t" + s.workspace_id) != std::string::npos);
  CHECK(run_cli({"workspace", "use", s.workspace_id}, env).exit_code == 0);
  CHECK(run_cli({"workspace", "use", "nope"}, env).exit_code == 3);
}

TEST_CASE("slab5 workspace delete refuses without --yes when stdin is not a terminal (exit 2), keeps the workspace") {
  Server s;
  TempDir cfg;
  auto env = cli_env(s, cfg);
  auto r = run_cli({"workspace", "delete", "--confirm", "personal"}, env);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--yes") != std::string::npos);
  CHECK(run_cli({"workspace", "delete"}, env).exit_code == 2);  // --confirm is required
  // With --yes an API key still is not an owner session.
  auto k = run_cli({"workspace", "delete", "--confirm", "personal", "--yes"}, env);
  CHECK(k.exit_code == 5);
  CHECK(api("GET", s.api_url + "/workspace", s.token).status == 200);
}

TEST_CASE("slab5 workspace create with an API key exits 5: creating workspaces needs a session") {
  Server s;
  TempDir cfg;
  auto r = run_cli({"workspace", "create", "Second"}, cli_env(s, cfg));
  CHECK(r.exit_code == 5);
  CHECK(r.err.find("session") != std::string::npos);
}
