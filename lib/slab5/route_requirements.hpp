// What each API route requires of its caller (api.md §2-§9): access kind, module, scope and
// minimum role. slab5 does not link the server's route table; `slab5 doctor --route` reads
// this one, and a unit test holds it equal to every route slab5d declares.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace slab5 {

struct RouteRequirement {
  std::string method;
  std::string pattern;  // "/v1/workspace/api-keys/{id}"
  std::string access;   // "public" | "user" (session, no workspace) | "self" (session, API
                        // key or MCP client token, no workspace: GET /v1/me) | "workspace" | "mcp"
  std::string module;   // "" = none
  std::string scope;    // "" = none
  std::string role;     // minimum role of a session; credentials are refused ("" = none)
};

const std::vector<RouteRequirement>& route_requirements();

// The route for METHOD and PATH ("/v1/workspace/api-keys/key_123", a query string ignored;
// a path without /v1 is read relative to the base URL). nullptr when none matches.
const RouteRequirement* find_route_requirement(std::string_view method, std::string_view path);

}  // namespace slab5
