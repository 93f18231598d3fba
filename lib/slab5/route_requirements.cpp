#include "slab5/route_requirements.hpp"

#include <cctype>

#include "slab5/access.hpp"
#include "slab5/api/resources.hpp"

namespace slab5 {
namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool matches(const std::string& pattern, const std::vector<std::string>& segs) {
  auto p = split_path(pattern);
  if (p.size() != segs.size()) return false;
  for (std::size_t i = 0; i < p.size(); ++i)
    if (!(p[i].front() == '{' && p[i].back() == '}') && p[i] != segs[i]) return false;
  return true;
}

std::vector<RouteRequirement> build() {
  const std::string admin = "settings:admin";
  std::vector<RouteRequirement> t = {
      // public (api.md §2, §9)
      {"GET", "/health", "public"},
      {"GET", "/.well-known/jwks.json", "public"},
      {"POST", "/v1/auth/register", "public"},
      {"POST", "/v1/auth/verify-email", "public"},
      {"POST", "/v1/auth/resend-verification", "public"},
      {"POST", "/v1/auth/session", "public"},
      {"POST", "/v1/auth/refresh", "public"},
      {"POST", "/v1/auth/accept-invite", "public"},
      {"POST", "/v1/webhooks/inbound/{source_id}", "public"},
      {"GET", "/v1/dev/mail", "public"},
      {"DELETE", "/v1/dev/mail", "public"},
      {"POST", "/v1/dev/oauth/{provider}/id-token", "public"},
      {"GET", "/v1/dev/oauth/{provider}/jwks.json", "public"},
      // a session, no workspace (api.md §2.2, §3)
      {"DELETE", "/v1/auth/session", "user"},
      {"GET", "/v1/auth/sessions", "user"},
      {"DELETE", "/v1/auth/sessions/{id}", "user"},
      {"GET", "/v1/workspaces", "user"},
      {"POST", "/v1/workspaces", "user"},
      // any credential, no workspace: a session or an API key asks who it is (api.md §2.2)
      {"GET", "/v1/me", "self"},
      // workspace (api.md §3, §4)
      {"GET", "/v1/workspace", "workspace"},
      {"PATCH", "/v1/workspace", "workspace", "", admin},
      {"DELETE", "/v1/workspace", "workspace", "", admin, "owner"},
      {"PUT", "/v1/workspace/modules/{module}", "workspace", "", admin},
      {"DELETE", "/v1/workspace/modules/{module}", "workspace", "", admin},
      {"GET", "/v1/workspace/members", "workspace"},
      {"PATCH", "/v1/workspace/members/{usr_id}", "workspace", "", admin},
      {"DELETE", "/v1/workspace/members/{usr_id}", "workspace"},  // a member may remove themself
      {"GET", "/v1/workspace/invitations", "workspace", "", admin},
      {"POST", "/v1/workspace/invitations", "workspace", "", admin},
      {"DELETE", "/v1/workspace/invitations/{id}", "workspace", "", admin},
      // audit and usage (api.md §6, §7)
      {"GET", "/v1/workspace/audit-events", "workspace", "", "audit:read"},
      {"GET", "/v1/workspace/audit-events/{aud_id}", "workspace", "", "audit:read"},
      {"GET", "/v1/workspace/usage", "workspace", "", "usage:read"},
      {"GET", "/v1/workspace/usage-events", "workspace", "", "usage:read"},
      // the MCP gateway (api.md §8)
      {"POST", "/mcp/v1", "mcp"},
  };
  // credentials (api.md §5): api-keys and mcp-clients have the same shape
  for (std::string kind : {"api-keys", "mcp-clients"}) {
    std::string base = "/v1/workspace/" + kind;
    t.push_back({"GET", base, "workspace", "", admin});
    t.push_back({"POST", base, "workspace", "", admin});
    t.push_back({"GET", base + "/{id}", "workspace", "", admin});
    t.push_back({"PATCH", base + "/{id}", "workspace", "", admin});
    t.push_back({"POST", base + "/{id}/rotate", "workspace", "", admin});
    t.push_back({"POST", base + "/{id}/revoke", "workspace", "", admin});
  }
  // module resources (api.md §8): derived from the resource table — reads need
  // <scope>:read, writes <scope>:write, and the module must be enabled.
  for (const auto& r : api::resource_table()) {
    if (r.is_child()) continue;
    std::string module(r.module), read = std::string(r.scope) + ":read", write = std::string(r.scope) + ":write";
    std::string base = "/v1/" + std::string(r.route);
    t.push_back({"GET", base, "workspace", module, read});
    t.push_back({"POST", base, "workspace", module, write});
    t.push_back({"GET", base + "/{id}", "workspace", module, read});
    if (!r.append_only) {
      t.push_back({"PATCH", base + "/{id}", "workspace", module, write});
      t.push_back({"DELETE", base + "/{id}", "workspace", module, write});
    }
    for (const auto& a : r.actions) t.push_back({"POST", base + "/{id}/" + std::string(a.name), "workspace", module, write});
    for (const auto* child : api::children_of(r.route)) {
      t.push_back({"GET", base + "/{id}/" + std::string(child->route), "workspace", module, read});
      t.push_back({"POST", base + "/{id}/" + std::string(child->route), "workspace", module, write});
    }
  }
  // webhooks and inbound sources (api.md §8.3, §8.4)
  for (const char* path : {"webhooks", "webhook-sources"}) {
    std::string base = std::string("/v1/") + path;
    t.push_back({"GET", base, "workspace", "integrations", "integrations:read"});
    t.push_back({"POST", base, "workspace", "integrations", "integrations:write"});
    t.push_back({"GET", base + "/{id}", "workspace", "integrations", "integrations:read"});
    t.push_back({"PATCH", base + "/{id}", "workspace", "integrations", "integrations:write"});
    t.push_back({"DELETE", base + "/{id}", "workspace", "integrations", "integrations:write"});
  }
  for (const char* action : {"pause", "resume", "test"})
    t.push_back({"POST", std::string("/v1/webhooks/{id}/") + action, "workspace", "integrations", "integrations:write"});
  t.push_back({"GET", "/v1/webhooks/{id}/deliveries", "workspace", "integrations", "integrations:read"});
  t.push_back({"GET", "/v1/event-types", "workspace", "integrations", "integrations:read"});
  t.push_back({"GET", "/v1/events", "workspace", "integrations", "integrations:read"});
  t.push_back({"GET", "/v1/events/{evt_id}", "workspace", "integrations", "integrations:read"});
  return t;
}

}  // namespace

const std::vector<RouteRequirement>& route_requirements() {
  static const std::vector<RouteRequirement> table = build();
  return table;
}

const RouteRequirement* find_route_requirement(std::string_view method, std::string_view path) {
  std::string m(method);
  for (auto& c : m) c = char(std::toupper(static_cast<unsigned char>(c)));
  auto q = path.find_first_of("?#");
  if (q != std::string_view::npos) path = path.substr(0, q);
  auto segs = split_path(path);
  for (const auto& r : route_requirements())
    if (r.method == m && matches(r.pattern, segs)) return &r;
  // Relative to the base URL, as `slab5 api` takes it: "/workspace" is "/v1/workspace".
  if (segs.empty() || segs.front() != "v1") {
    segs.insert(segs.begin(), "v1");
    for (const auto& r : route_requirements())
      if (r.method == m && matches(r.pattern, segs)) return &r;
  }
  return nullptr;
}

}  // namespace slab5
