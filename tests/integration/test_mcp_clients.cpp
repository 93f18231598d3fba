// MCP clients (api.md §5): the same lifecycle as API keys under /v1/workspace/mcp-clients,
// with slab5_mcp_ tokens that REST routes refuse.
#include "credential_support.hpp"

using namespace testing;

TEST_CASE("an MCP client is created with a slab5_mcp_ secret shown once") {
  Server s;
  auto c = create_credential(mcp_url(s), s.token, "claude desktop", {"crm:read", "tasks:write"},
                             {{"description", "assistant"}});
  CHECK(c["id"].get<std::string>().rfind("mcp_", 0) == 0);
  std::string secret = c["secret"];
  CHECK(secret.rfind("slab5_mcp_", 0) == 0);
  CHECK(c["prefix"] == secret.substr(0, 18));
  CHECK(c["status"] == "active");
  auto shown = api("GET", mcp_url(s) + "/" + c["id"].get<std::string>(), s.token);
  REQUIRE(shown.status == 200);
  CHECK(!shown.json["data"].contains("secret"));
  auto list = api("GET", mcp_url(s), s.token);
  REQUIRE(list.json["data"].size() == 1);
  CHECK(list.json["data"][0]["id"] == c["id"]);
  // MCP clients and API keys are separate lists.
  auto keys = api("GET", keys_url(s) + "?status=all", s.token);
  for (auto& k : keys.json["data"]) CHECK(k["id"] != c["id"]);
  CHECK(sql(s.db_path, "SELECT action FROM audit_events WHERE target_id = '" + c["id"].get<std::string>() + "'") ==
        "mcp_client.created");
}

TEST_CASE("an MCP client token is refused on REST routes") {
  Server s;
  auto c = create_credential(mcp_url(s), s.token, "agent", {"crm:read", "settings:admin"});
  std::string t = c["secret"];
  for (const auto& url : {s.api_url + "/workspace", keys_url(s), mcp_url(s)}) {
    auto r = api("GET", url, t);
    check_error(r, 401, "unauthorized");
    CHECK(r.json["error"]["message"].get<std::string>().find("MCP") != std::string::npos);
    CHECK(r.body.find(t) == std::string::npos);
  }
  check_error(api("POST", mcp_url(s), t, {{"name", "x"}, {"scopes", {"crm:read"}}}), 401, "unauthorized");
}

TEST_CASE("MCP client ids are not found on the API key routes and the other way round") {
  Server s;
  auto c = create_credential(mcp_url(s), s.token, "agent", {"crm:read"});
  auto k = create_credential(keys_url(s), s.token, "key", {"crm:read"});
  check_error(api("GET", keys_url(s) + "/" + c["id"].get<std::string>(), s.token), 404, "resource_not_found");
  check_error(api("POST", keys_url(s) + "/" + c["id"].get<std::string>() + "/revoke", s.token), 404,
              "resource_not_found");
  check_error(api("GET", mcp_url(s) + "/" + k["id"].get<std::string>(), s.token), 404, "resource_not_found");
  check_error(api("PATCH", mcp_url(s) + "/" + k["id"].get<std::string>(), s.token, {{"name", "x"}}), 404,
              "resource_not_found");
}

TEST_CASE("MCP clients follow the same rules: validation, escalation, edit, rotate, revoke") {
  Server s;
  auto post = [&](const std::string& token, Json body) { return api("POST", mcp_url(s), token, body); };
  check_error(post(s.token, {{"name", "x"}, {"scopes", {"bi:read"}}}), 422, "validation_failed");
  check_error(post(s.token, {{"name", "x"}, {"scopes", {"mcp:everything"}}}), 422, "validation_failed");
  check_error(post(s.token, {{"name", std::string(101, 'n')}, {"scopes", {"crm:read"}}}), 422, "validation_failed");

  auto limited = create_credential(keys_url(s), s.token, "limited", {"settings:admin", "crm:read"});
  std::string lt = limited["secret"];
  check_error(post(lt, {{"name", "x"}, {"scopes", {"crm:write"}}}), 403, "forbidden");
  auto mine = post(lt, {{"name", "mine"}, {"scopes", {"crm:read"}}});
  REQUIRE(mine.status == 201);
  CHECK(mine.json["data"]["created_by"] == Json{{"type", "api_key"}, {"id", limited["id"]}});
  std::string id = mine.json["data"]["id"], url = mcp_url(s) + "/" + id;
  check_error(api("PATCH", url, lt, {{"scopes", {"crm:read", "tasks:read"}}}), 403, "forbidden");

  auto edited = api("PATCH", url, s.token, {{"name", "renamed"}, {"scopes", {"crm:read", "tasks:read"}}});
  REQUIRE(edited.status == 200);
  CHECK(edited.json["data"]["scopes"] == Json::array({"crm:read", "tasks:read"}));
  check_error(api("POST", url + "/rotate", lt, Json::object()), 403, "forbidden");
  auto rotated = api("POST", url + "/rotate", s.token, {{"overlap_seconds", 60}});
  REQUIRE(rotated.status == 201);
  CHECK(rotated.json["data"]["secret"].get<std::string>().rfind("slab5_mcp_", 0) == 0);
  CHECK(rotated.json["data"]["name"] == "renamed");
  REQUIRE(api("POST", url + "/revoke", lt).status == 200);
  check_error(api("POST", url + "/revoke", s.token), 409, "conflict");
  check_error(api("PATCH", url, s.token, {{"name", "again"}}), 409, "conflict");

  CHECK(sql(s.db_path, "SELECT action FROM audit_events WHERE action LIKE 'mcp_client.%' ORDER BY rowid") ==
        "mcp_client.create_refused\nmcp_client.created\nmcp_client.update_refused\nmcp_client.updated\n"
        "mcp_client.rotate_refused\nmcp_client.rotated\nmcp_client.revoked\nmcp_client.revoke_refused\n"
        "mcp_client.update_refused");
}

TEST_CASE("MCP client lists filter by status and paginate") {
  Server s({.args = {"--rate-limit", "off"}});
  for (int i = 0; i < 3; ++i) create_credential(mcp_url(s), s.token, "c" + std::to_string(i), {"crm:read"});
  auto last = create_credential(mcp_url(s), s.token, "gone", {"crm:read"});
  REQUIRE(api("POST", mcp_url(s) + "/" + last["id"].get<std::string>() + "/revoke", s.token).status == 200);
  auto page1 = api("GET", mcp_url(s) + "?limit=2", s.token);
  REQUIRE(page1.json["data"].size() == 2);
  REQUIRE(page1.json.contains("next_cursor"));
  auto page2 = api("GET", mcp_url(s) + "?limit=2&cursor=" + page1.json["next_cursor"].get<std::string>(), s.token);
  REQUIRE(page2.status == 200);
  CHECK(page2.json["data"].size() == 1);
  CHECK(!page2.json.contains("next_cursor"));
  CHECK(api("GET", mcp_url(s) + "?status=revoked", s.token).json["data"].size() == 1);
  CHECK(api("GET", mcp_url(s) + "?status=all", s.token).json["data"].size() == 4);
}
