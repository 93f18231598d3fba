// cli/doctor: the checks that need no server: base URL shape, transport, clock skew, a route's needs.
#include <doctest/doctest.h>

#include "doctor.hpp"
#include "slab5/access.hpp"

using namespace slab5cli;

TEST_CASE("base URL shape: http(s), a host, ending in /v1") {
  CHECK(check_base_url_shape("http://127.0.0.1:8787/v1", "default").status == "ok");
  CHECK(check_base_url_shape("https://api.slab5.com/v1", "default").status == "ok");
  auto c = check_base_url_shape("http://127.0.0.1:8787", "env SLAB5_API_BASE_URL");
  CHECK(c.status == "fail");
  CHECK(c.detail.find("does not end in /v1") != std::string::npos);
  CHECK(c.detail.find("env SLAB5_API_BASE_URL") != std::string::npos);
  CHECK(!c.fix.empty());
  CHECK(check_base_url_shape("127.0.0.1:8787/v1", "x").status == "fail");
  CHECK(check_base_url_shape("ftp://host/v1", "x").status == "fail");
  CHECK(check_base_url_shape("http:///v1", "x").status == "fail");
  CHECK(check_base_url_shape("http://host/v1?x=1", "x").status == "fail");
}

TEST_CASE("HTTP dates parse; anything else does not") {
  CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
  CHECK(parse_http_date("1994-11-06T08:49:37Z") == -1);
  CHECK(parse_http_date("") == -1);
}

TEST_CASE("clock skew: within 60 s passes, beyond fails with a fix, a missing Date fails") {
  std::time_t server = 784111777;
  CHECK(check_clock_skew("Sun, 06 Nov 1994 08:49:37 GMT", server).status == "ok");
  CHECK(check_clock_skew("Sun, 06 Nov 1994 08:49:37 GMT", server + 59).status == "ok");
  auto ahead = check_clock_skew("Sun, 06 Nov 1994 08:49:37 GMT", server + 300);
  CHECK(ahead.status == "fail");
  CHECK(ahead.detail.find("300 s ahead") != std::string::npos);
  CHECK(!ahead.fix.empty());
  CHECK(check_clock_skew("Sun, 06 Nov 1994 08:49:37 GMT", server - 120).detail.find("behind") != std::string::npos);
  CHECK(check_clock_skew("", server).status == "fail");
}

namespace {
CredentialFacts api_key(std::vector<std::string> scopes, std::vector<std::string> modules = {"crm", "tasks"}) {
  CredentialFacts f;
  f.kind = "api_key";
  f.valid = true;
  f.workspace_set = true;
  f.scopes_known = true;
  f.scopes = std::move(scopes);
  f.modules_known = true;
  f.enabled_modules = std::move(modules);
  return f;
}
CredentialFacts session(const std::string& role, bool workspace = true) {
  CredentialFacts f;
  f.kind = "session";
  f.valid = true;
  f.workspace_set = workspace;
  f.role = role;
  f.scopes_known = !role.empty();
  f.scopes = slab5::scopes_for_role(role);
  f.modules_known = true;
  f.enabled_modules = {"crm"};
  return f;
}
}  // namespace

TEST_CASE("route: a key with the scope and the module enabled passes") {
  auto c = check_route_needs("GET /v1/contacts", api_key({"crm:read"}));
  CHECK(c.status == "ok");
  CHECK(c.detail.find("scope crm:read") != std::string::npos);
}

TEST_CASE("route: a missing scope fails and names it, a disabled module fails first") {
  auto c = check_route_needs("POST /contacts", api_key({"crm:read"}));
  CHECK(c.status == "fail");
  CHECK(c.detail.find("crm:write") != std::string::npos);
  CHECK(c.fix.find("--scope crm:write") != std::string::npos);
  auto m = check_route_needs("GET /v1/cms-entries", api_key({"cms:read"}, {"crm"}));
  CHECK(m.status == "fail");
  CHECK(m.detail.find("module cms") != std::string::npos);
  CHECK(m.fix.find("modules enable cms") != std::string::npos);
}

TEST_CASE("route: unknown scopes are a failure that says why, never a pass") {
  auto f = api_key({});
  f.scopes_known = false;
  f.scopes_unknown_reason = "listing keys needs settings:admin, which this key lacks";
  auto c = check_route_needs("GET /v1/tasks", f);
  CHECK(c.status == "fail");
  CHECK(c.detail.find("settings:admin") != std::string::npos);
  // A route that needs no scope does not need to know them.
  CHECK(check_route_needs("GET /v1/workspace/members", f).status == "ok");
}

TEST_CASE("route: session-only and role routes refuse API keys; roles rank") {
  CHECK(check_route_needs("GET /v1/auth/sessions", api_key({"settings:admin"})).status == "fail");
  CHECK(check_route_needs("GET /v1/auth/sessions", session("member")).status == "ok");
  // GET /v1/me answers any credential about itself (api.md §2.2).
  CHECK(check_route_needs("GET /v1/me", api_key({"crm:read"})).status == "ok");
  CHECK(check_route_needs("GET /v1/me", session("member")).status == "ok");
  auto del = check_route_needs("DELETE /v1/workspace", api_key({"settings:admin"}));
  CHECK(del.status == "fail");
  CHECK(del.detail.find("role owner") != std::string::npos);
  CHECK(check_route_needs("DELETE /v1/workspace", session("admin")).status == "fail");
  CHECK(check_route_needs("DELETE /v1/workspace", session("owner")).status == "ok");
  CHECK(check_route_needs("PATCH /v1/workspace", session("member")).status == "fail");
  CHECK(check_route_needs("PATCH /v1/workspace", session("admin")).status == "ok");
}

TEST_CASE("route: a session without a workspace fails workspace routes with the -w fix") {
  auto c = check_route_needs("GET /v1/workspace", session("owner", false));
  CHECK(c.status == "fail");
  CHECK(c.fix.find("-w") != std::string::npos);
}

TEST_CASE("route: public routes pass without a token; unknown routes and bad syntax fail") {
  CHECK(check_route_needs("GET /health", CredentialFacts{}).status == "ok");
  CHECK(check_route_needs("POST /v1/auth/session", CredentialFacts{}).status == "ok");
  CHECK(check_route_needs("GET /v1/nope", api_key({})).status == "fail");
  CHECK(check_route_needs("/v1/workspace", api_key({})).status == "fail");
  CHECK(check_route_needs("GET /v1/workspace", CredentialFacts{}).status == "skip");
}

TEST_CASE("route: an MCP token opens GET /v1/me and no other REST route") {
  CredentialFacts mcp;
  mcp.kind = "mcp_client";
  mcp.valid = true;
  mcp.scopes_known = true;
  mcp.scopes = {"crm:read"};
  CHECK(check_route_needs("GET /v1/me", mcp).status == "ok");
  auto c = check_route_needs("GET /v1/contacts", mcp);
  CHECK(c.status == "fail");
  CHECK(c.detail.find("401 unauthorized") != std::string::npos);
}

TEST_CASE("route: the server's order — module, then scope, then role — and its answer") {
  // A member session lacks settings:admin: refused for the scope before the owner role.
  auto del = check_route_needs("DELETE /v1/workspace", session("member"));
  CHECK(del.status == "fail");
  CHECK(del.detail.find("settings:admin") != std::string::npos);
  CHECK(del.detail.find("403 missing_required_scope") != std::string::npos);
  // A disabled module comes before a missing scope.
  auto m = check_route_needs("POST /v1/cms-entries", api_key({"crm:read"}, {"crm"}));
  CHECK(m.detail.find("403 module_not_enabled") != std::string::npos);
  // A session with no workspace set: the header step.
  CHECK(check_route_needs("GET /v1/workspace", session("owner", false)).detail.find("400 workspace_header_required") !=
        std::string::npos);
}

// The transport check (cli.md §1: no token over plain http to a host that is not loopback
// unless allowed).
TEST_CASE("doctor's transport check fails plain http to a non-loopback host, with the fix") {
  auto c = check_transport("http://192.0.2.2:18999/v1", false);
  CHECK(c.status == "fail");
  CHECK(c.detail.find("http://192.0.2.2:18999") != std::string::npos);
  CHECK(c.fix.find("https://") != std::string::npos);
  CHECK(c.fix.find("--allow-insecure-http") != std::string::npos);
  CHECK(c.fix.find("SLAB5_ALLOW_INSECURE_HTTP=1") != std::string::npos);
}

TEST_CASE("doctor's transport check passes https, loopback http, and allowed insecure http") {
  CHECK(check_transport("https://api.slab5.com/v1", false).status == "ok");
  CHECK(check_transport("http://127.0.0.1:8787/v1", false).status == "ok");
  CHECK(check_transport("http://localhost:8787/v1", false).status == "ok");
  CHECK(check_transport("http://[::1]:8787/v1", false).status == "ok");
  auto allowed = check_transport("http://192.0.2.2/v1", true);
  CHECK(allowed.status == "ok");
  CHECK(allowed.detail.find("in clear") != std::string::npos);
}

TEST_CASE("doctor's transport check fails a base URL whose host is ambiguous") {
  CHECK(check_transport("http://user@127.0.0.1/v1", false).status == "fail");
  CHECK(check_transport("not a url", false).status == "fail");
}
