// server/app: the middleware answers every route of the table, for every kind of caller,
// with exactly the refusal slab5::first_refusal decides (api.md §1's order), driven in
// process (tests/support/in_process).
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <set>

#include "in_process.hpp"
#include "slab5/access.hpp"
#include "slab5/routes.hpp"

using namespace testing;
using Json = nlohmann::json;

namespace {

struct TestCaller {
  std::string name;
  std::string token;
  std::string workspace_header;  // sent as x-workspace-id
  slab5::Caller::Kind kind = slab5::Caller::Kind::ApiKey;
  std::string own_workspace;  // keys: their workspace
  bool member = false;        // sessions: a member of workspace_header
  std::string role;
  std::vector<std::string> scopes;
  std::vector<std::string> modules;  // enabled in the workspace it acts in

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

// "/v1/workspace/api-keys/{id}" → "/v1/workspace/api-keys/x_none"
std::string concrete(const slab5::RouteEntry& r) {
  std::string out;
  for (const auto& s : r.segments) out += "/" + (slab5::is_param_segment(s) ? std::string("x_none") : s);
  return out;
}

Json data_of(const Answer& a) {
  REQUIRE_MESSAGE(a.status / 100 == 2, a.body);
  return a.json["data"];
}

std::string key_with(InProcess& c, const std::string& token, const std::string& workspace,
                     const std::vector<std::string>& scopes, const std::string& base = "api-keys") {
  Call call{"POST", "/v1/workspace/" + base, token, {{"name", "k"}, {"scopes", scopes}}, {}};
  if (!workspace.empty()) call.headers.emplace_back("x-workspace-id", workspace);
  return data_of(c.request(call))["secret"];
}

// Whether the route's own requirements could give this refusal.
bool table_can_refuse(const std::string& code, const slab5::RouteEntry& route) {
  if (route.access == slab5::Access::Public) return false;
  if (code == "unauthorized") return true;
  if (code == "forbidden") return !route.role.empty() || route.access == slab5::Access::User;
  if (code == "workspace_header_required" || code == "workspace_not_found") return slab5::needs_workspace(route.access);
  if (code == "module_not_enabled") return !route.module.empty();
  if (code == "missing_required_scope") return !route.scope.empty();
  return false;
}

}  // namespace

TEST_CASE("every route answers every caller as first_refusal decides") {
  InProcess c;
  const std::string w1 = c.workspace_id();
  auto ws1 = data_of(c.request("GET", "/v1/workspace", c.token()));
  std::vector<std::string> modules1 = ws1["enabled_modules"];

  // A session of the first owner, a second workspace with crm disabled, a readonly member.
  auto grantable = [](const std::vector<std::string>& modules) {
    std::vector<std::string> out;
    for (const auto& sc : slab5::all_scopes()) {
      std::string m(slab5::find_scope(sc)->module);
      if (m.empty() || std::find(modules.begin(), modules.end(), m) != modules.end()) out.push_back(sc);
    }
    return out;
  };
  auto scopes_of = [&](const std::string& token) {
    return data_of(c.request("GET", "/v1/me", token))["credential"]["scopes"].get<std::vector<std::string>>();
  };
  // Each session caller has its own session: logging out (the last route) ends only it.
  auto session = [&](const std::string& email, const std::string& password) {
    return data_of(c.request("POST", "/v1/auth/session", "",
                             {{"provider", "local"}, {"email", email}, {"password", password}}))["accessToken"]
        .get<std::string>();
  };
  auto owner_session = [&] { return session(c.first_start().owner_email, c.first_start().owner_password); };
  std::string owner = owner_session();
  Call make_w2{"POST", "/v1/workspaces", owner, {{"name", "Second"}}, {}};
  std::string w2 = data_of(c.request(make_w2))["id"];
  std::string w2_key = key_with(c, owner, w2, grantable(modules1));
  Call off{"DELETE", "/v1/workspace/modules/crm", owner, nullptr, {{"x-workspace-id", w2}}};
  std::vector<std::string> modules2 = data_of(c.request(off))["enabled_modules"];
  std::string email = "viewer@example.com";
  c.request("POST", "/v1/workspace/invitations", c.token(), {{"email", email}, {"role", "readonly"}});
  auto mail = data_of(c.request("GET", "/v1/dev/mail?to=" + email, ""));
  auto accepted = data_of(
      c.request("POST", "/v1/auth/accept-invite", "", {{"token", mail[0]["token"]}, {"password", "viewer-pass-1"}}));
  std::string viewer = accepted["accessToken"];
  auto viewer_session = [&] { return session(email, "viewer-pass-1"); };

  using K = slab5::Caller::Kind;
  std::vector<TestCaller> callers = {
      {"owner key, every scope", c.token(), "", K::ApiKey, w1, false, "", scopes_of(c.token()), modules1},
      {"key with some scopes",
       key_with(c, c.token(), "", {"crm:read", "tasks:write", "audit:read"}),
       "",
       K::ApiKey,
       w1,
       false,
       "",
       {"crm:read", "tasks:write", "audit:read"},
       modules1},
      {"key with one scope",
       key_with(c, c.token(), "", {"usage:read"}),
       w1,
       K::ApiKey,
       w1,
       false,
       "",
       {"usage:read"},
       modules1},
      {"key sent to another workspace",
       key_with(c, c.token(), "", {"crm:read"}),
       w2,
       K::ApiKey,
       w1,
       false,
       "",
       {"crm:read"},
       modules1},
      {"MCP client token",
       key_with(c, c.token(), "", {"crm:read"}, "mcp-clients"),
       "",
       K::McpClient,
       w1,
       false,
       "",
       {"crm:read"},
       modules1},
      {"owner session", owner, w1, K::Session, "", true, "owner", slab5::scopes_for_role("owner"), modules1},
      {"session without a workspace", owner_session(), "", K::Session, "", false, "", {}, {}},
      {"readonly session", viewer, w1, K::Session, "", true, "readonly", slab5::scopes_for_role("readonly"), modules1},
      {"readonly session, not a member", viewer_session(), w2, K::Session, "", false, "", {}, {}},
      {"owner session, crm disabled", owner_session(), w2, K::Session, "", true, "owner",
       slab5::scopes_for_role("owner"), modules2},
      {"key, crm disabled", w2_key, "", K::ApiKey, w2, false, "", scopes_of(w2_key), modules2},
  };

  // Logging out ends the sessions: last. Reset (api.md §9.1) would end every caller's tokens:
  // not walked, but called once at the end.
  std::vector<const slab5::RouteEntry*> routes;
  for (const auto& r : slab5::route_table())
    if (r.id != "auth.logout" && r.id != "dev.reset") routes.push_back(&r);
  routes.push_back(slab5::find_route_by_id("auth.logout"));

  std::map<std::string, int> outcomes;
  for (const auto& who : callers) {
    for (const auto* r : routes) {
      CAPTURE(who.name);
      CAPTURE(r->label);
      Call call{r->method, concrete(*r), who.token, nullptr, {}};
      if (r->method == "POST" || r->method == "PATCH" || r->method == "PUT") call.body = Json::object();
      if (!who.workspace_header.empty()) call.headers.emplace_back("x-workspace-id", who.workspace_header);
      auto answer = c.request(call);
      auto expected = slab5::first_refusal(*r, who.facts());
      REQUIRE(expected.undecided.empty());
      if (expected.refusal) {
        const auto& e = *expected.refusal;
        CHECK(answer.status == e.http_status());
        CHECK(answer.code() == e.code);
        CHECK(answer.json["error"]["message"] == e.effective_message());
        for (const auto& [k, v] : e.extra.items()) CHECK(answer.json["error"][k] == v);
        outcomes[e.code]++;
      } else {
        // Not refused by the table's rules; a domain rule on the target may still refuse
        // (removing another member needs settings:admin), with a code the route could not give.
        CHECK_MESSAGE(!table_can_refuse(answer.code(), *r), answer.body);
        outcomes["pass"]++;
      }
    }
  }
  // Every kind of refusal happened somewhere.
  for (const char* code : {"pass", "unauthorized", "forbidden", "workspace_header_required", "workspace_not_found",
                           "module_not_enabled", "missing_required_scope"})
    CHECK_MESSAGE(outcomes[code] > 0, code);
  const auto* reset = slab5::find_route_by_id("dev.reset");
  REQUIRE(reset != nullptr);
  CHECK_FALSE(slab5::first_refusal(*reset, callers.front().facts()).refusal.has_value());
  CHECK(c.request(Call{reset->method, concrete(*reset), callers.front().token, Json::object(), {}}).status == 204);
}

TEST_CASE("a credential-route scope refusal is still audited") {
  InProcess c;
  std::string weak = key_with(c, c.token(), "", {"crm:read"});
  auto r = c.request("POST", "/v1/workspace/api-keys", weak, {{"name", "x"}, {"scopes", {"crm:read"}}});
  CHECK(r.status == 403);
  CHECK(r.code() == "missing_required_scope");
  auto events = c.request("GET", "/v1/workspace/audit-events?action=api_key.create_refused", c.token());
  REQUIRE(events.status == 200);
  REQUIRE(events.json["data"].size() == 1);
  CHECK(events.json["data"][0]["status"] == 403);
}

TEST_CASE("a refused write is answered on the I/O thread, without waiting for the writer") {
  // The checks before a write (authentication … the body's parse) run where the request was
  // read; only an admitted call waits for the writer thread and its group commit.
  InProcess c;
  std::unique_lock gate(c.app().db().write_gate());  // the writer cannot start a batch
  auto ok = c.send({"POST", "/v1/contacts", c.token(), {{"name", "Waits For The Writer"}}, {}});
  auto no_token = c.send({"POST", "/v1/contacts", "sk_test_not_a_key", {{"name", "x"}}, {}});
  auto bad_body = c.send({"POST", "/v1/contacts", c.token(), Json::array({1, 2}), {}});
  REQUIRE(no_token.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(no_token.get().status == 401);
  REQUIRE(bad_body.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(bad_body.get().status / 100 == 4);
  CHECK(ok.wait_for(std::chrono::milliseconds(300)) == std::future_status::timeout);
  gate.unlock();
  REQUIRE(ok.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(ok.get().status == 201);
}
