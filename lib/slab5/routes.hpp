// The route table: every route slab5d serves, once (api.md §2-§9). Each entry has a stable id
// ("api_keys.create"), its method and pattern, and what it requires of a caller: access kind,
// module, scope and minimum role. It also says whether the route creates (takes an
// idempotency key) and whether it runs on the blocking pool. App-plane routes are generated
// from the resource table (api/resources.hpp).
//
// slab5d binds one handler to each entry by its id and refuses to start when an entry has no
// handler or a handler names no entry (server/router.hpp). `slab5 doctor --route` reads the
// same table, and first_refusal() below is the one place that decides, in api.md §1's order,
// which refusal a caller gets: the server's middleware and doctor both call it.
#pragma once
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "slab5/error.hpp"

namespace slab5 {

namespace api {
struct ResourceSpec;
}

enum class Access {
  Public,     // no token
  User,       // a session token; no workspace
  Workspace,  // any workspace credential (session + x-workspace-id, or API key)
  Mcp,        // an MCP client token (the MCP gateway)
  Self,       // a session, API key or MCP client token, no workspace: introspection (GET /v1/me)
};
std::string_view access_name(Access a);  // "public" | "user" | "workspace" | "mcp" | "self"

struct RouteEntry {
  std::string id;       // "api_keys.create": what a handler is bound to
  std::string method;   // "POST"
  std::string pattern;  // "/v1/workspace/api-keys/{id}"
  Access access = Access::Workspace;
  std::string module;     // the module that must be enabled ("" = none)
  std::string scope;      // the scope the credential must hold ("" = none)
  std::string role;       // minimum role of a session; credentials are refused ("" = none)
  bool creates = false;   // a POST that creates: takes idempotency keys (api.md §1)
  bool blocking = false;  // runs on the blocking pool (password hashing, key generation)
  bool dev = false;       // a development route (api.md §9): absent with --no-dev-routes

  // Derived from the above when the table is built.
  std::string label;                  // "POST /v1/workspace/api-keys": the route in logs, audit, usage
  std::vector<std::string> segments;  // the pattern split at '/'
};

// Every route of slab5d, built once.
std::span<const RouteEntry> route_table();
const RouteEntry* find_route_by_id(std::string_view id);

// The ids of the routes generated from a resource: "<route>.<op>" with '-' as '_'
// ("deal_stages.list"); `op` is list, create, get, update, delete, an action's name, or for a
// child "<child>.list" / "<child>.create" ("support_tickets.messages.list").
std::string resource_route_id(const api::ResourceSpec& resource, std::string_view op);

// "/v1//a/b/" → {"v1", "a", "b"}: empty segments are dropped. The views point into `path`.
std::vector<std::string_view> split_path(std::string_view path);
bool is_param_segment(std::string_view segment);  // "{id}"
// How well `segments` (a split path) fits `pattern` (a split pattern): the number of literal
// segments that match (a literal beats a parameter), or -1 when it does not fit.
int match_score(std::span<const std::string> pattern, std::span<const std::string_view> segments);

// The route for METHOD and PATH ("/v1/workspace/api-keys/key_123", a query string ignored;
// a path without /v1 is read relative to the base URL). nullptr when none matches.
const RouteEntry* find_route(std::string_view method, std::string_view path);

// What is known of the caller when a route's checks run.
struct Caller {
  enum class Kind { None, Session, ApiKey, McpClient };
  // The credential's kind by the token's shape. None: no usable bearer token (missing,
  // malformed, not a Slab5 token, or a key whose checksum fails) — `auth_error` says which.
  Kind kind = Kind::None;
  // Whether the token authenticated (signature or hash found; not revoked or expired).
  bool authenticated = false;
  const Error* auth_error = nullptr;  // why not, when the server knows (401's message)

  // Workspace routes. A session names its workspace with x-workspace-id.
  std::string_view workspace_header;  // as sent ("" = none)
  bool member = false;                // sessions: the user is a member of that workspace
  // API keys and MCP clients: their own workspace (a header must name it).
  std::string_view credential_workspace;
  bool workspace_exists = true;  // the resolved workspace still exists

  std::string_view role;  // sessions: the role in the workspace
  // nullopt: not known (doctor could not read them); the step that needs them is undecided.
  std::optional<std::span<const std::string>> scopes;
  std::optional<std::span<const std::string>> enabled_modules;
};

// What first_refusal decided: a refusal, nothing (the route's checks pass), or — only when
// the caller's modules or scopes are not known (doctor) — the step it could not decide.
struct RouteCheck {
  std::optional<Error> refusal;  // the answer, as the server sends it
  std::string_view undecided;    // "module" or "scope"

  bool refused() const { return refusal.has_value(); }
  bool passed() const { return !refusal && undecided.empty(); }
};

// api.md §1's order: authentication (401) → workspace resolution (400/404) → module enabled
// (403 module_not_enabled) → scope (403 missing_required_scope) → role (403 forbidden).
// Rate limit, validation and the operation come after, in the server.
RouteCheck first_refusal(const RouteEntry& route, const Caller& caller);

// Whether a route of this access kind takes a token of this kind at all (checked by the
// token's shape, before the token is looked up).
bool accepts_kind(Access access, Caller::Kind kind);
// Whether the route resolves a workspace (step 2).
inline bool needs_workspace(Access a) { return a == Access::Workspace || a == Access::Mcp; }

}  // namespace slab5
