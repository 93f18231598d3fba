// slab5 commands: login, logout, auth status, auth token (cli.md §2, api.md §2). The
// account commands (register, verify-email, …, sessions) are in auth_account.cpp.
#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "commands/auth_shared.hpp"
#include "exit_codes.hpp"
#include "slab5/access.hpp"
#include "slab5/jose.hpp"
#include "slab5/json_util.hpp"
#include "slab5/time.hpp"
#include "slab5/token.hpp"

namespace slab5cli {

// ---- shared helpers ---------------------------------------------------------------------

std::string read_stdin_line() {
  std::string line;
  std::getline(std::cin, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  return line;
}

std::string prompt_visible(const std::string& prompt) {
  std::cerr << prompt << std::flush;
  return read_stdin_line();
}

std::string prompt_hidden(const std::string& prompt) {
  // Echo goes off before the prompt shows, so nothing typed after it is echoed; the
  // input queue is kept (typeahead is not thrown away).
  termios old{};
  bool restore = tcgetattr(0, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= ~tcflag_t(ECHO);
    tcsetattr(0, TCSANOW, &quiet);
  }
  std::cerr << prompt << std::flush;
  std::string line = read_stdin_line();
  if (restore) tcsetattr(0, TCSANOW, &old);
  std::cerr << "\n";
  return line;
}

tl::expected<std::string, int> read_password(Context& ctx, bool from_stdin, bool confirm) {
  if (from_stdin) {
    std::string pw = read_stdin_line();
    if (pw.empty()) return tl::unexpected(ctx.usage_error("--password-stdin: stdin held no password"));
    return pw;
  }
  if (!ctx.stdin_tty())
    return tl::unexpected(
        ctx.fail(kUsage, "no password given", "stdin is not a terminal: pipe the password in with --password-stdin"));
  std::string pw = prompt_hidden("Password: ");
  if (confirm && prompt_hidden("Password (again): ") != pw)
    return tl::unexpected(ctx.usage_error("the passwords do not match"));
  if (pw.empty()) return tl::unexpected(ctx.usage_error("no password given"));
  return pw;
}

void warn_if_overridden(Context& ctx) {
  auto t = ctx.token_setting();
  if (t.set() && t.source.rfind("profile ", 0) != 0)
    ctx.out.warn("the token from " + t.source + " keeps winning over the stored credential; unset it to use this one");
}

int store_session(Context& ctx, const Json& d, const std::string& verb) {
  StoredCredential c;
  c.kind = "session";
  c.token = slab5::string_or(d, "accessToken");
  c.refresh_token = slab5::string_or(d, "refreshToken");
  c.expires_at = slab5::format_rfc3339(slab5::now_millis() + slab5::int_or(d, "expiresIn", std::int64_t(3600)) * 1000);
  c.base_url = ctx.base_url().value;
  c.session_id = slab5::string_or(d, "sessionId");
  if (d.contains("user") && d["user"].is_object()) c.user_email = slab5::string_or(d["user"], "email");
  Json ws = d.contains("workspace") && d["workspace"].is_object() ? d["workspace"] : Json(nullptr);
  if (!ws.is_null()) c.workspace_id = slab5::string_or(ws, "id");
  ctx.store().save_credential(ctx.profile(), ctx.credential_host(), c);
  Json summary = {{"profile", ctx.profile()},
                  {"server", c.base_url},
                  {"host", ctx.credential_host()},
                  {"kind", "session"},
                  {"session_id", c.session_id},
                  {"expires_at", c.expires_at},
                  {"user", d.value("user", Json(nullptr))},
                  {"workspace", ws}};
  int rc = ctx.emit(summary, [&] {
    std::string where = ws.is_null() ? "no workspace"
                                     : "workspace " + slab5::string_or(ws, "name") + " (" + c.workspace_id + ", role " +
                                           slab5::string_or(ws, "role", "?") + ")";
    ctx.out.info(verb + " to " + c.base_url + " as " + c.user_email + ", " + where + "; stored in profile " +
                 ctx.profile());
  });
  warn_if_overridden(ctx);
  return rc;
}

tl::expected<StoredCredential, ApiError> fresh_session(Context& ctx, StoredCredential cred) {
  auto exp = slab5::parse_rfc3339(cred.expires_at);
  if (exp && *exp > slab5::now_millis() + 30000) return cred;
  if (cred.refresh_token.empty()) {
    ApiError e;
    e.exit_code = kUnauthenticated;
    e.message = "the stored session has expired and has no refresh token";
    e.hint = "sign in again with 'slab5 login'";
    return tl::unexpected(e);
  }
  auto d = ctx.client().data("POST", "auth/refresh", Json{{"refreshToken", cred.refresh_token}},
                             {.auth = false, .workspace = false});
  if (!d) return tl::unexpected(d.error());
  cred.token = slab5::string_or(*d, "accessToken");
  cred.refresh_token = slab5::string_or(*d, "refreshToken");
  cred.expires_at = slab5::format_rfc3339(slab5::now_millis() + d->value("expiresIn", std::int64_t(3600)) * 1000);
  ctx.store().save_credential(ctx.profile(), ctx.credential_host(), cred);
  return cred;
}

namespace {

struct LoginOptions {
  std::string email;
  std::string provider = "local";
  bool password_stdin = false;
  bool id_token_stdin = false;
  bool with_token = false;
};

int login_with_api_key(Context& ctx) {
  std::string key = read_stdin_line();
  while (!key.empty() && key.back() == ' ') key.pop_back();
  if (key.empty()) return ctx.usage_error("--with-token reads an API key from stdin, and stdin was empty");
  if (slab5::token_kind(key) != slab5::TokenKind::ApiKey)
    return ctx.fail(kUnauthenticated, "the token on stdin is not a workspace API key (slab5_sk_…)");
  if (!slab5::token_checksum_ok(key))
    return ctx.fail(kUnauthenticated, "the API key on stdin is malformed (its checksum does not match)",
                    "it was probably mistyped or truncated; copy it again");
  slab5::HeaderList headers = {{"Authorization", "Bearer " + key}};
  if (!ctx.g.workspace.empty()) headers.emplace_back("x-workspace-id", ctx.g.workspace);
  auto ws = ctx.client().data("GET", "workspace", nullptr, {.headers = headers, .auth = false, .workspace = false});
  if (!ws) return ctx.fail(ws.error());
  StoredCredential c;
  c.kind = "api_key";
  c.token = key;
  c.base_url = ctx.base_url().value;
  c.workspace_id = slab5::string_or(*ws, "id");
  ctx.store().save_credential(ctx.profile(), ctx.credential_host(), c);
  Json summary = {{"profile", ctx.profile()},
                  {"server", c.base_url},
                  {"host", ctx.credential_host()},
                  {"kind", "api_key"},
                  {"prefix", slab5::token_display_prefix(key)},
                  {"workspace", *ws}};
  int rc = ctx.emit(summary, [&] {
    ctx.out.info("Stored API key " + slab5::token_display_prefix(key) + "… for workspace " +
                 slab5::string_or(*ws, "name") + " (" + c.workspace_id + ") on " + c.base_url + " in profile " +
                 ctx.profile());
  });
  warn_if_overridden(ctx);
  return rc;
}

int run_login(Context& ctx, const LoginOptions& o) {
  if (o.with_token) {
    if (o.provider != "local" || o.password_stdin || o.id_token_stdin || !o.email.empty())
      return ctx.usage_error("--with-token takes no other sign-in flags");
    return login_with_api_key(ctx);
  }
  Json body = {{"provider", o.provider}};
  if (!ctx.g.workspace.empty()) body["workspaceId"] = ctx.g.workspace;
  if (o.provider == "local") {
    if (o.id_token_stdin) return ctx.usage_error("--id-token-stdin goes with --provider google|microsoft");
    std::string email = o.email;
    if (email.empty()) {
      if (!ctx.stdin_tty() || o.password_stdin) return ctx.usage_error("--email is required");
      email = prompt_visible("Email: ");
    }
    auto pw = read_password(ctx, o.password_stdin, false);
    if (!pw) return pw.error();
    body["email"] = email;
    body["password"] = *pw;
  } else {
    if (!o.id_token_stdin)
      return ctx.fail(kUsage, "--provider " + o.provider + " needs --id-token-stdin",
                      "obtain an ID token from the provider and pipe it in: ... | slab5 login --provider " +
                          o.provider + " --id-token-stdin");
    if (o.password_stdin || !o.email.empty())
      return ctx.usage_error("--email and --password-stdin are for local sign-in");
    std::string token = read_stdin_line();
    if (token.empty()) return ctx.usage_error("--id-token-stdin: stdin held no ID token");
    body["idToken"] = token;
  }
  auto d = ctx.client().data("POST", "auth/session", body, {.auth = false, .workspace = false});
  if (!d) return ctx.fail(d.error());
  return store_session(ctx, *d, "Signed in");
}

int run_logout(Context& ctx) {
  auto cred = ctx.store().credential(ctx.profile(), ctx.credential_host());
  if (!cred) {
    ctx.out.info("No credential is stored for profile " + ctx.profile() + " on " + ctx.credential_host() + ".");
    warn_if_overridden(ctx);
    return kOk;
  }
  int rc = kOk;
  if (cred->kind == "session") {
    auto fresh = fresh_session(ctx, *cred);
    if (fresh) {
      auto r = ctx.client().send(
          "DELETE", "auth/session", "",
          {.headers = {{"Authorization", "Bearer " + fresh->token}}, .auth = false, .workspace = false});
      if (!r) {
        rc = ctx.fail(r.error());
      } else if (r->status != 204 && r->status != 401) {
        rc = ctx.fail(api_error_from(*r));
      }
    } else if (fresh.error().exit_code != kUnauthenticated) {
      rc = ctx.fail(fresh.error());  // a session the server refuses is already over
    }
    if (rc != kOk) ctx.out.warn("the server did not confirm the revocation; the session is forgotten locally anyway");
  }
  ctx.store().forget_credential(ctx.profile(), ctx.credential_host());
  ctx.out.info("Signed out of " + (cred->base_url.empty() ? ctx.base_url().value : cred->base_url) + " (profile " +
               ctx.profile() + ").");
  warn_if_overridden(ctx);
  return rc;
}

std::string mask(const std::string& token) {
  auto kind = slab5::token_kind(token);
  if (kind == slab5::TokenKind::ApiKey || kind == slab5::TokenKind::McpClient)
    return slab5::token_display_prefix(token) + "…";
  return token.substr(0, std::min<std::size_t>(token.size(), 10)) + "…";
}

int run_status(Context& ctx, bool show_token) {
  slab5::Setting t;
  try {
    t = ctx.token_setting();
  } catch (const std::exception& e) {
    return ctx.fail(kUnauthenticated, e.what());
  }
  if (!t.set()) {
    auto e = ctx.require_token().error();  // names the hosts the profile has credentials for
    e.message = "not signed in: " + e.message;
    return ctx.fail(e);
  }
  // Every stored credential, by host: a credential is only ever sent to its own host.
  Json stored = Json::array();
  std::vector<StoredEntry> entries;
  try {
    entries = ctx.store().stored_credentials();
  } catch (const std::exception& e) {
    ctx.out.warn(std::string("stored credentials not listed: ") + e.what());  // the token in use came from elsewhere
  }
  for (const auto& e : entries) {
    std::string account = e.credential.kind == "session" ? e.credential.user_email
                                                         : slab5::token_display_prefix(e.credential.token) + "…";
    stored.push_back(
        {{"host", e.host},
         {"profile", e.profile},
         {"kind", e.credential.kind},
         {"account", account},
         {"workspace", e.credential.workspace_id.empty() ? Json(nullptr) : Json(e.credential.workspace_id)},
         {"active",
          e.profile == ctx.profile() && e.host == ctx.credential_host() && t.source.rfind("profile ", 0) == 0}});
  }
  auto kind = slab5::token_kind(t.value);
  Json st = {{"source", t.source}, {"server", ctx.base_url().value}, {"host", ctx.credential_host()}};
  if (kind == slab5::TokenKind::Jwt) {
    st["kind"] = "session";
    auto me = ctx.client().data("GET", "me", nullptr, {.workspace = false});
    if (!me) {
      auto e = me.error();
      if (e.exit_code == kUnauthenticated) e.message = "the session from " + t.source + " is not valid: " + e.message;
      return ctx.fail(e);
    }
    t = ctx.token_setting();  // a stored session may have been refreshed
    auto ws = ctx.workspace();
    st["user"] = {{"id", (*me)["user"]["id"]}, {"email", (*me)["user"]["email"]}};
    st["workspace"] = ws.set() ? Json(ws.value) : Json(nullptr);
    st["role"] = nullptr;
    st["scopes"] = Json::array();
    for (const auto& m : (*me)["memberships"])
      if (m["workspace"]["id"] == ws.value) {
        st["role"] = m["role"];
        st["scopes"] = slab5::scopes_for_role(m["role"].get<std::string>());
      }
    auto claims = slab5::jose::decode_unverified(t.value);
    if (claims && claims->claims.contains("exp") && claims->claims["exp"].is_number())
      st["expires_at"] = slab5::format_rfc3339(claims->claims["exp"].get<std::int64_t>() * 1000);
    else
      st["expires_at"] = nullptr;
    st["session_id"] = (*me)["session"].is_object() ? (*me)["session"]["id"] : Json(nullptr);
  } else if (kind == slab5::TokenKind::ApiKey) {
    st["kind"] = "api_key";
    auto ws = ctx.client().data("GET", "workspace");
    if (!ws) {
      auto e = ws.error();
      if (e.exit_code == kUnauthenticated) e.message = "the API key from " + t.source + " is not valid: " + e.message;
      return ctx.fail(e);
    }
    st["workspace"] = (*ws)["id"];
    std::string prefix = slab5::token_display_prefix(t.value);
    st["key"] = {{"prefix", prefix}, {"name", nullptr}};
    st["scopes"] = nullptr;
    st["expires_at"] = nullptr;
    // GET /v1/me answers any key about itself (api.md §2.2); a server without it leaves only
    // the key list, which needs settings:admin.
    auto me = ctx.client().data("GET", "me", nullptr, {.workspace = false});
    if (me && me->contains("credential") && (*me)["credential"].is_object()) {
      const auto& c = (*me)["credential"];
      st["key"] = {{"prefix", prefix}, {"id", slab5::string_or(c, "id")}, {"name", slab5::string_or(c, "name")}};
      st["scopes"] = c.contains("scopes") ? c["scopes"] : Json(nullptr);
      st["expires_at"] = c.contains("expires_at") ? c["expires_at"] : Json(nullptr);
    } else if (auto keys = ctx.client().list_all("workspace/api-keys?status=all", 20); keys && keys->is_array()) {
      for (const auto& k : *keys)
        if (slab5::string_or(k, "prefix") == prefix) {
          st["key"] = {{"prefix", prefix}, {"id", k["id"]}, {"name", k["name"]}};
          st["scopes"] = k["scopes"];
          st["expires_at"] = k["expires_at"];
        }
    }
  } else {
    return ctx.fail(kUnauthenticated, "the token from " + t.source + " is neither a session nor an API key");
  }
  st["token"] = show_token ? t.value : mask(t.value);
  st["stored"] = stored;
  return ctx.emit(st, [&] {
    auto line = [&](const std::string& k, const std::string& v) { ctx.out.print_line(k + ":\t" + v); };
    auto text = [](const Json& j) -> std::string {
      if (j.is_null()) return "-";
      if (j.is_string()) return j.get<std::string>();
      if (j.is_array()) {
        std::string s;
        for (const auto& x : j) s += (s.empty() ? "" : " ") + (x.is_string() ? x.get<std::string>() : x.dump());
        return s.empty() ? "-" : s;
      }
      return j.dump();
    };
    line("server", text(st["server"]) + " (a token is only sent to " + text(st["host"]) + ")");
    line("source", text(st["source"]));
    line("kind", text(st["kind"]));
    if (st.contains("user")) line("user", text(st["user"]["email"]) + " (" + text(st["user"]["id"]) + ")");
    if (st.contains("key"))
      line("key", (st["key"]["name"].is_null() ? std::string("(unknown)") : text(st["key"]["name"])) + " (" +
                      text(st["key"]["prefix"]) + "…)");
    line("workspace", text(st["workspace"]));
    if (st.contains("role")) line("role", text(st["role"]));
    line("scopes", st["scopes"].is_null() ? "(unknown)" : text(st["scopes"]));
    line("expires", st["expires_at"].is_null() ? "never" : text(st["expires_at"]));
    line("token", text(st["token"]));
    for (const auto& e : st["stored"])
      line(e["active"].get<bool>() ? "stored (active)" : "stored",
           text(e["host"]) + "  profile " + text(e["profile"]) + "  " + text(e["kind"]) + " " + text(e["account"]));
  });
}

int run_token(Context& ctx) {
  auto stored = ctx.active_stored_credential();
  if (stored && stored->kind == "session") {
    auto fresh = fresh_session(ctx, *stored);
    if (!fresh) return ctx.fail(fresh.error());
    std::cout << fresh->token << "\n";
    return kOk;
  }
  auto t = ctx.require_token();
  if (!t) return ctx.fail(t.error());
  std::cout << *t << "\n";
  return kOk;
}

}  // namespace

void add_auth_commands(CLI::App& app, Context& ctx) {
  auto lo = std::make_shared<LoginOptions>();
  auto* login = app.add_subcommand("login", "Sign in and store the credential in the profile");
  login->add_option("--email", lo->email, "Email address (local sign-in)");
  login->add_flag("--password-stdin", lo->password_stdin, "Read the password from stdin (never from a flag)");
  with_choices(login->add_option("--provider", lo->provider, "Identity provider (default local)"),
               {"local", "google", "microsoft"});
  login->add_flag("--id-token-stdin", lo->id_token_stdin, "Read the provider's ID token from stdin");
  login->add_flag("--with-token", lo->with_token, "Read a workspace API key from stdin, check it and store it");
  login->footer(
      "Examples:\n  slab5 login --email you@example.com\n"
      "  printf '%s\\n' \"$PASSWORD\" | slab5 login --email you@example.com --password-stdin\n"
      "  echo \"$SLAB5_KEY\" | slab5 login --with-token\n"
      "  echo \"$ID_TOKEN\" | slab5 login --provider google --id-token-stdin");
  on_run(login, ctx, [&ctx, lo] { return run_login(ctx, *lo); });

  auto* logout = app.add_subcommand("logout", "Revoke the stored session on the server, then forget it");
  logout->footer("Example:\n  slab5 logout");
  on_run(logout, ctx, [&ctx] { return run_logout(ctx); });

  auto* auth = app.add_subcommand("auth", "Inspect the credential in use; register, verify, accept invitations");
  auth->require_subcommand(1);
  auto show_token = std::make_shared<bool>(false);
  auto* status =
      auth->add_subcommand("status", "Who am I: source, kind, server, user or key, workspace, scopes, expiry");
  status->add_flag("--show-token", *show_token, "Print the whole token instead of its prefix");
  status->footer(
      "Examples:\n  slab5 auth status\n  slab5 auth status --json\n\nExits 4 when no valid credential is configured.");
  on_run(status, ctx, [&ctx, show_token] { return run_status(ctx, *show_token); });

  auto* token = auth->add_subcommand("token", "Print the active token (a stored session is refreshed first)");
  token->footer("Example:\n  curl -H \"Authorization: Bearer $(slab5 auth token)\" \"$SLAB5_API_BASE_URL/workspace\"");
  on_run(token, ctx, [&ctx] { return run_token(ctx); });

  add_auth_account_commands(*auth, ctx);
}

}  // namespace slab5cli
