// Credentials managed through sessions (api.md §2, §5): which roles may manage API keys and
// MCP clients, what a session-created key records, and idempotency under a session.
#include "credential_support.hpp"

using namespace testing;

namespace {
std::vector<std::pair<std::string, std::string>> ws_header(const Server& s) {
  return {{"x-workspace-id", s.workspace_id}};
}
std::string owner_session(const Server& s) {
  return login(s, s.owner_email, s.owner_password, s.workspace_id)["accessToken"];
}
}  // namespace

TEST_CASE("an owner session manages keys; created_by and the audit actor are the user") {
  Server s;
  std::string t = owner_session(s);
  auto r = api("POST", keys_url(s), t, {{"name", "from a session"}, {"scopes", {"crm:read", "settings:admin"}}},
               ws_header(s));
  INFO(r.body);
  REQUIRE(r.status == 201);
  auto k = r.json["data"];
  CHECK(k["created_by"]["type"] == "user");
  CHECK(k["created_by"]["id"].get<std::string>().rfind("usr_", 0) == 0);
  std::string id = k["id"];
  CHECK(sql(s.db_path, "SELECT actor_type FROM audit_events WHERE action = 'api_key.created' AND target_id = '" + id +
                           "'") == "user");
  CHECK(api("PATCH", keys_url(s) + "/" + id, t, {{"scopes", {"crm:read", "crm:write", "audit:read"}}}, ws_header(s))
            .status == 200);
  CHECK(api("POST", keys_url(s) + "/" + id + "/rotate", t, {{"overlap_seconds", 0}}, ws_header(s)).status == 201);
  CHECK(api("GET", s.api_url + "/workspace", k["secret"].get<std::string>()).status == 401);
  // Without x-workspace-id a session cannot reach workspace routes.
  check_error(api("GET", keys_url(s), t), 400, "workspace_header_required");
}

TEST_CASE("an admin session manages keys and MCP clients with any scope") {
  Server s;
  auto admin = add_member(s, "admin");
  auto h = ws_header(s);
  auto r = api("POST", mcp_url(s), admin.access_token, {{"name", "agent"}, {"scopes", {"audit:read", "crm:write"}}}, h);
  INFO(r.body);
  REQUIRE(r.status == 201);
  std::string id = r.json["data"]["id"];
  CHECK(r.json["data"]["created_by"]["id"] == admin.user_id);
  CHECK(api("GET", mcp_url(s) + "/" + id, admin.access_token, nullptr, h).status == 200);
  CHECK(api("POST", mcp_url(s) + "/" + id + "/revoke", admin.access_token, nullptr, h).status == 200);
  // The admin may also revoke the first-start key the owner's system created.
  auto keys = api("GET", keys_url(s), admin.access_token, nullptr, h);
  REQUIRE(keys.status == 200);
  CHECK(keys.json["data"].size() == 1);
}

TEST_CASE("member, agent and readonly sessions may not manage credentials; the attempts are audited") {
  Server s;
  auto k = create_credential(keys_url(s), s.token, "target", {"crm:read"});
  std::string id = k["id"];
  for (const std::string role : {"member", "agent", "readonly"}) {
    INFO(role);
    auto m = add_member(s, role);
    auto h = ws_header(s);
    for (const auto& [method, url] :
         std::vector<std::pair<std::string, std::string>>{{"GET", keys_url(s)},
                                                          {"POST", keys_url(s)},
                                                          {"GET", keys_url(s) + "/" + id},
                                                          {"PATCH", keys_url(s) + "/" + id},
                                                          {"POST", keys_url(s) + "/" + id + "/rotate"},
                                                          {"POST", keys_url(s) + "/" + id + "/revoke"},
                                                          {"POST", mcp_url(s)}}) {
      INFO(method << " " << url);
      auto r = api(method, url, m.access_token,
                   method == "GET" ? Json(nullptr) : Json{{"name", "mine"}, {"scopes", {"crm:read"}}}, h);
      check_error(r, 403, "missing_required_scope");
      CHECK(r.json["error"]["required_scope"] == "settings:admin");
    }
    CHECK(sql(s.db_path, "SELECT count(*) FROM audit_events WHERE actor_id = '" + m.user_id +
                             "' AND action LIKE '%_refused' AND actor_type = 'user'") == "5");
  }
  CHECK(api("GET", s.api_url + "/workspace", k["secret"].get<std::string>()).status == 200);
  CHECK(sql(s.db_path, "SELECT count(*) FROM credentials") == "2");
}

TEST_CASE("a session naming a workspace it is not a member of is workspace_not_found") {
  Server s;
  auto m = add_member(s, "member");
  // x-workspace-id decides the workspace, and the session must hold a membership there.
  auto r = api("POST", keys_url(s), m.access_token, {{"name", "x"}, {"scopes", {"crm:read"}}},
               {{"x-workspace-id", "wrk_01aaaaaaaaaaaaaaaaaaaaaaaa"}});
  check_error(r, 404, "workspace_not_found");
}

TEST_CASE("idempotent replay under a session returns the same key and its secret") {
  Server s;
  std::string t = owner_session(s);
  Json body = {{"name", "session idem"}, {"scopes", {"crm:read"}}, {"idempotency_key", "sess-1"}};
  auto a = api("POST", keys_url(s), t, body, ws_header(s));
  REQUIRE(a.status == 201);
  auto b = api("POST", keys_url(s), t, body, ws_header(s));
  CHECK(b.status == 201);
  CHECK(b.header("idempotent-replayed") == "true");
  CHECK(b.json["data"] == a.json["data"]);
  // A new access token of another session of the same user is another credential.
  std::string t2 = owner_session(s);
  auto c = api("POST", keys_url(s), t2, body, ws_header(s));
  CHECK(c.status == 201);
  CHECK(c.header("idempotent-replayed").empty());
  CHECK(c.json["data"]["id"] != a.json["data"]["id"]);
  check_no_secret_stored(s, {a.json["data"]["secret"], c.json["data"]["secret"]});
}
