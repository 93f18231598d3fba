// `slab5 doctor [--route 'METHOD PATH']` (cli.md §2) against a real slab5d.
#include <doctest/doctest.h>

#include "harness.hpp"
#include "slab5/token.hpp"

using namespace testing;

namespace {
std::map<std::string, std::string> env_for(const Server& s) {
  return {{"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_WORKSPACE_TOKEN", s.token}};
}
// The line of one check ("ok    token: …").
std::string line_of(const std::string& out, const std::string& check) {
  auto at = out.find("  " + check + ":");
  if (at == std::string::npos) return "";
  auto start = out.rfind('\n', at);
  start = start == std::string::npos ? 0 : start + 1;
  return out.substr(start, out.find('\n', at) - start);
}
bool starts(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }
}  // namespace

TEST_CASE("doctor passes every check against a healthy server with a valid key, in order") {
  Server s;
  auto r = run_cli({"doctor"}, env_for(s));
  CHECK(r.exit_code == 0);
  auto e = r.out.find("environment:"), b = r.out.find("base URL:"), h = r.out.find("reachability:"),
       t = r.out.find("token:"), c = r.out.find("clock:");
  CHECK(e < b);
  CHECK(b < h);
  CHECK(h < t);
  CHECK(t < c);
  CHECK(c != std::string::npos);
  CHECK(starts(line_of(r.out, "token"), "ok"));
  CHECK(line_of(r.out, "token").find(s.workspace_id) != std::string::npos);
  CHECK(line_of(r.out, "environment").find("token from env SLAB5_WORKSPACE_TOKEN") != std::string::npos);
  CHECK(starts(line_of(r.out, "clock"), "ok"));
  CHECK(r.out.find(s.token) == std::string::npos);  // never the secret itself
}

TEST_CASE("doctor names the winning token variable") {
  Server s;
  auto env = env_for(s);
  env["SLAB5_API_KEY"] = slab5::generate_token("slab5_sk_");
  auto r = run_cli({"doctor"}, env);
  CHECK(r.exit_code == 0);
  CHECK(line_of(r.out, "environment").find("wins over SLAB5_API_KEY") != std::string::npos);
}

TEST_CASE("an unreachable server fails reachability with a fix and skips what depends on it") {
  auto r = run_cli({"doctor"}, {{"SLAB5_API_BASE_URL", "http://127.0.0.1:9/v1"},
                                {"SLAB5_WORKSPACE_TOKEN", slab5::generate_token("slab5_sk_")}});
  CHECK(r.exit_code == 1);
  CHECK(starts(line_of(r.out, "reachability"), "fail"));
  CHECK(line_of(r.out, "reachability").find("fix:") != std::string::npos);
  CHECK(starts(line_of(r.out, "token"), "skip"));
  CHECK(starts(line_of(r.out, "clock"), "skip"));
}

TEST_CASE("a base URL without /v1 fails its shape check") {
  Server s;
  auto env = env_for(s);
  env["SLAB5_API_BASE_URL"] = s.base_url;
  auto r = run_cli({"doctor"}, env);
  CHECK(r.exit_code == 1);
  CHECK(starts(line_of(r.out, "base URL"), "fail"));
  CHECK(line_of(r.out, "base URL").find("/v1") != std::string::npos);
  CHECK(starts(line_of(r.out, "reachability"), "ok"));  // the root is still found
}

TEST_CASE("no token, a mistyped token, an unknown token and an MCP token each fail the token check") {
  Server s;
  auto none = run_cli({"doctor"}, {{"SLAB5_API_BASE_URL", s.api_url}});
  CHECK(none.exit_code == 1);
  CHECK(line_of(none.out, "token").find("no token configured") != std::string::npos);
  CHECK(line_of(none.out, "token").find("slab5 login") != std::string::npos);

  std::string typo = s.token;
  typo.back() = typo.back() == 'a' ? 'b' : 'a';
  auto bad = run_cli({"doctor"}, {{"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_WORKSPACE_TOKEN", typo}});
  CHECK(bad.exit_code == 1);
  CHECK(line_of(bad.out, "token").find("checksum") != std::string::npos);

  auto unknown = run_cli(
      {"doctor"}, {{"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_WORKSPACE_TOKEN", slab5::generate_token("slab5_sk_")}});
  CHECK(unknown.exit_code == 1);
  CHECK(starts(line_of(unknown.out, "token"), "fail"));
  CHECK(line_of(unknown.out, "token").find("unauthorized") != std::string::npos);

  auto mcp = run_cli(
      {"doctor"}, {{"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_WORKSPACE_TOKEN", slab5::generate_token("slab5_mcp_")}});
  CHECK(mcp.exit_code == 1);
  CHECK(line_of(mcp.out, "token").find("MCP") != std::string::npos);
}

TEST_CASE("--route checks a route: public and no-scope routes pass, unknown routes fail") {
  Server s;
  auto pub = run_cli({"doctor", "--route", "GET /health"}, env_for(s));
  CHECK(pub.exit_code == 0);
  CHECK(line_of(pub.out, "route").find("public") != std::string::npos);
  auto ws = run_cli({"doctor", "--route", "GET /workspace"}, env_for(s));
  CHECK(ws.exit_code == 0);
  CHECK(starts(line_of(ws.out, "route"), "ok"));
  auto unknown = run_cli({"doctor", "--route", "GET /v1/nothing"}, env_for(s));
  CHECK(unknown.exit_code == 1);
  CHECK(starts(line_of(unknown.out, "route"), "fail"));
  auto user_only = run_cli({"doctor", "--route", "GET /v1/auth/sessions"}, env_for(s));
  CHECK(user_only.exit_code == 1);
  CHECK(line_of(user_only.out, "route").find("API keys are refused") != std::string::npos);
  // GET /v1/me answers any credential about itself.
  auto me = run_cli({"doctor", "--route", "GET /v1/me"}, env_for(s));
  CHECK(me.exit_code == 0);
  CHECK(starts(line_of(me.out, "route"), "ok"));
}

TEST_CASE("doctor --json prints one object per check") {
  Server s;
  auto r = run_cli({"doctor", "--json"}, env_for(s));
  CHECK(r.exit_code == 0);
  auto j = Json::parse(r.out);
  REQUIRE(j.is_array());
  CHECK(j.size() == 6);
  CHECK(j[0]["check"] == "environment");
  CHECK(j[2]["check"] == "transport");  // plain http to loopback: ok
  for (auto& c : j) {
    CHECK(c["status"] == "ok");
    // Every check has "fix", null when there is nothing to fix (docs/shell.md).
    REQUIRE(c.contains("fix"));
    CHECK(c["fix"].is_null());
  }
  auto bad = run_cli({"doctor", "--json"}, {{"SLAB5_API_BASE_URL", s.base_url}, {"SLAB5_WORKSPACE_TOKEN", s.token}});
  auto jb = Json::parse(bad.out);
  CHECK(jb[1]["status"] == "fail");
  CHECK(jb[1]["fix"].is_string());
}

TEST_CASE("slab5d sends a Date header that doctor can read") {
  Server s;
  auto r = http("GET", s.base_url + "/health");
  CHECK(r.header("date").size() == 29);
  CHECK(r.header("date").substr(26) == "GMT");
}

TEST_CASE("--route with a key that may list keys reads its scopes: present passes, missing fails naming it") {
  Server s;
  auto created = api("POST", s.api_url + "/workspace/api-keys", s.token,
                     {{"name", "admin-no-audit"}, {"scopes", {"settings:admin", "crm:read"}}});
  REQUIRE(created.status == 201);
  std::map<std::string, std::string> env = {{"SLAB5_API_BASE_URL", s.api_url},
                                            {"SLAB5_WORKSPACE_TOKEN", created.json["data"]["secret"]}};
  auto ok = run_cli({"doctor", "--route", "GET /v1/contacts"}, env);
  CHECK(ok.exit_code == 0);
  CHECK(line_of(ok.out, "route").find("scope crm:read") != std::string::npos);
  auto missing = run_cli({"doctor", "--route", "GET /v1/workspace/audit-events"}, env);
  CHECK(missing.exit_code == 1);
  CHECK(line_of(missing.out, "route").find("audit:read") != std::string::npos);
  CHECK(line_of(missing.out, "route").find("--scope audit:read") != std::string::npos);
}

TEST_CASE("--route with a key without settings:admin reads its own scopes from /v1/me") {
  Server s;
  auto created =
      api("POST", s.api_url + "/workspace/api-keys", s.token, {{"name", "auditor"}, {"scopes", {"audit:read"}}});
  REQUIRE(created.status == 201);
  std::map<std::string, std::string> env = {{"SLAB5_API_BASE_URL", s.api_url},
                                            {"SLAB5_WORKSPACE_TOKEN", created.json["data"]["secret"]}};
  auto ok = run_cli({"doctor", "--route", "GET /v1/workspace/audit-events"}, env);
  CHECK(ok.exit_code == 0);
  CHECK(starts(line_of(ok.out, "route"), "ok"));
  CHECK(line_of(ok.out, "route").find("scope audit:read") != std::string::npos);
  CHECK(ok.out.find("cannot be read") == std::string::npos);
  // `slab5 audit` works with the same key, and doctor agrees about what the key lacks.
  CHECK(run_cli({"audit"}, env).exit_code == 0);
  auto missing = run_cli({"doctor", "--route", "GET /v1/contacts"}, env);
  CHECK(missing.exit_code == 1);
  CHECK(line_of(missing.out, "route").find("crm:read") != std::string::npos);
  CHECK(line_of(missing.out, "route").find("has: audit:read") != std::string::npos);
}

TEST_CASE("a session is checked with /v1/me and its role decides the route") {
  Server s;
  auto member = add_member(s, "member");
  std::map<std::string, std::string> env = {{"SLAB5_API_BASE_URL", s.api_url},
                                            {"SLAB5_WORKSPACE_TOKEN", member.access_token},
                                            {"SLAB5_WORKSPACE_ID", s.workspace_id}};
  auto r = run_cli({"doctor", "--route", "GET /v1/contacts"}, env);
  CHECK(r.exit_code == 0);
  CHECK(line_of(r.out, "token").find(member.email) != std::string::npos);
  CHECK(line_of(r.out, "token").find("as member") != std::string::npos);
  auto admin_route = run_cli({"doctor", "--route", "PATCH /v1/workspace"}, env);
  CHECK(admin_route.exit_code == 1);
  CHECK(line_of(admin_route.out, "route").find("settings:admin") != std::string::npos);
  // The owner-only delete also needs settings:admin, which the server checks first.
  auto owner_route = run_cli({"doctor", "--route", "DELETE /v1/workspace"}, env);
  CHECK(owner_route.exit_code == 1);
  CHECK(line_of(owner_route.out, "route").find("settings:admin") != std::string::npos);
  CHECK(line_of(owner_route.out, "route").find("403 missing_required_scope") != std::string::npos);
}

TEST_CASE("a session without a workspace fails a workspace route with the -w fix") {
  Server s;
  auto member = add_member(s, "member");
  auto r = run_cli({"doctor", "--route", "GET /v1/workspace"},
                   {{"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_WORKSPACE_TOKEN", member.access_token}});
  CHECK(r.exit_code == 1);
  CHECK(starts(line_of(r.out, "token"), "ok"));
  CHECK(line_of(r.out, "route").find("-w") != std::string::npos);
}
