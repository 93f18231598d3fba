// The MCP gateway (api.md §8.5) at its edges: Streamable HTTP as a stateless server (JSON-RPC
// 2.0 framing, version negotiation and the MCP-Protocol-Version header, 202 and 405, JSON or
// SSE by Accept, Origin checks), MCP-client-token authentication with RFC 9728 metadata, and
// tools generated from the resource table that run the REST rules: scopes and modules,
// validation, dry runs, audit with source "mcp", usage. tests/js/mcp-sdk.mjs drives the same
// gateway with the official MCP TypeScript SDK.
#include <chrono>
#include <cstdlib>
#include <map>
#include <set>
#include <thread>

#include "credential_support.hpp"
#include "node_clients.hpp"

using namespace testing;

namespace {

const std::vector<std::string> kCrmRw{"crm:read", "crm:write"};

std::string gateway(const Server& s) { return s.base_url + "/mcp/v1"; }

std::string mcp_token(const Server& s, const std::vector<std::string>& scopes) {
  return create_credential(mcp_url(s), s.token, "agent", scopes)["secret"];
}

using Headers = std::vector<std::pair<std::string, std::string>>;

Response post_raw(const Server& s, const std::string& token, const std::string& body, Headers extra = {}) {
  Headers h{{"Content-Type", "application/json"}, {"Accept", "application/json, text/event-stream"}};
  if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
  for (auto& e : extra) h.push_back(std::move(e));
  return http("POST", gateway(s), body, h);
}

Response rpc(const Server& s, const std::string& token, const std::string& method, Json params = Json::object(),
             Headers extra = {}) {
  static int next_id = 1;
  Json msg{{"jsonrpc", "2.0"}, {"id", next_id++}, {"method", method}, {"params", std::move(params)}};
  return post_raw(s, token, msg.dump(), std::move(extra));
}

// tools/call's result (the JSON-RPC result object); fails the test on a JSON-RPC error.
Json call(const Server& s, const std::string& token, const std::string& tool, Json args = Json::object()) {
  auto r = rpc(s, token, "tools/call", {{"name", tool}, {"arguments", std::move(args)}});
  INFO(r.body);
  REQUIRE(r.status == 200);
  REQUIRE(r.json.contains("result"));
  return r.json["result"];
}

void check_refusal(const Json& result, const std::string& code) {
  INFO(result.dump());
  CHECK(result["isError"] == true);
  CHECK(result["structuredContent"]["error"]["code"] == code);
  CHECK(result["structuredContent"]["error"]["docs_url"] == "https://docs.slab5.com/api/errors#" + code);
  REQUIRE(result["content"].size() >= 1);
  CHECK(Json::parse(result["content"][0]["text"].get<std::string>()) == result["structuredContent"]);
}

void check_rpc_error(const Response& r, long status, int code) {
  INFO(r.body);
  CHECK(r.status == status);
  REQUIRE(r.json.is_object());
  CHECK(r.json.value("jsonrpc", "") == "2.0");
  REQUIRE(r.json.contains("error"));
  CHECK(r.json["error"].value("code", 0) == code);
  CHECK(!r.json["error"].value("message", "").empty());
}

Json all_tools(const Server& s, const std::string& token) {
  Json tools = Json::array();
  Json params = Json::object();
  for (int page = 0; page < 20; ++page) {
    auto r = rpc(s, token, "tools/list", params);
    INFO(r.body);
    REQUIRE(r.status == 200);
    for (auto& t : r.json["result"]["tools"]) tools.push_back(t);
    if (!r.json["result"].contains("nextCursor")) return tools;
    params = {{"cursor", r.json["result"]["nextCursor"]}};
  }
  FAIL("tools/list never ended");
  return tools;
}

bool has_tool(const Json& tools, const std::string& name) {
  for (const auto& t : tools)
    if (t["name"] == name) return true;
  return false;
}

}  // namespace

TEST_CASE("initialize negotiates the newest version both sides know") {
  Server s;
  auto t = mcp_token(s, kCrmRw);
  for (std::string v : {"2025-06-18", "2025-11-25", "2026-07-28"}) {
    auto r = rpc(s, t, "initialize",
                 {{"protocolVersion", v},
                  {"capabilities", Json::object()},
                  {"clientInfo", {{"name", "test"}, {"version", "1"}}}});
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(r.header("content-type").find("application/json") == 0);
    CHECK(r.json["result"]["protocolVersion"] == v);
    CHECK(r.json["result"]["capabilities"]["tools"]["listChanged"] == false);
    CHECK(r.json["result"]["serverInfo"]["name"] == "slab5d");
    CHECK(!r.json["result"]["instructions"].get<std::string>().empty());
  }
  // A version the server does not know (older or newer): the server's newest.
  for (std::string v : {"2024-11-05", "2099-01-01"}) {
    auto r = rpc(s, t, "initialize", {{"protocolVersion", v}, {"capabilities", Json::object()}});
    CHECK(r.json["result"]["protocolVersion"] == "2026-07-28");
  }
  check_rpc_error(rpc(s, t, "initialize", Json::object()), 200, -32602);
  check_rpc_error(rpc(s, t, "initialize", {{"protocolVersion", 20250618}}), 200, -32602);
}

TEST_CASE("MCP-Protocol-Version: a supported one or none is served, another is 400") {
  Server s;
  auto t = mcp_token(s, kCrmRw);
  CHECK(rpc(s, t, "ping").json["result"] == Json::object());  // no header: read as 2025-06-18
  for (std::string v : {"2025-06-18", "2025-11-25", "2026-07-28"})
    CHECK(rpc(s, t, "ping", Json::object(), {{"MCP-Protocol-Version", v}}).status == 200);
  for (std::string v : {"2024-11-05", "2025-03-26", "garbage"})
    check_rpc_error(rpc(s, t, "ping", Json::object(), {{"MCP-Protocol-Version", v}}), 400, -32600);
}

TEST_CASE("notifications and responses get 202 with no body; GET and DELETE are 405") {
  Server s;
  auto t = mcp_token(s, kCrmRw);
  auto n = post_raw(s, t, R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  CHECK(n.status == 202);
  CHECK(n.body.empty());
  auto unknown = post_raw(s, t, R"({"jsonrpc":"2.0","method":"notifications/whatever","params":{}})");
  CHECK(unknown.status == 202);
  auto resp = post_raw(s, t, R"({"jsonrpc":"2.0","id":7,"result":{}})");
  CHECK(resp.status == 202);
  CHECK(resp.body.empty());
  for (std::string method : {"GET", "DELETE"}) {
    auto r = http(method, gateway(s), "", {{"Authorization", "Bearer " + t}, {"Accept", "text/event-stream"}});
    check_error(r, 405, "method_not_allowed");
    CHECK(r.header("allow") == "POST");
  }
}

TEST_CASE("malformed JSON-RPC gets -32700 or -32600, an unknown method -32601") {
  Server s;
  auto t = mcp_token(s, kCrmRw);
  check_rpc_error(post_raw(s, t, "{not json"), 400, -32700);
  check_rpc_error(post_raw(s, t, std::string(200, '[') + std::string(200, ']')), 400, -32700);  // too deep
  check_rpc_error(post_raw(s, t, "\"ping\""), 400, -32600);
  check_rpc_error(post_raw(s, t, R"({"id":1,"method":"ping"})"), 400, -32600);  // no jsonrpc
  check_rpc_error(post_raw(s, t, R"({"jsonrpc":"1.0","id":1,"method":"ping"})"), 400, -32600);
  check_rpc_error(post_raw(s, t, R"({"jsonrpc":"2.0","id":null,"method":"ping"})"), 400, -32600);
  check_rpc_error(post_raw(s, t, R"({"jsonrpc":"2.0","id":{},"method":"ping"})"), 400, -32600);
  check_rpc_error(post_raw(s, t, R"({"jsonrpc":"2.0","id":1,"method":5})"), 400, -32600);
  check_rpc_error(post_raw(s, t, R"({"jsonrpc":"2.0","id":1})"), 400, -32600);
  // Batches were removed from MCP in 2025-06-18, the oldest version served.
  check_rpc_error(post_raw(s, t, R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])"), 400, -32600);
  auto unknown = post_raw(s, t, R"({"jsonrpc":"2.0","id":"a","method":"resources/list"})");
  check_rpc_error(unknown, 200, -32601);
  CHECK(unknown.json["id"] == "a");
  check_rpc_error(post_raw(s, t, R"({"jsonrpc":"2.0","id":2,"method":"tools/list","params":[1]})"), 200, -32602);
  check_rpc_error(rpc(s, t, "tools/call", {{"name", "no_such_tool"}}), 200, -32602);
  check_rpc_error(rpc(s, t, "tools/call", {{"name", "get_contact"}, {"arguments", "x"}}), 200, -32602);
  check_rpc_error(rpc(s, t, "tools/list", {{"cursor", "not-a-cursor"}}), 200, -32602);
  // Not JSON at all: the REST envelope, as for any route.
  auto text = http("POST", gateway(s), "{}", {{"Authorization", "Bearer " + t}, {"Content-Type", "text/plain"}});
  check_error(text, 415, "unsupported_media_type");
  // Above 1 MiB: refused before it is read.
  std::string big = R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":")" + std::string(1100000, 'a') + "\"}}";
  CHECK(post_raw(s, t, big).status == 413);
}

TEST_CASE("a client that accepts only text/event-stream gets the answer as one SSE message") {
  Server s;
  auto t = mcp_token(s, kCrmRw);
  auto r =
      http("POST", gateway(s), R"({"jsonrpc":"2.0","id":3,"method":"ping"})",
           {{"Authorization", "Bearer " + t}, {"Content-Type", "application/json"}, {"Accept", "text/event-stream"}});
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type") == "text/event-stream");
  REQUIRE(r.body.rfind("event: message\ndata: ", 0) == 0);
  CHECK(r.body.substr(r.body.size() - 2) == "\n\n");
  auto data = Json::parse(r.body.substr(21, r.body.size() - 23));
  CHECK(data == Json{{"jsonrpc", "2.0"}, {"id", 3}, {"result", Json::object()}});
}

TEST_CASE("an Origin that is not loopback or allowed is 403") {
  Server s({.args = {"--mcp-allowed-origin", "https://agent.example.com"}});
  auto t = mcp_token(s, kCrmRw);
  for (std::string ok :
       {"http://localhost:3000", "http://127.0.0.1:8787", "http://[::1]:9000", "https://agent.example.com"})
    CHECK_MESSAGE(rpc(s, t, "ping", Json::object(), {{"Origin", ok}}).status == 200, ok);
  for (std::string bad : {"https://evil.example", "http://localhost.evil.example", "http://127.0.0.1.evil.example",
                          "null", "https://agent.example.com:444"}) {
    auto r = rpc(s, t, "ping", Json::object(), {{"Origin", bad}});
    check_error(r, 403, "forbidden");
    // Before authentication: a page without the token gets the same answer.
    check_error(rpc(s, "", "ping", Json::object(), {{"Origin", bad}}), 403, "forbidden");
  }
}

TEST_CASE("only MCP client tokens open the gateway; a 401 points at the RFC 9728 metadata") {
  Server s;
  auto t = mcp_token(s, kCrmRw);
  std::string want = "Bearer resource_metadata=\"" + s.base_url + "/.well-known/oauth-protected-resource\"";
  auto none = rpc(s, "", "ping");
  check_error(none, 401, "unauthorized");
  CHECK(none.header("www-authenticate") == want);
  auto key = rpc(s, s.token, "ping");  // an API key
  check_error(key, 401, "unauthorized");
  CHECK(key.header("www-authenticate") == want);
  auto session = login(s, s.owner_email, s.owner_password, s.workspace_id);
  check_error(rpc(s, session["accessToken"], "ping", Json::object(), {{"x-workspace-id", s.workspace_id}}), 401,
              "unauthorized");
  std::string bad = t;
  bad[bad.size() / 2] = bad[bad.size() / 2] == 'a' ? 'b' : 'a';
  check_error(rpc(s, bad, "ping"), 401, "unauthorized");
  // revoked
  auto c = create_credential(mcp_url(s), s.token, "gone", kCrmRw);
  REQUIRE(api("POST", mcp_url(s) + "/" + c["id"].get<std::string>() + "/revoke", s.token).status == 200);
  check_error(rpc(s, c["secret"], "ping"), 401, "unauthorized");

  auto meta = http("GET", s.base_url + "/.well-known/oauth-protected-resource");
  REQUIRE(meta.status == 200);
  CHECK(meta.json["resource"] == gateway(s));
  CHECK(meta.json["bearer_methods_supported"] == Json::array({"header"}));
  CHECK(meta.json["scopes_supported"].size() > 10);
}

TEST_CASE("tools/list: every resource's tools with schemas, paginated, only enabled modules") {
  Server s;
  auto t = mcp_token(s, {"crm:read"});
  auto tools = all_tools(s, t);
  for (std::string name : {"search_contacts", "get_contact", "create_contact", "update_contact", "delete_contact",
                           "convert_lead", "complete_task", "add_ticket_message", "add_ticket_comment",
                           "search_activities", "get_workspace", "get_workspace_assistant_summary"})
    CHECK_MESSAGE(has_tool(tools, name), name);
  CHECK(!has_tool(tools, "update_activity"));  // append-only
  std::set<std::string> names;
  for (const auto& tool : tools) {
    INFO(tool["name"]);
    CHECK(names.insert(tool["name"].get<std::string>()).second);
    CHECK(tool["description"].get<std::string>().size() > 20);
    CHECK(tool["inputSchema"]["type"] == "object");
    CHECK(tool["outputSchema"]["type"] == "object");
    CHECK(tool["annotations"].contains("readOnlyHint"));
    CHECK(tool["annotations"].contains("destructiveHint"));
    CHECK(tool["annotations"].contains("idempotentHint"));
  }
  auto get = std::find_if(tools.begin(), tools.end(), [](const Json& x) { return x["name"] == "get_contact"; });
  CHECK((*get)["_meta"]["com.slab5/required_scope"] == "crm:read");
  CHECK((*get)["annotations"]["readOnlyHint"] == true);
  auto del = std::find_if(tools.begin(), tools.end(), [](const Json& x) { return x["name"] == "delete_contact"; });
  CHECK((*del)["annotations"]["destructiveHint"] == true);
  CHECK((*del)["inputSchema"]["properties"].contains("dry_run"));
  // More than one page at 50 tools a page.
  auto first = rpc(s, t, "tools/list");
  CHECK(first.json["result"]["tools"].size() == 50);
  CHECK(first.json["result"].contains("nextCursor"));

  REQUIRE(api("DELETE", s.api_url + "/workspace/modules/crm", s.token).status == 200);
  auto without = all_tools(s, t);
  CHECK(!has_tool(without, "get_contact"));
  CHECK(!has_tool(without, "convert_lead"));
  CHECK(has_tool(without, "get_task"));
  CHECK(has_tool(without, "get_workspace"));
  // Calling one anyway gets REST's refusal.
  auto refused = call(s, t, "get_contact", {{"id", "con_x"}});
  check_refusal(refused, "module_not_enabled");
  CHECK(refused["structuredContent"]["error"]["module"] == "crm");
}

TEST_CASE("tools/call runs the REST rules: reads, writes, dry runs, audit and usage") {
  Server s;
  auto t = mcp_token(s, kCrmRw);
  std::string mcp_id = api("GET", mcp_url(s), s.token).json["data"][0]["id"];

  auto made = call(s, t, "create_contact", {{"name", "  Ada Lovelace "}, {"email", "ada@example.com"}});
  INFO(made.dump());
  REQUIRE(made["isError"] == false);
  Json rec = made["structuredContent"];
  CHECK(rec["name"] == "Ada Lovelace");  // trimmed, as REST does
  CHECK(rec["source"] == "mcp");
  CHECK(rec["last_agent_actor_id"] == mcp_id);
  CHECK(rec["created_by"] == Json{{"type", "mcp_client"}, {"id", mcp_id}});
  CHECK(Json::parse(made["content"][0]["text"].get<std::string>()) == rec);
  std::string id = rec["id"];

  // The same record through REST.
  auto rest = api("GET", s.api_url + "/contacts/" + id, s.token);
  REQUIRE(rest.status == 200);
  CHECK(rest.json["data"] == rec);
  CHECK(call(s, t, "get_contact", {{"id", id}})["structuredContent"] == rec);

  // Audit: source mcp, the MCP client as actor.
  auto audit = api("GET", s.api_url + "/workspace/audit-events?target_id=" + id, s.token);
  REQUIRE(audit.json["data"].size() == 1);
  CHECK(audit.json["data"][0]["action"] == "contact.created");
  CHECK(audit.json["data"][0]["source"] == "mcp");
  CHECK(audit.json["data"][0]["actor"] == Json{{"type", "mcp_client"}, {"id", mcp_id}});
  CHECK(audit.json["data"][0]["route"] == "POST /mcp/v1");

  // Update by a REST key clears last_agent_actor_id; by MCP it comes back.
  REQUIRE(api("PATCH", s.api_url + "/contacts/" + id, s.token, {{"title", "Countess"}})
              .json["data"]["last_agent_actor_id"]
              .is_null());
  auto upd = call(s, t, "update_contact", {{"id", id}, {"phone", "+44 1"}, {"expected_version", 2}});
  REQUIRE(upd["isError"] == false);
  CHECK(upd["structuredContent"]["version"] == 3);
  CHECK(upd["structuredContent"]["last_agent_actor_id"] == mcp_id);
  check_refusal(call(s, t, "update_contact", {{"id", id}, {"phone", "x"}, {"expected_version", 2}}),
                "precondition_failed");

  // dry_run: validated, answered, nothing written.
  auto audit_rows = [&] {
    return api("GET", s.api_url + "/workspace/audit-events?action=contact.*", s.token).json["data"].size();
  };
  auto before = audit_rows();
  auto dry = call(s, t, "create_contact", {{"name", "Dry"}, {"dry_run", true}});
  REQUIRE(dry["isError"] == false);
  CHECK(dry["structuredContent"]["name"] == "Dry");
  auto dry_update = call(s, t, "update_contact", {{"id", id}, {"name", "Changed"}, {"dry_run", true}});
  CHECK(dry_update["structuredContent"]["name"] == "Changed");
  auto dry_delete = call(s, t, "delete_contact", {{"id", id}, {"dry_run", true}});
  CHECK(dry_delete["structuredContent"] == Json{{"id", id}, {"deleted", false}, {"dry_run", true}});
  check_refusal(call(s, t, "create_contact", {{"email", "nope"}, {"dry_run", true}}), "validation_failed");
  CHECK(audit_rows() == before);
  CHECK(api("GET", s.api_url + "/contacts?query=Dry", s.token).json["data"].empty());
  CHECK(api("GET", s.api_url + "/contacts/" + id, s.token).json["data"]["name"] == "Ada Lovelace");

  // search with filters, query and a cursor bound to the tool and filters.
  for (int i = 0; i < 3; ++i)
    REQUIRE(call(s, t, "create_contact", {{"name", "Page " + std::to_string(i)}})["isError"] == false);
  auto p1 = call(s, t, "search_contacts", {{"query", "page"}, {"limit", 2}});
  REQUIRE(p1["structuredContent"]["data"].size() == 2);
  REQUIRE(p1["structuredContent"].contains("next_cursor"));
  auto p2 = call(s, t, "search_contacts",
                 {{"query", "page"}, {"limit", 2}, {"cursor", p1["structuredContent"]["next_cursor"]}});
  CHECK(p2["structuredContent"]["data"].size() == 1);
  CHECK(!p2["structuredContent"].contains("next_cursor"));
  check_refusal(call(s, t, "search_contacts", {{"query", "other"}, {"cursor", p1["structuredContent"]["next_cursor"]}}),
                "invalid_request");
  check_refusal(call(s, t, "search_contacts", {{"colour", "red"}}), "invalid_request");
  check_refusal(call(s, t, "search_contacts", {{"limit", 1000}}), "invalid_request");
  check_refusal(call(s, t, "search_contacts", {{"email", Json::array()}}), "invalid_request");

  // delete, then the record is gone
  auto gone = call(s, t, "delete_contact", {{"id", id}});
  CHECK(gone["structuredContent"] == Json{{"id", id}, {"deleted", true}, {"dry_run", false}});
  check_refusal(call(s, t, "get_contact", {{"id", id}}), "resource_not_found");

  // Usage: every call is metered under the gateway's route.
  auto usage = api("GET", s.api_url + "/workspace/usage?group_by=route", s.token);
  bool metered = false;
  for (const auto& row : usage.json["data"])
    if (row["key"] == "POST /mcp/v1") metered = row["requests"].get<int>() >= 15;
  // Usage events may be buffered for up to a second.
  if (!metered) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    usage = api("GET", s.api_url + "/workspace/usage?group_by=route", s.token);
    for (const auto& row : usage.json["data"])
      if (row["key"] == "POST /mcp/v1") metered = row["requests"].get<int>() >= 15;
  }
  CHECK_MESSAGE(metered, usage.body);
}

TEST_CASE("refusals are tool results carrying the REST error object") {
  Server s;
  auto reader = mcp_token(s, {"crm:read", "support:read"});
  auto r = call(s, reader, "create_contact", {{"name", "X"}});
  check_refusal(r, "missing_required_scope");
  CHECK(r["structuredContent"]["error"]["required_scope"] == "crm:write");
  check_refusal(call(s, reader, "search_tasks"), "missing_required_scope");

  auto writer = mcp_token(s, kCrmRw);
  auto invalid = call(s, writer, "create_contact", {{"email", "not-an-address"}, {"phone", std::string(60, '1')}});
  check_refusal(invalid, "validation_failed");
  std::set<std::string> fields;
  for (const auto& f : invalid["structuredContent"]["error"]["field_errors"]) fields.insert(f["field"]);
  CHECK(fields == std::set<std::string>{"name", "email", "phone"});
  // The same answer as REST for the same input.
  auto rest =
      api("POST", s.api_url + "/contacts", s.token, {{"email", "not-an-address"}, {"phone", std::string(60, '1')}});
  CHECK(rest.json["error"]["field_errors"] == invalid["structuredContent"]["error"]["field_errors"]);

  check_refusal(call(s, writer, "get_contact"), "validation_failed");
  check_refusal(call(s, writer, "get_contact", {{"id", 5}}), "validation_failed");
  check_refusal(call(s, writer, "get_contact", {{"id", "con_00000000000000000000000000"}}), "resource_not_found");
  check_refusal(call(s, writer, "create_contact", {{"name", "X"}, {"dry_run", "yes"}}), "validation_failed");
  check_refusal(call(s, writer, "get_workspace", {{"workspace_id", "wrk_other"}}), "workspace_not_found");
  check_refusal(call(s, writer, "get_workspace", {{"workspace_slug", "someone-else"}}), "workspace_not_found");
  auto ws = call(s, writer, "get_workspace", {{"workspace_id", s.workspace_id}});
  REQUIRE(ws["isError"] == false);
  CHECK(ws["structuredContent"]["id"] == s.workspace_id);
  CHECK(call(s, writer, "get_workspace", {{"workspace_slug", ws["structuredContent"]["slug"]}})["isError"] == false);

  // A module disabled after the tool list was read: the module step comes before the scope
  // step, as in REST.
  REQUIRE(api("DELETE", s.api_url + "/workspace/modules/crm", s.token).status == 200);
  check_refusal(call(s, writer, "search_contacts"), "module_not_enabled");
  check_refusal(call(s, reader, "create_contact", {{"name", "X"}}), "module_not_enabled");
}

TEST_CASE("actions, children and the workspace summary") {
  Server s;
  auto t = mcp_token(s, {"crm:read", "crm:write", "support:read", "support:write", "tasks:read", "tasks:write"});
  auto lead = call(s, t, "create_lead", {{"name", "Sam Lee"}, {"company_name", "Lee Ltd"}})["structuredContent"];
  auto converted = call(s, t, "convert_lead", {{"id", lead["id"]}, {"create_deal", true}});
  INFO(converted.dump());
  REQUIRE(converted["isError"] == false);
  CHECK(converted["structuredContent"]["lead"]["status"] == "converted");
  CHECK(converted["structuredContent"]["deal"]["name"].is_string());
  check_refusal(call(s, t, "convert_lead", {{"id", lead["id"]}}), "conflict");

  auto task = call(s, t, "create_task", {{"title", "Call back"}})["structuredContent"];
  auto done = call(s, t, "complete_task", {{"id", task["id"]}});
  CHECK(done["structuredContent"]["status"] == "completed");

  auto ticket = call(s, t, "create_support_ticket", {{"subject", "Login fails"}})["structuredContent"];
  auto msg = call(s, t, "add_ticket_message", {{"ticket_id", ticket["id"]}, {"body", "We are on it."}});
  REQUIRE(msg["isError"] == false);
  CHECK(msg["structuredContent"]["ticket_id"] == ticket["id"]);
  REQUIRE(call(s, t, "add_ticket_comment", {{"ticket_id", ticket["id"]}, {"body", "VIP"}})["isError"] == false);
  auto msgs = call(s, t, "list_ticket_messages", {{"ticket_id", ticket["id"]}});
  CHECK(msgs["structuredContent"]["data"].size() == 1);
  check_refusal(call(s, t, "add_ticket_message", {{"ticket_id", "tkt_00000000000000000000000000"}, {"body", "x"}}),
                "resource_not_found");

  auto summary = call(s, t, "get_workspace_assistant_summary");
  INFO(summary.dump());
  REQUIRE(summary["isError"] == false);
  auto& sc = summary["structuredContent"];
  CHECK(sc["workspace_id"] == s.workspace_id);
  CHECK(sc["modules"]["crm"]["contacts"] == 1);
  CHECK(sc["modules"]["support"]["support-tickets"] == 1);
  CHECK(sc["open_tasks"] == 0);
  CHECK(sc["open_tickets"] == 1);
  CHECK(!sc["modules"].contains("cms"));  // no cms:read
  CHECK(sc["usage_today"].is_null());     // no usage:read
}

TEST_CASE("the official MCP TypeScript SDK connects, lists, calls and is refused; every schema validates") {
  if (!js_deps_ready()) return;
  Server s;
  auto writer = mcp_token(
      s, {"crm:read", "crm:write", "support:read", "support:write", "tasks:read", "tasks:write", "activity:read",
          "activity:write", "cms:read", "cms:write", "assets:read", "assets:write", "usage:read"});
  auto reader = mcp_token(s, {"crm:read"});
  auto r = run_node("mcp-sdk.mjs", {gateway(s), writer, reader});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("ok: ") != std::string::npos);
}

TEST_CASE("slab5 mcp tools and call show what an agent sees, with the REST exit codes on refusals") {
  Server s;
  auto t = mcp_token(s, kCrmRw);
  std::map<std::string, std::string> env{{"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_MCP_TOKEN", t}};
  auto tools = run_cli({"mcp", "tools"}, env);
  INFO(tools.out << tools.err);
  REQUIRE(tools.exit_code == 0);
  CHECK(tools.out.find("search_contacts") != std::string::npos);
  CHECK(tools.out.find("crm:write") != std::string::npos);
  CHECK(tools.out.find(t) == std::string::npos);
  auto json = run_cli({"mcp", "tools", "--json"}, env);
  REQUIRE(json.exit_code == 0);
  CHECK(Json::parse(json.out).size() > 50);  // every page

  auto dry = run_cli({"mcp", "call", "create_contact", "-f", "name=Ada", "--dry-run", "--json"}, env);
  INFO(dry.out << dry.err);
  REQUIRE(dry.exit_code == 0);
  CHECK(Json::parse(dry.out)["name"] == "Ada");
  CHECK(api("GET", s.api_url + "/contacts", s.token).json["data"].empty());
  auto made = run_cli({"mcp", "call", "create_contact", "-f", "name=Ada", "-F", "custom_fields[]=1", "--json"}, env);
  // custom_fields must be an object: refused as REST refuses it (422 → exit 1).
  CHECK(made.exit_code == 1);
  CHECK(made.err.find("custom_fields") != std::string::npos);
  made = run_cli({"mcp", "call", "create_contact", "-f", "name=Ada", "--json"}, env);
  REQUIRE(made.exit_code == 0);
  CHECK(Json::parse(made.out)["source"] == "mcp");

  auto reader_env = env;
  reader_env["SLAB5_MCP_TOKEN"] = mcp_token(s, {"crm:read"});
  auto denied = run_cli({"mcp", "call", "create_contact", "-f", "name=X"}, reader_env);
  CHECK(denied.exit_code == 5);  // forbidden (cli.md §4)
  CHECK(denied.err.find("crm:write") != std::string::npos);
  auto unknown = run_cli({"mcp", "call", "no_such_tool"}, env);
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("no_such_tool") != std::string::npos);

  // Without an MCP token: a clear message, and an API key is not sent to the gateway as one.
  auto none = run_cli({"mcp", "tools"}, {{"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_WORKSPACE_TOKEN", s.token}});
  CHECK(none.exit_code == 4);
  CHECK(none.err.find("SLAB5_MCP_TOKEN") != std::string::npos);
  // The MCP token given the usual way works too.
  auto as_token =
      run_cli({"mcp", "tools", "--json"}, {{"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_WORKSPACE_TOKEN", t}});
  CHECK(as_token.exit_code == 0);
}

TEST_CASE("slab5 mcp config prints each client's block naming the variable, never the token") {
  Server s;
  auto t = mcp_token(s, kCrmRw);
  std::map<std::string, std::string> env{{"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_MCP_TOKEN", t}};
  std::string url = gateway(s);
  auto claude = run_cli({"mcp", "config"}, env);
  INFO(claude.out << claude.err);
  REQUIRE(claude.exit_code == 0);
  auto c = Json::parse(claude.out);
  CHECK(c["mcpServers"]["slab5"]["url"] == url);
  CHECK(c["mcpServers"]["slab5"]["type"] == "http");
  CHECK(c["mcpServers"]["slab5"]["headers"]["Authorization"] == "Bearer ${SLAB5_MCP_TOKEN}");
  auto cursor = Json::parse(run_cli({"mcp", "config", "--client", "cursor"}, env).out);
  CHECK(cursor["mcpServers"]["slab5"]["url"] == url);
  CHECK(cursor["mcpServers"]["slab5"]["headers"]["Authorization"] == "Bearer ${env:SLAB5_MCP_TOKEN}");
  auto vscode = Json::parse(run_cli({"mcp", "config", "--client", "vscode"}, env).out);
  CHECK(vscode["servers"]["slab5"]["type"] == "http");
  CHECK(vscode["servers"]["slab5"]["url"] == url);
  for (std::string client : {"claude", "cursor", "vscode"}) {
    auto r = run_cli({"mcp", "config", "--client", client}, env);
    CHECK(r.out.find(t) == std::string::npos);
    CHECK(r.err.find(t) == std::string::npos);
  }
  CHECK(run_cli({"mcp", "config", "--client", "emacs"}, env).exit_code == 2);
  // The block's header, with the variable expanded as the client does, opens the gateway.
  auto r = http("POST", url, R"({"jsonrpc":"2.0","id":1,"method":"ping"})",
                {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + t}});
  CHECK(r.status == 200);
}
