// lib/slab5/routes: the route table (every route of slab5d, once) and first_refusal, the
// check order that slab5d's middleware and `slab5 doctor --route` share.
#include <doctest/doctest.h>

#include <set>

#include "slab5/access.hpp"
#include "slab5/api/resources.hpp"
#include "slab5/routes.hpp"

using slab5::Access;
using slab5::Caller;
using slab5::RouteEntry;

namespace {
const RouteEntry& route(std::string_view id) {
  const auto* r = slab5::find_route_by_id(id);
  REQUIRE_MESSAGE(r != nullptr, "no route " << id);
  return *r;
}

// A caller that passes every step unless a test changes something.
struct Facts {
  std::vector<std::string> scopes = slab5::all_scopes();
  std::vector<std::string> modules = slab5::default_enabled_modules();
  Caller caller(Caller::Kind kind = Caller::Kind::ApiKey) const {
    Caller c;
    c.kind = kind;
    c.authenticated = true;
    c.credential_workspace = "wrk_1";
    if (kind == Caller::Kind::Session) {
      c.workspace_header = "wrk_1";
      c.member = true;
      c.role = "owner";
    }
    c.scopes = std::span<const std::string>(scopes);
    c.enabled_modules = std::span<const std::string>(modules);
    return c;
  }
};

std::string code_of(const slab5::RouteCheck& c) { return c.refusal ? c.refusal->code : std::string(); }
}  // namespace

TEST_CASE("every entry has a unique id and route, and names scopes, modules and roles that exist") {
  std::set<std::string> ids, routes;
  REQUIRE(!slab5::route_table().empty());
  for (const auto& r : slab5::route_table()) {
    CAPTURE(r.id);
    CHECK(ids.insert(r.id).second);
    CHECK(routes.insert(r.method + " " + r.pattern).second);
    CHECK(r.label == r.method + " " + r.pattern);
    CHECK(slab5::find_route_by_id(r.id) == &r);
    if (!r.scope.empty()) CHECK(slab5::find_scope(r.scope) != nullptr);
    if (!r.role.empty()) CHECK(slab5::find_role(r.role) != nullptr);
    if (!r.module.empty()) {
      REQUIRE(slab5::find_module(r.module) != nullptr);
      // A module route's scope belongs to that module (api.md §8.1).
      REQUIRE(slab5::find_scope(r.scope) != nullptr);
      CHECK(std::string(slab5::find_scope(r.scope)->module) == r.module);
    }
    if (r.creates) CHECK(r.method == "POST");
    if (r.dev) CHECK(r.access == Access::Public);
    if (r.access == Access::Public) CHECK((r.module.empty() && r.scope.empty() && r.role.empty()));
  }
}

TEST_CASE("control-plane routes name no module; app-plane routes name their resource's module") {
  for (const auto& r : slab5::route_table()) {
    CAPTURE(r.id);
    bool app_plane = !r.pattern.starts_with("/v1/workspace") && !r.pattern.starts_with("/v1/auth") &&
                     !r.pattern.starts_with("/v1/dev") && r.pattern.starts_with("/v1/") && r.pattern != "/v1/me" &&
                     r.pattern != "/v1/openapi.json";
    // The asset byte routes are public (a signed URL is their credential, api.md §8.2), and so
    // is an inbound webhook (its signature is, api.md §8.4): no caller is known whose
    // workspace's modules could be checked.
    if (r.access == Access::Public) {
      CHECK(r.module.empty());
      if (app_plane) CHECK((r.id == "assets.upload" || r.id == "assets.download" || r.id == "webhooks.inbound"));
      continue;
    }
    CHECK(app_plane == !r.module.empty());
  }
  for (const auto& res : slab5::api::resource_table()) {
    if (res.is_child()) continue;
    CAPTURE(res.route);
    const auto* list = slab5::find_route_by_id(slab5::resource_route_id(res, "list"));
    if (!res.served) {
      CHECK(list == nullptr);
      continue;
    }
    REQUIRE(list);
    CHECK(list->pattern == "/v1/" + std::string(res.route));
    CHECK(list->module == res.module);
    CHECK(list->scope == std::string(res.scope) + ":read");
    const auto& create = route(slab5::resource_route_id(res, "create"));
    CHECK(create.creates);
    CHECK(create.scope == std::string(res.scope) + ":write");
    CHECK((slab5::find_route_by_id(slab5::resource_route_id(res, "update")) == nullptr) == res.append_only);
    for (const auto& a : res.actions) CHECK(route(slab5::resource_route_id(res, a.name)).module == res.module);
    for (const auto* child : slab5::api::children_of(res.route)) {
      const auto& c = route(slab5::resource_route_id(res, std::string(child->route) + ".create"));
      CHECK(c.creates);
      CHECK(c.module == res.module);
    }
  }
  CHECK(route("support_tickets.messages.list").pattern == "/v1/support-tickets/{id}/messages");
  CHECK(route("deal_stages.list").pattern == "/v1/deal-stages");
  CHECK(route("leads.convert").pattern == "/v1/leads/{id}/convert");
}

TEST_CASE("one split_path: empty segments are dropped") {
  CHECK(slab5::split_path("/v1//workspace/") == std::vector<std::string_view>{"v1", "workspace"});
  CHECK(slab5::split_path("").empty());
  CHECK(slab5::split_path("/").empty());
  CHECK(slab5::is_param_segment("{id}"));
  CHECK(!slab5::is_param_segment("{}"));
}

TEST_CASE("routes are found by method and concrete path, with or without /v1, ignoring the query") {
  const auto* r = slab5::find_route("post", "/v1/workspace/api-keys/key_01abc/rotate");
  REQUIRE(r);
  CHECK(r->id == "api_keys.rotate");
  CHECK(r->scope == "settings:admin");
  r = slab5::find_route("GET", "/contacts?query=ada");
  REQUIRE(r);
  CHECK(r->module == "crm");
  CHECK(r->scope == "crm:read");
  r = slab5::find_route("GET", "activities");
  REQUIRE(r);
  CHECK(r->scope == "activity:read");
  // A literal segment beats a parameter.
  CHECK(slab5::find_route("DELETE", "/v1/auth/session")->id == "auth.logout");
  CHECK(slab5::find_route("GET", "/v1/auth/sessions")->id == "auth.sessions.list");
  CHECK(slab5::find_route("GET", "/health")->access == Access::Public);
  CHECK(slab5::find_route("DELETE", "/v1/workspace")->role == "owner");
  CHECK(slab5::find_route("PUT", "/v1/workspace") == nullptr);
  CHECK(slab5::find_route("GET", "/v1/nothing-here") == nullptr);
}

TEST_CASE("first_refusal: public routes need nothing; authentication comes first") {
  Caller nobody;
  CHECK(first_refusal(route("health"), nobody).passed());
  CHECK(code_of(first_refusal(route("workspace.get"), nobody)) == "unauthorized");
  slab5::Error why{"unauthorized", "The API key has been revoked."};
  Facts f;
  auto revoked = f.caller();
  revoked.authenticated = false;
  revoked.auth_error = &why;
  auto c = first_refusal(route("workspace.get"), revoked);
  REQUIRE(c.refused());
  CHECK(c.refusal->message == "The API key has been revoked.");
  CHECK(c.refusal->http_status() == 401);
}

TEST_CASE("first_refusal: an MCP token opens only GET /v1/me of the REST routes, before its validity") {
  Facts f;
  auto mcp = f.caller(Caller::Kind::McpClient);
  CHECK(first_refusal(route("me"), mcp).passed());
  auto c = first_refusal(route("contacts.list"), mcp);
  CHECK(code_of(c) == "unauthorized");
  CHECK(c.refusal->message.find("MCP") != std::string::npos);
  mcp.authenticated = false;  // a revoked MCP token is refused for its kind first
  CHECK(first_refusal(route("contacts.list"), mcp).refusal->message.find("MCP") != std::string::npos);
}

TEST_CASE("first_refusal: session-only routes, then the workspace") {
  Facts f;
  CHECK(code_of(first_refusal(route("workspaces.list"), f.caller())) == "forbidden");
  CHECK(first_refusal(route("workspaces.list"), f.caller(Caller::Kind::Session)).passed());
  auto session = f.caller(Caller::Kind::Session);
  session.workspace_header = "";
  CHECK(code_of(first_refusal(route("workspace.get"), session)) == "workspace_header_required");
  session.workspace_header = "wrk_other";
  session.member = false;
  CHECK(code_of(first_refusal(route("workspace.get"), session)) == "workspace_not_found");
  auto key = f.caller();
  key.workspace_header = "wrk_other";
  CHECK(code_of(first_refusal(route("workspace.get"), key)) == "workspace_not_found");
  key.workspace_header = "wrk_1";
  CHECK(first_refusal(route("workspace.get"), key).passed());
  key.workspace_exists = false;
  CHECK(code_of(first_refusal(route("workspace.get"), key)) == "workspace_not_found");
}

TEST_CASE("first_refusal: module, then scope, then role (api.md §1), whatever else is missing") {
  Facts f;
  f.scopes = {"crm:read"};
  f.modules = {"tasks"};
  // Module off and scope missing: the module is named.
  auto c = first_refusal(route("contacts.create"), f.caller());
  REQUIRE(code_of(c) == "module_not_enabled");
  CHECK(c.refusal->extra["module"] == "crm");
  f.modules = {"crm"};
  c = first_refusal(route("contacts.create"), f.caller());
  REQUIRE(code_of(c) == "missing_required_scope");
  CHECK(c.refusal->extra["required_scope"] == "crm:write");
  // Scope before role: a member session (no settings:admin) on the owner-only delete is
  // refused for the scope, an API key with the scope for the role.
  auto member = f.caller(Caller::Kind::Session);
  member.role = "member";
  auto member_scopes = slab5::scopes_for_role("member");
  member.scopes = std::span<const std::string>(member_scopes);
  CHECK(code_of(first_refusal(route("workspace.delete"), member)) == "missing_required_scope");
  f.scopes = {"settings:admin"};
  c = first_refusal(route("workspace.delete"), f.caller());
  REQUIRE(code_of(c) == "forbidden");
  CHECK(c.refusal->extra["required_role"] == "owner");
  CHECK(c.refusal->message.find("session token") != std::string::npos);
  auto admin = f.caller(Caller::Kind::Session);
  admin.role = "admin";
  CHECK(code_of(first_refusal(route("workspace.delete"), admin)) == "forbidden");
  admin.role = "owner";
  CHECK(first_refusal(route("workspace.delete"), admin).passed());
}

TEST_CASE("first_refusal: what is not known is undecided, never a pass") {
  Facts f;
  auto c = f.caller();
  c.enabled_modules.reset();
  CHECK(first_refusal(route("contacts.list"), c).undecided == "module");
  CHECK(first_refusal(route("workspace.update"), c).passed());  // names no module
  c = f.caller();
  c.scopes.reset();
  CHECK(first_refusal(route("audit_events.list"), c).undecided == "scope");
  CHECK(first_refusal(route("members.list"), c).passed());  // names no scope
  // A refusal before the unknown step is still a refusal.
  c.workspace_header = "wrk_other";
  CHECK(code_of(first_refusal(route("audit_events.list"), c)) == "workspace_not_found");
}
