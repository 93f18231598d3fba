#include "doctor.hpp"
#include "slab5/json_util.hpp"

#include <algorithm>
#include <chrono>
#include <iostream>

#include "command_table.hpp"
#include "exit_codes.hpp"
#include "manual.hpp"
#include "output/terminal_text.hpp"
#include "slab5/access.hpp"
#include "slab5/http_client.hpp"
#include "slab5/routes.hpp"
#include "slab5/token.hpp"

namespace slab5cli {
namespace {

DoctorCheck ok(std::string name, std::string detail) { return {std::move(name), "ok", std::move(detail), ""}; }
DoctorCheck failed(std::string name, std::string detail, std::string fix) {
  return {std::move(name), "fail", std::move(detail), std::move(fix)};
}
DoctorCheck skipped(std::string name, std::string why) { return {std::move(name), "skip", std::move(why), ""}; }

std::string join(const std::vector<std::string>& v, const std::string& sep = ", ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string server_root(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.size() >= 3 && url.substr(url.size() - 3) == "/v1") url.resize(url.size() - 3);
  return url;
}

const char* kTokenVariables[] = {"SLAB5_WORKSPACE_TOKEN", "SLAB5_WORKSPACE_API_KEY", "SLAB5_API_KEY"};

DoctorCheck check_environment(Context& ctx) {
  std::vector<std::string> set;
  for (const auto& e : environment_table())
    if (e.name != "XDG_CONFIG_HOME" && ctx.env(std::string(e.name))) set.emplace_back(e.name);
  for (const char* lower : {"https_proxy", "no_proxy"})
    if (ctx.env(lower)) set.emplace_back(lower);
  std::string detail = set.empty() ? "no SLAB5_* variables set" : "set: " + join(set);
  slab5::Setting token;
  try {
    token = ctx.token_setting();
  } catch (const std::exception& e) {
    return failed("environment", detail + "; the credentials file cannot be used: " + e.what(),
                  "chmod 600 " + ctx.store().credentials_path() + " (or run 'slab5 login' again)");
  }
  std::vector<std::string> ignored;
  for (const char* name : kTokenVariables)
    if (ctx.env(name) && token.source != std::string("env ") + name) ignored.emplace_back(name);
  detail += "; token from " + (token.set() ? token.source : std::string("nowhere"));
  if (!ignored.empty()) detail += " (wins over " + join(ignored) + ")";
  detail += "; profile " + ctx.profile();
  return ok("environment", detail);
}

// The token's kind by its shape (no network).
std::string kind_of(const std::string& token) {
  switch (slab5::token_kind(token)) {
    case slab5::TokenKind::ApiKey:
      return "api_key";
    case slab5::TokenKind::McpClient:
      return "mcp_client";
    case slab5::TokenKind::Jwt:
      return "session";
    default:
      return "";
  }
}

// Token kind and validity: GET /v1/workspace for an API key, GET /v1/me for a session.
DoctorCheck check_token(Context& ctx, CredentialFacts& facts, bool want_scopes) {
  slab5::Setting t;
  try {
    t = ctx.token_setting();
  } catch (const std::exception& e) {
    return failed("token", e.what(), "fix the credentials file (see 'environment')");
  }
  if (!t.set())
    return failed("token", "no token configured",
                  "run 'slab5 login', or export SLAB5_WORKSPACE_TOKEN=<an API key> (slab5d prints one at first start)");
  facts.kind = kind_of(t.value);
  if (facts.kind.empty())
    return failed("token", "the token from " + t.source + " is neither an API key (slab5_sk_…) nor a session",
                  "copy the token again, or run 'slab5 login'");
  if ((facts.kind == "api_key" || facts.kind == "mcp_client") && !slab5::token_checksum_ok(t.value))
    return failed("token", "the token from " + t.source + " fails its checksum (mistyped or truncated)",
                  "copy the whole token again");
  auto& client = ctx.client();
  if (facts.kind == "mcp_client") {
    // REST routes refuse it, but GET /v1/me answers it about itself: with --route, what it
    // learns there lets the route check say what slab5d would answer.
    if (want_scopes)
      if (auto me = client.send("GET", "me", "");
          me && me->status == 200 && me->json.contains("data") && me->json["data"].contains("credential")) {
        facts.valid = true;
        const auto& cred = me->json["data"]["credential"];
        if (cred.contains("scopes") && cred["scopes"].is_array()) {
          facts.scopes_known = true;
          for (const auto& sc : cred["scopes"])
            if (sc.is_string()) facts.scopes.push_back(sc.get<std::string>());
        }
      }
    return failed("token", "an MCP client token (from " + t.source + ") works only on the MCP gateway (POST /mcp/v1)",
                  "use a workspace API key (slab5 keys create) or 'slab5 login' for REST routes");
  }
  if (facts.kind == "api_key") {
    auto r = client.send("GET", "workspace", "");
    if (!r) return failed("token", r.error().message, "check the reachability line above");
    if (r->status != 200) {
      auto e = api_error_from(*r);
      return failed("token", "API key from " + t.source + " refused: " + e.message + " (" + e.code + ")",
                    e.code == "unauthorized" ? "the key is revoked, expired or belongs to another server: create a new "
                                               "one with 'slab5 keys create' or use slab5d's first-start key"
                                             : (e.hint.empty() ? "see the error code" : e.hint));
    }
    facts.valid = true;
    facts.workspace_set = true;
    const auto& ws = r->json["data"];
    if (ws.contains("enabled_modules") && ws["enabled_modules"].is_array()) {
      facts.modules_known = true;
      for (const auto& m : ws["enabled_modules"]) facts.enabled_modules.push_back(m.get<std::string>());
    }
    // The key's own scopes, for --route: GET /v1/me answers any key about itself (api.md §2.2).
    if (!want_scopes) {
      facts.scopes_unknown_reason = "not asked";
    } else if (auto me = client.send("GET", "me", "");
               me && me->status == 200 && me->json.contains("data") && me->json["data"].contains("credential")) {
      const auto& cred = me->json["data"]["credential"];
      if (cred.contains("scopes") && cred["scopes"].is_array()) {
        facts.scopes_known = true;
        for (const auto& sc : cred["scopes"])
          if (sc.is_string()) facts.scopes.push_back(sc.get<std::string>());
      } else {
        facts.scopes_unknown_reason = "the server's GET /v1/me names no scopes";
      }
    } else {
      facts.scopes_unknown_reason =
          me ? "the server does not answer GET /v1/me for API keys (HTTP " + std::to_string(me->status) + ")"
             : me.error().message;
    }
    return ok("token", "API key " + slab5::token_display_prefix(t.value) + "… from " + t.source +
                           ", valid for workspace " + slab5::string_or(ws, "id", "?") + " (" +
                           slab5::string_or(ws, "name") + ")");
  }
  // A session.
  RequestOptions user_only;
  user_only.workspace = false;
  auto me = client.send("GET", "me", "", user_only);
  if (!me) return failed("token", me.error().message, "check the reachability line above");
  if (me->status != 200) {
    auto e = api_error_from(*me);
    return failed("token", "session from " + t.source + " refused: " + e.message + " (" + e.code + ")",
                  "sign in again: slab5 login");
  }
  facts.valid = true;
  const auto& d = me->json["data"];
  std::string email = d.contains("user") ? slab5::string_or(d["user"], "email") : "";
  auto ws = ctx.workspace();
  facts.workspace_set = ws.set();
  if (d.contains("memberships") && d["memberships"].is_array())
    for (const auto& m : d["memberships"]) {
      std::string id = m.contains("workspace") && m["workspace"].is_object() ? slab5::string_or(m["workspace"], "id")
                                                                             : slab5::string_or(m, "workspace_id");
      if (id == ws.value) facts.role = slab5::string_or(m, "role");
    }
  if (!facts.role.empty()) {
    facts.scopes_known = true;
    facts.scopes = slab5::scopes_for_role(facts.role);
  } else {
    facts.scopes_unknown_reason = ws.set() ? "the user has no membership in " + ws.value : "no workspace is set";
  }
  if (ws.set()) {
    auto w = client.send("GET", "workspace", "");
    if (w && w->status == 200 && w->json["data"].contains("enabled_modules")) {
      facts.modules_known = true;
      for (const auto& m : w->json["data"]["enabled_modules"]) facts.enabled_modules.push_back(m.get<std::string>());
    }
  }
  return ok("token", "session of " + (email.empty() ? std::string("a user") : email) + " from " + t.source +
                         (ws.set() ? ", workspace " + ws.value + (facts.role.empty() ? "" : " as " + facts.role)
                                   : ", no workspace set"));
}

}  // namespace

DoctorCheck check_base_url_shape(const std::string& url, const std::string& source) {
  std::string where = url + " (from " + source + ")";
  const std::string fix =
      "set it to the server's API root, e.g. export SLAB5_API_BASE_URL=http://127.0.0.1:8787/v1 "
      "or slab5 config set base_url https://api.slab5.com/v1";
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos || (url.substr(0, scheme_end) != "http" && url.substr(0, scheme_end) != "https"))
    return failed("base URL", where + " is not an http:// or https:// URL", fix);
  auto host_start = scheme_end + 3;
  auto path_start = url.find('/', host_start);
  if (path_start == host_start || host_start >= url.size()) return failed("base URL", where + " has no host", fix);
  if (url.find_first_of("?#") != std::string::npos) return failed("base URL", where + " has a query or fragment", fix);
  std::string path = path_start == std::string::npos ? "" : url.substr(path_start);
  if (path.size() < 3 || path.substr(path.size() - 3) != "/v1")
    return failed("base URL", where + " does not end in /v1", fix);
  return ok("base URL", where);
}

DoctorCheck check_transport(const std::string& url, bool insecure_allowed) {
  auto o = slab5::url_origin(url);
  if (!o)
    return failed("transport", url + " names no plain host slab5 can send a token to",
                  "use a URL like https://api.slab5.com/v1 (no user@, no %-escapes in the host)");
  if (o->scheme == "https") return ok("transport", "https to " + o->key());
  if (slab5::is_loopback_host(o->host)) return ok("transport", "plain http to " + o->key() + ", a loopback host");
  if (insecure_allowed)
    return ok("transport", "plain http to " + o->key() +
                               ": tokens travel in clear (allowed by --allow-insecure-http "
                               "or SLAB5_ALLOW_INSECURE_HTTP)");
  return failed("transport",
                "plain http to " + o->key() + ", which is not loopback: slab5 refuses to send a token there",
                "use https://, or on a trusted network pass --allow-insecure-http (SLAB5_ALLOW_INSECURE_HTTP=1)");
}

std::time_t parse_http_date(const std::string& date) {
  std::tm tm{};
  const char* end = strptime(date.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end || *end != '\0') return -1;
  return timegm(&tm);
}

DoctorCheck check_clock_skew(const std::string& date, std::time_t now) {
  if (date.empty())
    return failed("clock", "the server sent no Date header",
                  "a server behind a proxy may drop it; compare clocks by hand");
  auto server = parse_http_date(date);
  if (server < 0) return failed("clock", "the server's Date header '" + date + "' is not an HTTP date", "report it");
  long skew = long(now - server);
  std::string text = std::to_string(std::labs(skew)) + " s " + (skew >= 0 ? "ahead of" : "behind") + " the server";
  // Session tokens carry iat/exp checked with 60 s of leeway.
  if (std::labs(skew) > 60)
    return failed("clock", "this machine is " + text,
                  "set the clock right (e.g. timedatectl set-ntp true); session tokens and signed webhooks "
                  "allow 60 s of skew");
  return ok("clock", std::labs(skew) <= 1 ? "in step with the server" : "this machine is " + text);
}

namespace {

slab5::Caller caller_of(const CredentialFacts& f) {
  using K = slab5::Caller::Kind;
  slab5::Caller c;
  c.kind = f.kind == "session"      ? K::Session
           : f.kind == "api_key"    ? K::ApiKey
           : f.kind == "mcp_client" ? K::McpClient
                                    : K::None;
  c.authenticated = f.valid;
  // A session sends the configured workspace as x-workspace-id; its role there says it is a
  // member. A key acts in its own workspace.
  if (f.workspace_set && c.kind == K::Session) c.workspace_header = "the configured workspace";
  c.member = !f.role.empty();
  c.role = f.role;
  if (f.scopes_known) c.scopes = std::span<const std::string>(f.scopes);
  if (f.modules_known) c.enabled_modules = std::span<const std::string>(f.enabled_modules);
  return c;
}

std::string credential_noun(const CredentialFacts& f) {
  if (f.kind == "session") return "session (role " + f.role + ")";
  return f.kind == "mcp_client" ? "MCP client token" : "API key";
}

// What a refusal means for this caller, and how to get past it.
DoctorCheck explain(const std::string& label, const slab5::Error& e, const slab5::RouteEntry& r,
                    const CredentialFacts& f) {
  const std::string name = "route";
  std::string answer = " (slab5d answers " + std::to_string(e.http_status()) + " " + e.code + ")";
  if (e.code == "unauthorized") {
    if (f.kind == "mcp_client")
      return failed(name,
                    label + " refuses MCP client tokens: they work only on the MCP gateway and GET /v1/me" + answer,
                    "use a workspace API key (slab5 keys create) or 'slab5 login' for REST routes");
    return failed(name, label + " does not take this token: " + e.effective_message() + answer,
                  "use an MCP client token (slab5 mcp-clients create)");
  }
  if (e.code == "workspace_header_required")
    return failed(name, label + " needs a workspace, and a session sends none by default" + answer,
                  "pass -w wrk_… or run 'slab5 config set workspace wrk_…'");
  if (e.code == "workspace_not_found")
    return failed(name, label + " needs a workspace the user is a member of, and the configured one is not" + answer,
                  "pick one from 'slab5 workspaces' with -w or 'slab5 config set workspace'");
  if (e.code == "module_not_enabled")
    return failed(name, label + " needs module " + r.module + ", which is not enabled in the workspace" + answer,
                  "slab5 workspace modules enable " + r.module + " (needs settings:admin)");
  if (e.code == "missing_required_scope")
    return failed(name,
                  label + " needs scope " + r.scope + ", which this " + credential_noun(f) +
                      " lacks (has: " + (f.scopes.empty() ? "none" : join(f.scopes, " ")) + ")" + answer,
                  f.kind == "session" ? "ask an admin for a role that grants " + r.scope
                                      : "create a key with it: slab5 keys create --name N --scope " + r.scope);
  if (e.code == "forbidden" && !r.role.empty()) {
    if (f.kind != "session")
      return failed(name, label + " needs a session of role " + r.role + " or above; API keys are refused" + answer,
                    "slab5 login as a user with the " + r.role + " role");
    return failed(name, label + " needs role " + r.role + "; you are " + f.role + answer,
                  "ask an owner of the workspace");
  }
  if (e.code == "forbidden")
    return failed(name, label + " needs a signed-in user's session; API keys are refused" + answer,
                  "slab5 login, and unset the API key variable while you use it");
  return failed(name, label + ": " + e.effective_message() + answer, "see the error code");
}

}  // namespace

DoctorCheck check_route_needs(const std::string& route_text, const CredentialFacts& f) {
  const std::string name = "route";
  auto sp = route_text.find(' ');
  if (sp == std::string::npos)
    return failed(name, "'" + route_text + "' is not 'METHOD PATH'", "quote it: --route 'GET /v1/workspace'");
  std::string method = route_text.substr(0, sp), path = route_text.substr(route_text.find_first_not_of(' ', sp));
  const auto* r = slab5::find_route(method, path);
  if (!r)
    return failed(name, "no route " + route_text + " in the Slab5 API",
                  "check the method and the path (e.g. 'GET /v1/workspace'); 'slab5 api' paths are relative to /v1");
  const std::string& label = r->label;
  if (r->access == slab5::Access::Public) return ok(name, label + " is public: no token needed");
  if (!f.valid) return skipped(name, label + ": no valid token to check against");
  // The server's own decision, in its order (lib/slab5/routes.cpp).
  auto check = slab5::first_refusal(*r, caller_of(f));
  if (check.refused()) return explain(label, *check.refusal, *r, f);
  if (check.undecided == "module")
    return failed(name, label + " needs module " + r->module + ", and the workspace's modules could not be read",
                  "check 'slab5 workspace' works first");
  if (check.undecided == "scope")
    return failed(
        name,
        label + " needs scope " + r->scope + "; this credential's scopes cannot be read: " + f.scopes_unknown_reason,
        "check the key's scopes with 'slab5 auth status', or upgrade the server");
  if (r->access == slab5::Access::Self)
    return ok(name, label + ": any session, API key or MCP client token, no workspace needed");
  if (r->access == slab5::Access::User) return ok(name, label + ": a session, no workspace needed");
  if (r->access == slab5::Access::Mcp) return ok(name, label + ": an MCP client token");
  std::string needs;
  if (!r->module.empty()) needs += "module " + r->module;
  if (!r->scope.empty()) needs += (needs.empty() ? "" : ", ") + std::string("scope ") + r->scope;
  if (!r->role.empty()) needs += (needs.empty() ? "" : ", ") + std::string("role ") + r->role;
  return ok(name, label + (needs.empty() ? ": any workspace credential" : ": has " + needs));
}

int run_doctor(Context& ctx, const std::string& route_text) {
  std::vector<DoctorCheck> checks;
  checks.push_back(check_environment(ctx));
  auto base = ctx.base_url();
  checks.push_back(check_base_url_shape(base.value, base.source));
  checks.push_back(check_transport(base.value, ctx.allow_insecure_http()));

  // Reachability: one unauthenticated GET /health at the server root, no retries.
  std::string health_url = server_root(base.value) + "/health";
  slab5::HttpClient http;
  if (!ctx.ca_bundle().empty()) http.set_ca_bundle(ctx.ca_bundle());
  slab5::HttpRequest req;
  req.url = health_url;
  req.timeout_ms = std::min(ctx.timeout_ms(), 10000L);
  auto started = std::chrono::steady_clock::now();
  auto health = http.perform(req);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  bool reachable = health && health->status == 200;
  if (!health)
    checks.push_back(
        failed("reachability", "GET " + health_url + ": " + health.error().message,
               "is the server running? Locally: slab5d serve; check the base URL and HTTPS_PROXY/NO_PROXY"));
  else if (health->status != 200)
    checks.push_back(failed("reachability", "GET " + health_url + " answered HTTP " + std::to_string(health->status),
                            "the base URL may point at something that is not a Slab5 server"));
  else
    checks.push_back(ok("reachability", "GET " + health_url + " answered 200 in " + std::to_string(ms) + " ms"));

  CredentialFacts facts;
  if (reachable)
    checks.push_back(check_token(ctx, facts, !route_text.empty()));
  else
    checks.push_back(skipped("token", "the server is not reachable"));
  if (!route_text.empty()) checks.push_back(check_route_needs(route_text, facts));
  if (reachable)
    checks.push_back(check_clock_skew(health->header("date"), std::time(nullptr)));
  else
    checks.push_back(skipped("clock", "the server is not reachable"));

  bool all_ok = std::all_of(checks.begin(), checks.end(), [](const DoctorCheck& c) { return c.status == "ok"; });
  Json arr = Json::array();
  for (const auto& c : checks) {
    // Every check has "fix": null when there is nothing to fix (docs/shell.md).
    Json j = {{"check", c.name}, {"status", c.status}, {"detail", c.detail}, {"fix", nullptr}};
    if (!c.fix.empty()) j["fix"] = c.fix;
    arr.push_back(j);
  }
  int rc = ctx.emit(arr, [&] {
    for (const auto& c : checks) {
      std::string status = c.status == "ok" ? ctx.out.green("ok  ") : c.status == "fail" ? ctx.out.red("fail") : "skip";
      std::string name = c.name + ":";
      name.resize(std::max<std::size_t>(name.size(), 14), ' ');
      // The detail may quote the server (a workspace's name): escaped; the colour is ours.
      std::string line = status + "  " + escape_controls(name + c.detail);
      if (!c.fix.empty()) line += "  fix: " + escape_controls(c.fix);
      ctx.out.print_raw_line(line);
    }
  });
  if (rc != kOk) return rc;
  return all_ok ? int(kOk) : int(kFailure);
}

void add_doctor_command(CLI::App& app, Context& ctx) {
  auto* doctor = app.add_subcommand("doctor", "Check the settings, the server, the token and a route's needs");
  static std::string route;
  doctor->add_option("--route", route, "Also check what a route needs, e.g. 'POST /v1/workspace/api-keys'");
  doctor->footer(
      "Checks, in order: environment, base URL shape, reachability (GET /health), token kind and validity,\n"
      "the route's scope, module and role (with --route), clock skew. Exit 0 only when all pass.\n\n"
      "Examples:\n  slab5 doctor\n  slab5 doctor --route 'GET /v1/contacts'\n  slab5 doctor --json");
  on_run(doctor, ctx, [&ctx] { return run_doctor(ctx, route); });
}

}  // namespace slab5cli
