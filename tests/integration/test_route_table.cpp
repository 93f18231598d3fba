// The whole route table against a real slab5d and the real slab5: for a set of callers
// (sessions of several roles, API keys with few or all scopes, an MCP token, a workspace with
// a module disabled), every route is requested over HTTP, and the server's refusal (status
// and code, or none) must be the one slab5::first_refusal decides — the function
// `slab5 doctor --route` reports — and, for one route per caller and outcome, the one the
// real `slab5 doctor --route` prints. One server, credentials made once.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "harness.hpp"
#include "slab5/access.hpp"
#include "slab5/encoding.hpp"
#include "slab5/json_util.hpp"
#include "slab5/routes.hpp"

using namespace testing;

namespace {

struct TestCaller {
  std::string name;
  std::string token;
  std::string workspace_header;  // sent as x-workspace-id (and SLAB5_WORKSPACE_ID to doctor)
  slab5::Caller::Kind kind = slab5::Caller::Kind::ApiKey;
  std::string own_workspace;
  bool member = false;
  std::string role;
  std::vector<std::string> scopes;
  std::vector<std::string> modules;
  bool doctor = true;  // doctor can speak for it (its token check passes, or it is an MCP token)

  slab5::Caller facts() const {
    slab5::Caller c;
    c.kind = kind;
    c.authenticated = true;
    c.workspace_header = workspace_header;
    c.member = member;
    c.credential_workspace = own_workspace;
    c.role = role;
    c.scopes = std::span<const std::string>(scopes);
    c.enabled_modules = std::span<const std::string>(modules);
    return c;
  }
};

std::string concrete(const slab5::RouteEntry& r) {
  std::string out;
  for (const auto& s : r.segments) out += "/" + (slab5::is_param_segment(s) ? std::string("x_none") : s);
  return out;
}

Json data_of(const Response& r) {
  if (r.status / 100 != 2) throw std::runtime_error("set-up request failed: " + r.body);
  return r.json["data"];
}

// An API error code; "" for a success or a JSON-RPC error (the MCP gateway's integer codes).
std::string code_of(const Response& r) {
  return r.json.is_object() && r.json.contains("error") ? slab5::string_or(r.json["error"], "code") : "";
}

// "pass", or "<status> <code>" as the server answered for the check order's refusals.
const std::set<std::string> kCheckCodes = {"unauthorized",       "workspace_header_required", "workspace_not_found",
                                           "module_not_enabled", "missing_required_scope",    "forbidden"};
// Whether the table could give this refusal on this route at all; if not, a domain rule gave
// it (removing another member needs settings:admin: a rule on the target, not the route).
bool table_can_refuse(const std::string& code, const slab5::RouteEntry& route) {
  if (route.access == slab5::Access::Public) return false;
  if (code == "unauthorized") return true;
  if (code == "forbidden") return !route.role.empty() || route.access == slab5::Access::User;
  if (code == "workspace_header_required" || code == "workspace_not_found") return slab5::needs_workspace(route.access);
  if (code == "module_not_enabled") return !route.module.empty();
  if (code == "missing_required_scope") return !route.scope.empty();
  return false;
}
std::string outcome_of(const Response& r, const slab5::RouteEntry& route) {
  std::string code = code_of(r);
  if (!kCheckCodes.count(code) || !table_can_refuse(code, route)) return "pass";
  return std::to_string(r.status) + " " + code;
}

// What `slab5 doctor --route` says: "pass", "<status> <code>", or what else it printed.
std::string doctor_says(const Server& s, const TestCaller& who, const slab5::RouteEntry& r) {
  std::map<std::string, std::string> env = {{"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_WORKSPACE_TOKEN", who.token}};
  if (!who.workspace_header.empty()) env["SLAB5_WORKSPACE_ID"] = who.workspace_header;
  auto run = run_cli({"doctor", "--json", "--route", r.method + " " + concrete(r)}, env);
  auto checks = Json::parse(run.out, nullptr, false);
  if (!checks.is_array()) return "unreadable: " + run.out + run.err;
  for (const auto& c : checks) {
    if (c["check"] != "route") continue;
    if (c["status"] == "ok") return "pass";
    std::smatch m;
    std::string detail = c["detail"];
    if (std::regex_search(detail, m, std::regex("slab5d answers (\\d+) ([a-z_]+)")))
      return m[1].str() + " " + m[2].str();
    return "undecided: " + detail;
  }
  return "no route check";
}

}  // namespace

TEST_CASE("slab5d and slab5 doctor --route agree on every route for every caller") {
  Server s({.args = {"--rate-limit", "off"}});
  std::string w1 = s.workspace_id;
  std::vector<std::string> modules1 = data_of(api("GET", s.api_url + "/workspace", s.token))["enabled_modules"];
  auto key = [&](const std::vector<std::string>& scopes, const std::string& token, const std::string& ws = "",
                 const std::string& base = "api-keys") {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!ws.empty()) headers.emplace_back("x-workspace-id", ws);
    return data_of(api("POST", s.api_url + "/workspace/" + base, token, {{"name", "k"}, {"scopes", scopes}},
                       headers))["secret"]
        .get<std::string>();
  };
  // Every scope a key may get in a workspace (none of a disabled module's).
  auto grantable = [](const std::vector<std::string>& modules) {
    std::vector<std::string> out;
    for (const auto& sc : slab5::all_scopes()) {
      std::string m(slab5::find_scope(sc)->module);
      if (m.empty() || std::find(modules.begin(), modules.end(), m) != modules.end()) out.push_back(sc);
    }
    return out;
  };
  // A key's scopes as the server holds them.
  auto scopes_of = [&](const std::string& token) {
    return data_of(api("GET", s.api_url + "/me", token))["credential"]["scopes"].get<std::vector<std::string>>();
  };
  std::string owner = login(s, s.owner_email, s.owner_password, w1)["accessToken"];
  std::string w2 = data_of(api("POST", s.api_url + "/workspaces", owner, {{"name", "Second"}}))["id"];
  std::string w2_key = key(grantable(modules1), owner, w2);
  std::vector<std::string> modules2 = data_of(
      api("DELETE", s.api_url + "/workspace/modules/crm", owner, nullptr, {{"x-workspace-id", w2}}))["enabled_modules"];
  auto viewer = add_member(s, "readonly");
  auto agent = add_member(s, "member");

  using K = slab5::Caller::Kind;
  std::vector<TestCaller> callers = {
      {"owner key, every scope", s.token, "", K::ApiKey, w1, false, "", scopes_of(s.token), modules1},
      {"key with some scopes",
       key({"crm:read", "tasks:write", "audit:read"}, s.token),
       "",
       K::ApiKey,
       w1,
       false,
       "",
       {"crm:read", "tasks:write", "audit:read"},
       modules1},
      {"key with one scope", key({"usage:read"}, s.token), "", K::ApiKey, w1, false, "", {"usage:read"}, modules1},
      {"MCP client token",
       key({"crm:read"}, s.token, "", "mcp-clients"),
       "",
       K::McpClient,
       w1,
       false,
       "",
       {"crm:read"},
       modules1},
      {"owner session", owner, w1, K::Session, "", true, "owner", slab5::scopes_for_role("owner"), modules1},
      {"member session", agent.access_token, w1, K::Session, "", true, "member", slab5::scopes_for_role("member"),
       modules1},
      {"readonly session", viewer.access_token, w1, K::Session, "", true, "readonly",
       slab5::scopes_for_role("readonly"), modules1},
      {"session without a workspace",
       login(s, viewer.email, viewer.password)["accessToken"].get<std::string>(),
       "",
       K::Session,
       "",
       false,
       "",
       {},
       {}},
      {"readonly session, not a member",
       login(s, viewer.email, viewer.password)["accessToken"].get<std::string>(),
       w2,
       K::Session,
       "",
       false,
       "",
       {},
       {}},
      {"owner session, crm disabled", login(s, s.owner_email, s.owner_password, w1)["accessToken"].get<std::string>(),
       w2, K::Session, "", true, "owner", slab5::scopes_for_role("owner"), modules2},
      {"key, crm disabled", w2_key, "", K::ApiKey, w2, false, "", scopes_of(w2_key), modules2},
  };

  // Logging out ends a session: last. Reset (api.md §9.1) would end every caller's tokens:
  // it is not walked (a public route, its one answer is checked after the walk).
  std::vector<const slab5::RouteEntry*> routes;
  for (const auto& r : slab5::route_table())
    if (r.id != "auth.logout" && r.id != "dev.reset") routes.push_back(&r);
  routes.push_back(slab5::find_route_by_id("auth.logout"));

  std::map<std::string, int> seen;
  int doctor_runs = 0;
  for (const auto& who : callers) {
    std::set<std::string> asked_doctor;
    for (const auto* r : routes) {
      CAPTURE(who.name);
      CAPTURE(r->label);
      std::vector<std::pair<std::string, std::string>> headers;
      if (!who.workspace_header.empty()) headers.emplace_back("x-workspace-id", who.workspace_header);
      // The event stream, once admitted, would stream until stopped: an id that is not in the
      // log makes it answer 400 right after the check order instead.
      if (r->id == "events.stream") headers.emplace_back("Last-Event-ID", "evt_00000000000000000000000000");
      bool with_body = r->method == "POST" || r->method == "PATCH" || r->method == "PUT";
      auto answer =
          api(r->method, s.base_url + concrete(*r), who.token, with_body ? Json::object() : Json(nullptr), headers);
      std::string server = outcome_of(answer, *r);
      auto decided = slab5::first_refusal(*r, who.facts());
      REQUIRE(decided.undecided.empty());
      std::string expected = decided.refusal
                                 ? std::to_string(decided.refusal->http_status()) + " " + decided.refusal->code
                                 : std::string("pass");
      CHECK(server == expected);
      if (decided.refusal) CHECK(answer.json["error"]["message"] == decided.refusal->effective_message());
      seen[expected.substr(expected.find(' ') + 1)]++;
      // The real binary, once per caller and outcome (logging out is not asked: doctor's own
      // requests would come after it).
      if (who.doctor && r->id != "auth.logout" && asked_doctor.insert(server).second) {
        ++doctor_runs;
        CHECK(doctor_says(s, who, *r) == server);
      }
    }
  }
  for (const char* code : {"pass", "unauthorized", "forbidden", "workspace_header_required", "workspace_not_found",
                           "module_not_enabled", "missing_required_scope"})
    CHECK_MESSAGE(seen[code] > 0, code);
  CHECK(doctor_runs >= 20);
  // Reset, once everyone is done: public, so it passes whoever calls.
  const auto* reset = slab5::find_route_by_id("dev.reset");
  REQUIRE(reset != nullptr);
  CHECK_FALSE(slab5::first_refusal(*reset, callers.front().facts()).refusal.has_value());
  CHECK(api("POST", s.base_url + concrete(*reset), callers.front().token, Json::object()).status ==
        (on_postgres() ? 409 : 204));
}

TEST_CASE("doctor --route reports the server's order: scope before role (was role first)") {
  Server s;
  auto member = add_member(s, "member");
  std::map<std::string, std::string> env = {{"SLAB5_API_BASE_URL", s.api_url},
                                            {"SLAB5_WORKSPACE_TOKEN", member.access_token},
                                            {"SLAB5_WORKSPACE_ID", s.workspace_id}};
  // A member lacks settings:admin, which DELETE /v1/workspace needs before its owner role.
  auto server =
      api("DELETE", s.api_url + "/workspace", member.access_token, nullptr, {{"x-workspace-id", s.workspace_id}});
  CHECK(server.status == 403);
  CHECK(code_of(server) == "missing_required_scope");
  auto r = run_cli({"doctor", "--route", "DELETE /v1/workspace"}, env);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("needs scope settings:admin") != std::string::npos);
  CHECK(r.out.find("slab5d answers 403 missing_required_scope") != std::string::npos);
  CHECK(r.out.find("needs role owner") == std::string::npos);
}
