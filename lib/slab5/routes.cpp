#include "slab5/routes.hpp"

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "slab5/access.hpp"
#include "slab5/api/resources.hpp"

namespace slab5 {

std::string_view access_name(Access a) {
  switch (a) {
    case Access::Public:
      return "public";
    case Access::User:
      return "user";
    case Access::Workspace:
      return "workspace";
    case Access::Mcp:
      return "mcp";
    case Access::Self:
      return "self";
  }
  return "?";
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    auto j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool is_param_segment(std::string_view s) { return s.size() > 2 && s.front() == '{' && s.back() == '}'; }

int match_score(std::span<const std::string> pattern, std::span<const std::string_view> segments) {
  if (pattern.size() != segments.size()) return -1;
  int score = 0;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (is_param_segment(pattern[i])) continue;
    if (pattern[i] != segments[i]) return -1;
    ++score;
  }
  return score;
}

std::string resource_route_id(const api::ResourceSpec& resource, std::string_view op) {
  std::string id(resource.route);
  std::replace(id.begin(), id.end(), '-', '_');
  id += '.';
  id += op;
  return id;
}

namespace {

std::vector<RouteEntry> build() {
  const std::string admin = "settings:admin";
  using A = Access;
  std::vector<RouteEntry> t = {
      // system and identity (api.md §2)
      {.id = "health", .method = "GET", .pattern = "/health", .access = A::Public},
      {.id = "jwks", .method = "GET", .pattern = "/.well-known/jwks.json", .access = A::Public},
      // the OpenAPI document of this table (api.md §8.6)
      {.id = "openapi", .method = "GET", .pattern = "/v1/openapi.json", .access = A::Public},
      {.id = "auth.register", .method = "POST", .pattern = "/v1/auth/register", .access = A::Public, .blocking = true},
      {.id = "auth.verify_email", .method = "POST", .pattern = "/v1/auth/verify-email", .access = A::Public},
      {.id = "auth.resend_verification",
       .method = "POST",
       .pattern = "/v1/auth/resend-verification",
       .access = A::Public},
      {.id = "auth.login", .method = "POST", .pattern = "/v1/auth/session", .access = A::Public, .blocking = true},
      {.id = "auth.refresh", .method = "POST", .pattern = "/v1/auth/refresh", .access = A::Public},
      {.id = "auth.logout", .method = "DELETE", .pattern = "/v1/auth/session", .access = A::User},
      {.id = "auth.sessions.list", .method = "GET", .pattern = "/v1/auth/sessions", .access = A::User},
      {.id = "auth.sessions.revoke", .method = "DELETE", .pattern = "/v1/auth/sessions/{id}", .access = A::User},
      {.id = "auth.accept_invite",
       .method = "POST",
       .pattern = "/v1/auth/accept-invite",
       .access = A::Public,
       .blocking = true},
      // any credential, no workspace: a session or a key asks who it is (api.md §2.2)
      {.id = "me", .method = "GET", .pattern = "/v1/me", .access = A::Self},
      // workspaces (api.md §3)
      {.id = "workspace.get", .method = "GET", .pattern = "/v1/workspace"},
      {.id = "workspace.update", .method = "PATCH", .pattern = "/v1/workspace", .scope = admin},
      {.id = "workspace.delete", .method = "DELETE", .pattern = "/v1/workspace", .scope = admin, .role = "owner"},
      {.id = "workspaces.list", .method = "GET", .pattern = "/v1/workspaces", .access = A::User},
      {.id = "workspaces.create", .method = "POST", .pattern = "/v1/workspaces", .access = A::User, .creates = true},
      {.id = "workspace.modules.enable", .method = "PUT", .pattern = "/v1/workspace/modules/{module}", .scope = admin},
      {.id = "workspace.modules.disable",
       .method = "DELETE",
       .pattern = "/v1/workspace/modules/{module}",
       .scope = admin},
      // members and invitations (api.md §4). Removing a member names no scope: a member may
      // remove themself; removing someone else needs settings:admin (domain/members.cpp).
      {.id = "members.list", .method = "GET", .pattern = "/v1/workspace/members"},
      {.id = "members.update", .method = "PATCH", .pattern = "/v1/workspace/members/{usr_id}", .scope = admin},
      {.id = "members.remove", .method = "DELETE", .pattern = "/v1/workspace/members/{usr_id}"},
      {.id = "invitations.list", .method = "GET", .pattern = "/v1/workspace/invitations", .scope = admin},
      {.id = "invitations.create",
       .method = "POST",
       .pattern = "/v1/workspace/invitations",
       .scope = admin,
       .creates = true},
      {.id = "invitations.revoke", .method = "DELETE", .pattern = "/v1/workspace/invitations/{id}", .scope = admin},
      // audit and usage (api.md §6, §7)
      {.id = "audit_events.list", .method = "GET", .pattern = "/v1/workspace/audit-events", .scope = "audit:read"},
      {.id = "audit_events.get",
       .method = "GET",
       .pattern = "/v1/workspace/audit-events/{aud_id}",
       .scope = "audit:read"},
      {.id = "usage.summary", .method = "GET", .pattern = "/v1/workspace/usage", .scope = "usage:read"},
      {.id = "usage_events.list", .method = "GET", .pattern = "/v1/workspace/usage-events", .scope = "usage:read"},
  };
  // credentials (api.md §5): api-keys and mcp-clients have the same shape
  for (std::string kind : {"api_keys", "mcp_clients"}) {
    std::string base = "/v1/workspace/" + std::string(kind == "api_keys" ? "api-keys" : "mcp-clients");
    t.push_back({.id = kind + ".list", .method = "GET", .pattern = base, .scope = admin});
    t.push_back({.id = kind + ".create", .method = "POST", .pattern = base, .scope = admin, .creates = true});
    t.push_back({.id = kind + ".get", .method = "GET", .pattern = base + "/{id}", .scope = admin});
    t.push_back({.id = kind + ".update", .method = "PATCH", .pattern = base + "/{id}", .scope = admin});
    t.push_back(
        {.id = kind + ".rotate", .method = "POST", .pattern = base + "/{id}/rotate", .scope = admin, .creates = true});
    t.push_back({.id = kind + ".revoke", .method = "POST", .pattern = base + "/{id}/revoke", .scope = admin});
  }
  // app-plane resources (api.md §8.1): from the resource table. Reads need <scope>:read,
  // writes <scope>:write, and the resource's module must be enabled.
  for (const auto& r : api::resource_table()) {
    if (r.is_child() || !r.served) continue;
    std::string module(r.module), read = std::string(r.scope) + ":read", write = std::string(r.scope) + ":write";
    std::string base = "/v1/" + std::string(r.route), item = base + "/{id}";
    auto add = [&](std::string op, std::string method, std::string pattern, const std::string& scope,
                   bool creates = false) {
      t.push_back({.id = resource_route_id(r, op),
                   .method = std::move(method),
                   .pattern = std::move(pattern),
                   .module = module,
                   .scope = scope,
                   .creates = creates});
    };
    add("list", "GET", base, read);
    add("create", "POST", base, write, true);
    add("get", "GET", item, read);
    if (!r.append_only) {
      add("update", "PATCH", item, write);
      add("delete", "DELETE", item, write);
    }
    for (const auto& a : r.actions)
      add(std::string(a.name), "POST", item + "/" + std::string(a.name), write, a.creates);
    for (const auto* child : api::children_of(r.route)) {
      std::string path = item + "/" + std::string(child->route);
      add(std::string(child->route) + ".list", "GET", path, read);
      add(std::string(child->route) + ".create", "POST", path, write, true);
    }
  }
  // asset bytes (api.md §8.2): no bearer token; the URL's signature, made when the asset is
  // read, names the method, workspace and asset, and is checked by the handler.
  if (const auto* assets = api::find_resource("assets"); assets && assets->served) {
    t.push_back({.id = resource_route_id(*assets, "upload"),
                 .method = "PUT",
                 .pattern = "/v1/assets/{id}/upload",
                 .access = A::Public});
    t.push_back({.id = resource_route_id(*assets, "download"),
                 .method = "GET",
                 .pattern = "/v1/assets/{id}/download",
                 .access = A::Public});
  }
  // the event log (api.md §8.3): module integrations
  t.push_back({.id = "events.list",
               .method = "GET",
               .pattern = "/v1/events",
               .module = "integrations",
               .scope = "integrations:read"});
  t.push_back({.id = "events.get",
               .method = "GET",
               .pattern = "/v1/events/{evt_id}",
               .module = "integrations",
               .scope = "integrations:read"});
  t.push_back({.id = "events.stream",
               .method = "GET",
               .pattern = "/v1/events/stream",
               .module = "integrations",
               .scope = "integrations:read"});
  t.push_back({.id = "event_types.list",
               .method = "GET",
               .pattern = "/v1/event-types",
               .module = "integrations",
               .scope = "integrations:read"});
  // webhooks (api.md §8.3): endpoints, their deliveries; module integrations
  {
    auto add = [&](std::string id, std::string method, std::string pattern, bool write, bool creates = false) {
      t.push_back({.id = std::move(id),
                   .method = std::move(method),
                   .pattern = std::move(pattern),
                   .module = "integrations",
                   .scope = write ? "integrations:write" : "integrations:read",
                   .creates = creates});
    };
    add("webhooks.list", "GET", "/v1/webhooks", false);
    add("webhooks.create", "POST", "/v1/webhooks", true, true);
    add("webhooks.get", "GET", "/v1/webhooks/{whk_id}", false);
    add("webhooks.update", "PATCH", "/v1/webhooks/{whk_id}", true);
    add("webhooks.delete", "DELETE", "/v1/webhooks/{whk_id}", true);
    add("webhooks.rotate_secret", "POST", "/v1/webhooks/{whk_id}/rotate-secret", true, true);
    add("webhooks.pause", "POST", "/v1/webhooks/{whk_id}/pause", true);
    add("webhooks.resume", "POST", "/v1/webhooks/{whk_id}/resume", true);
    add("webhooks.test", "POST", "/v1/webhooks/{whk_id}/test", true);
    add("webhooks.deliveries.list", "GET", "/v1/webhooks/{whk_id}/deliveries", false);
    add("webhook_deliveries.get", "GET", "/v1/webhook-deliveries/{dlv_id}", false);
    add("webhook_deliveries.retry", "POST", "/v1/webhook-deliveries/{dlv_id}/retry", true);
    // inbound sources (api.md §8.4); the inbound route itself is verified by its signature
    add("webhook_sources.list", "GET", "/v1/webhook-sources", false);
    add("webhook_sources.create", "POST", "/v1/webhook-sources", true, true);
    add("webhook_sources.get", "GET", "/v1/webhook-sources/{src_id}", false);
    add("webhook_sources.delete", "DELETE", "/v1/webhook-sources/{src_id}", true);
    t.push_back({.id = "webhooks.inbound",
                 .method = "POST",
                 .pattern = "/v1/webhooks/inbound/{source_id}",
                 .access = A::Public});
  }
  // the MCP gateway (api.md §8.5): one POST route for MCP's Streamable HTTP transport (GET and
  // DELETE are 405 by the router, as the stateless transport wants), MCP client tokens only;
  // each tool's module and scope are checked per call against the REST route it runs. The
  // RFC 9728 metadata that a 401 from the gateway points at is public.
  t.push_back({.id = "mcp", .method = "POST", .pattern = "/mcp/v1", .access = A::Mcp});
  t.push_back({.id = "mcp.protected_resource",
               .method = "GET",
               .pattern = "/.well-known/oauth-protected-resource",
               .access = A::Public});
  // development routes (api.md §9): unauthenticated, off with --no-dev-routes
  t.push_back({.id = "dev.mail.list", .method = "GET", .pattern = "/v1/dev/mail", .access = A::Public, .dev = true});
  t.push_back(
      {.id = "dev.mail.clear", .method = "DELETE", .pattern = "/v1/dev/mail", .access = A::Public, .dev = true});
  // Minting may generate the RSA key: off the I/O threads. The JWKS is not offloaded: an
  // offloaded sign-in fetches it from this very server.
  t.push_back({.id = "dev.oauth.id_token",
               .method = "POST",
               .pattern = "/v1/dev/oauth/{provider}/id-token",
               .access = A::Public,
               .blocking = true,
               .dev = true});
  t.push_back({.id = "dev.oauth.jwks",
               .method = "GET",
               .pattern = "/v1/dev/oauth/{provider}/jwks.json",
               .access = A::Public,
               .dev = true});
  // The test-suite controls (api.md §9.1): the server clock, snapshots, reset. Saving and
  // restoring copy the whole database file: off the I/O threads.
  t.push_back({.id = "dev.clock.get", .method = "GET", .pattern = "/v1/dev/clock", .access = A::Public, .dev = true});
  t.push_back({.id = "dev.clock.set", .method = "POST", .pattern = "/v1/dev/clock", .access = A::Public, .dev = true});
  t.push_back(
      {.id = "dev.clock.reset", .method = "DELETE", .pattern = "/v1/dev/clock", .access = A::Public, .dev = true});
  t.push_back(
      {.id = "dev.snapshots.list", .method = "GET", .pattern = "/v1/dev/snapshots", .access = A::Public, .dev = true});
  t.push_back({.id = "dev.snapshots.create",
               .method = "POST",
               .pattern = "/v1/dev/snapshots",
               .access = A::Public,
               .blocking = true,
               .dev = true});
  t.push_back({.id = "dev.snapshots.get",
               .method = "GET",
               .pattern = "/v1/dev/snapshots/{name}",
               .access = A::Public,
               .dev = true});
  t.push_back({.id = "dev.snapshots.delete",
               .method = "DELETE",
               .pattern = "/v1/dev/snapshots/{name}",
               .access = A::Public,
               .dev = true});
  t.push_back({.id = "dev.snapshots.restore",
               .method = "POST",
               .pattern = "/v1/dev/snapshots/{name}/restore",
               .access = A::Public,
               .blocking = true,
               .dev = true});
  t.push_back({.id = "dev.reset",
               .method = "POST",
               .pattern = "/v1/dev/reset",
               .access = A::Public,
               .blocking = true,
               .dev = true});

  for (auto& e : t) {
    e.label = e.method + " " + e.pattern;
    for (auto s : split_path(e.pattern)) e.segments.emplace_back(s);
  }
  return t;
}

const std::vector<RouteEntry>& table() {
  static const std::vector<RouteEntry> t = build();
  return t;
}

}  // namespace

std::span<const RouteEntry> route_table() { return table(); }

const RouteEntry* find_route_by_id(std::string_view id) {
  static const auto index = [] {
    std::unordered_map<std::string_view, const RouteEntry*> m;
    for (const auto& e : table()) m.emplace(e.id, &e);
    return m;
  }();
  auto it = index.find(id);
  return it == index.end() ? nullptr : it->second;
}

const RouteEntry* find_route(std::string_view method, std::string_view path) {
  std::string m(method);
  for (auto& c : m) c = char(std::toupper(static_cast<unsigned char>(c)));
  auto q = path.find_first_of("?#");
  if (q != std::string_view::npos) path = path.substr(0, q);
  auto segs = split_path(path);
  auto best_of = [&](std::span<const std::string_view> s) {
    const RouteEntry* best = nullptr;
    int best_score = -1;
    for (const auto& r : table()) {
      if (r.method != m) continue;
      int score = match_score(r.segments, s);
      if (score > best_score) {
        best_score = score;
        best = &r;
      }
    }
    return best;
  };
  if (const auto* r = best_of(segs)) return r;
  // Relative to the base URL, as `slab5 api` takes it: "/workspace" is "/v1/workspace".
  if (segs.empty() || segs.front() != "v1") {
    segs.insert(segs.begin(), "v1");
    return best_of(segs);
  }
  return nullptr;
}

bool accepts_kind(Access access, Caller::Kind kind) {
  if (kind == Caller::Kind::None) return true;  // nothing to compare: authentication refuses it
  if (access == Access::Mcp) return kind == Caller::Kind::McpClient;
  if (kind == Caller::Kind::McpClient) return access == Access::Self;
  return true;
}

namespace {
bool holds(const std::optional<std::span<const std::string>>& list, std::string_view x) {
  return std::find(list->begin(), list->end(), x) != list->end();
}
RouteCheck refuse(Error e) { return RouteCheck{std::move(e), {}}; }
RouteCheck undecided(std::string_view step) { return RouteCheck{std::nullopt, step}; }
}  // namespace

RouteCheck first_refusal(const RouteEntry& route, const Caller& c) {
  using K = Caller::Kind;
  if (route.access == Access::Public) return {};
  // 1. authentication: a token, of a kind this route takes, that is valid
  if (c.kind == K::None)
    return refuse(c.auth_error ? *c.auth_error : Error{"unauthorized", "Send Authorization: Bearer <token>."});
  if (!accepts_kind(route.access, c.kind))
    return refuse(
        route.access == Access::Mcp
            ? Error{"unauthorized", "The MCP gateway accepts MCP client tokens only."}
            : Error{"unauthorized", "MCP client tokens are accepted only by the MCP gateway and GET /v1/me."});
  if (!c.authenticated) return refuse(c.auth_error ? *c.auth_error : Error{"unauthorized"});
  // 2. workspace resolution
  bool session = c.kind == K::Session;
  if (route.access == Access::User && !session)
    return refuse(Error{"forbidden", "This route needs a session token; sign in with 'slab5 login'."});
  if (needs_workspace(route.access)) {
    if (session) {
      if (c.workspace_header.empty()) return refuse(Error{"workspace_header_required"});
      if (!c.member)
        return refuse(
            Error{"workspace_not_found", "No workspace " + std::string(c.workspace_header) + " is accessible to you."});
    } else if (!c.workspace_header.empty() && c.workspace_header != c.credential_workspace) {
      return refuse(Error{"workspace_not_found",
                          "The credential does not belong to workspace " + std::string(c.workspace_header) + "."});
    }
    if (!c.workspace_exists) return refuse(Error{"workspace_not_found"});
  }
  // 3. module
  if (!route.module.empty()) {
    if (!c.enabled_modules) return undecided("module");
    if (!holds(c.enabled_modules, route.module))
      return refuse(Error{"module_not_enabled",
                          "The " + route.module + " module is not enabled in this workspace.",
                          {{"module", route.module}}});
  }
  // 4. scope
  if (!route.scope.empty()) {
    if (!c.scopes) return undecided("scope");
    if (!holds(c.scopes, route.scope))
      return refuse(Error{"missing_required_scope", "", {{"required_scope", route.scope}}});
  }
  // 5. role: a session of at least this role; credentials have none
  if (!route.role.empty() && (!session || role_rank(c.role) < role_rank(route.role)))
    return refuse(Error{"forbidden",
                        "This operation needs the " + route.role + " role" + (session ? "." : " and a session token."),
                        {{"required_role", route.role}}});
  return {};
}

}  // namespace slab5
