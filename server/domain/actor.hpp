// Who acts and through what: what every domain rule takes instead of an HTTP request, so a
// REST handler, an MCP tool, a worker or a test calls the same rule the same way.
#pragma once
#include <string>
#include <vector>

namespace slab5d {

struct Actor {
  std::string type = "system";  // user | api_key | mcp_client | system
  std::string id = "system";    // usr_… | key_… | mcp_… | "system"
  std::string workspace_id;
  std::string tenant_id;
  std::string role;                          // sessions: the user's role in the workspace
  std::vector<std::string> scopes;           // what the credential (or the role) grants
  std::vector<std::string> enabled_modules;  // the workspace's modules
  std::string credential_id;                 // ses_… | key_… | mcp_… ("" for system)
  std::string user_id;                       // sessions: the user ("" otherwise)
  std::string source = "api";                // api | mcp | worker | system | admin

  bool is_agent() const { return type == "mcp_client"; }
};

// A signed-in user who owns the workspace (not a credential acting for it).
inline bool caller_is_owner(const Actor& actor) { return actor.type == "user" && actor.role == "owner"; }

// Where a call came from, for the audit row; never read by a rule.
struct RequestMeta {
  std::string request_id;
  std::string correlation_id;
  std::string route;  // "POST /v1/contacts", or the MCP tool / worker name
  std::string ip;
  std::string user_agent;
  std::string input_hash;  // SHA-256 of the input with secrets removed ("" for none)
  // Set by a WriteUnit that committed this call's usage event with its write (api.md §8.1:
  // audit, usage and event in one transaction), so the edge does not record it again.
  mutable bool usage_recorded = false;
};

}  // namespace slab5d
