// The route table: each route's method, pattern, access rule, module, scope, role and
// handler. The middleware in app.cpp reads these fields; handlers never re-check them.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "http/message.hpp"
#include "slab5/error.hpp"
#include "slab5/json_util.hpp"

namespace slab5d {

struct Ctx;

struct Reply {
  int status = 200;
  slab5::Json data;                        // wrapped as {"data": …, "request_id": …}
  std::optional<std::string> next_cursor;  // lists: present only when another page exists
  HeaderPairs headers;
  bool no_body = false;                    // 204
  std::optional<std::string> raw_body;     // sent as-is (JWKS, health, replays)
  std::optional<std::string> data_text;    // `data` already serialised (wrapped like data)
  std::string content_type = "application/json";

  static Reply ok(slab5::Json d) { return Reply{200, std::move(d)}; }
  static Reply created(slab5::Json d) { return Reply{201, std::move(d)}; }
  static Reply no_content() {
    Reply r;
    r.status = 204;
    r.no_body = true;
    return r;
  }
};

using Handler = std::function<slab5::Result<Reply>(Ctx&)>;

enum class Access {
  Public,     // no token
  User,       // a session token; no workspace
  Workspace,  // any workspace credential (session + x-workspace-id, or API key)
  Mcp,        // an MCP client token (the MCP gateway)
  Self,       // a session, API key or MCP client token, no workspace: introspection (GET /v1/me)
};

struct Route {
  std::string method;
  std::string pattern;            // "/v1/workspace/api-keys/{id}"
  Access access = Access::Workspace;
  std::string module;             // route's module ("" = none)
  std::string scope;              // required scope ("" = none)
  std::string role;               // minimum role of a session; credentials are refused ("" = none)
  bool offload = false;           // run on the blocking pool (password hashing, outbound calls)
  bool creates = false;           // POST that creates: takes idempotency keys
  Handler handler;
  // Called when the check order refuses the route for a missing scope, so routes whose
  // refusals must be audited (credential changes) can record them.
  std::function<void(Ctx&, const slab5::Error&)> on_scope_refused;

  std::vector<std::string> segments;  // split pattern, filled by Router::add
};

struct RouteMatch {
  const Route* route = nullptr;
  std::unordered_map<std::string, std::string> params;
  std::vector<std::string> allowed;  // when the path matched but the method did not
};

class Router {
 public:
  Route& add(Route r);
  RouteMatch match(std::string_view method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace slab5d
