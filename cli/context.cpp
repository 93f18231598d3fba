#include "context.hpp"

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "base_url_hints.hpp"
#include "exit_codes.hpp"
#include "flag_values.hpp"
#include "slab5/http_client.hpp"
#include "slab5/json_util.hpp"
#include "slab5/token.hpp"

namespace slab5cli {

namespace {
JqRunner g_jq_runner;
}
void set_jq_runner(JqRunner runner) { g_jq_runner = std::move(runner); }
const JqRunner& jq_runner() { return g_jq_runner; }

Context::Context() = default;

bool Context::stdin_tty() const { return isatty(0); }

std::string Context::profile() const {
  if (!g.profile.empty()) return g.profile;
  if (auto p = env("SLAB5_PROFILE")) return *p;
  return "default";
}

ConfigStore& Context::store() {
  if (!store_) store_ = std::make_unique<ConfigStore>(ConfigStore::default_dir());
  return *store_;
}

slab5::Setting Context::base_url() const {
  auto* self = const_cast<Context*>(this);
  std::optional<std::string> prof;
  try {
    prof = self->store().profile_value(profile(), "base_url");
  } catch (const std::exception&) {
  }
  auto s = slab5::resolve_setting({g.base_url.empty() ? std::nullopt : std::optional<std::string>(g.base_url),
                                   {"SLAB5_API_BASE_URL"},
                                   prof,
                                   "profile " + profile() + " (" + self->store().config_path() + ")",
                                   slab5::kDefaultBaseUrl,
                                   "--base-url"},
                                  env);
  while (s.value.size() > 1 && s.value.back() == '/') s.value.pop_back();
  return s;
}

slab5::Setting Context::token_setting() const {
  if (!g.token.empty()) return {g.token, "flag --token"};
  for (const char* name : {"SLAB5_WORKSPACE_TOKEN", "SLAB5_WORKSPACE_API_KEY", "SLAB5_API_KEY"})
    if (auto v = env(name)) return {*v, std::string("env ") + name};
  auto* self = const_cast<Context*>(this);
  auto c = self->store().credential(profile(), credential_host());  // throws on an unsafe file
  if (c)
    return {c->token,
            "profile " + profile() + " for " + credential_host() + " (" + self->store().credentials_path() + ")"};
  return {"", ""};
}

bool Context::allow_insecure_http() const {
  if (g.allow_insecure_http) return true;
  auto v = env("SLAB5_ALLOW_INSECURE_HTTP");
  return v && (*v == "1" || *v == "true" || *v == "yes");
}

std::string Context::credential_host() const { return slab5cli::credential_host(base_url().value); }

std::optional<ApiError> Context::transport_refusal() const {
  auto base = base_url();
  auto origin = slab5::url_origin(base.value);
  ApiError e;
  e.exit_code = kUsage;
  if (!origin) {
    e.message = "the base URL " + redact(base.value) + " (from " + base.source +
                ") is not an http:// or https:// URL with a plain host";
    e.hint = "set it to the server's API root, e.g. --base-url https://api.slab5.com/v1";
    return e;
  }
  if (origin->scheme == "http" && !slab5::is_loopback_host(origin->host) && !allow_insecure_http()) {
    e.message = "refusing to send credentials over plain http to " + origin->key() + " (base URL from " + base.source +
                "): anyone on the network could read them";
    e.hint =
        "use https://, or if this network is trusted pass --allow-insecure-http (or set "
        "SLAB5_ALLOW_INSECURE_HTTP=1); http is allowed without it to loopback hosts only";
    return e;
  }
  return std::nullopt;
}

std::vector<std::string> Context::other_credential_hosts() {
  std::vector<std::string> hosts;
  std::string here = credential_host();
  try {
    for (const auto& e : store().stored_credentials())
      if (e.profile == profile() && e.host != here) hosts.push_back(e.host);
  } catch (const std::exception&) {
  }
  return hosts;
}

void Context::add_secret(const std::string& secret) {
  if (secret.size() >= 8 && std::find(secrets_.begin(), secrets_.end(), secret) == secrets_.end())
    secrets_.push_back(secret);
}

std::string Context::redact(std::string_view text) const {
  std::vector<std::string> known = secrets_;
  if (!g.token.empty()) known.push_back(g.token);
  for (const char* name : {"SLAB5_WORKSPACE_TOKEN", "SLAB5_WORKSPACE_API_KEY", "SLAB5_API_KEY"})
    if (auto v = env(name)) known.push_back(*v);
  return redact_secrets(text, known);
}

slab5::Setting Context::workspace() const {
  auto* self = const_cast<Context*>(this);
  std::optional<std::string> prof;
  try {
    prof = self->store().profile_value(profile(), "workspace");
    if (!prof) {
      // A stored session remembers the workspace it signed in to.
      if (g.token.empty() && !env("SLAB5_WORKSPACE_TOKEN") && !env("SLAB5_WORKSPACE_API_KEY") && !env("SLAB5_API_KEY"))
        if (auto c = self->store().credential(profile(), credential_host());
            c && c->kind == "session" && !c->workspace_id.empty())
          prof = c->workspace_id;
    }
  } catch (const std::exception&) {
  }
  return slab5::resolve_setting({g.workspace.empty() ? std::nullopt : std::optional<std::string>(g.workspace),
                                 {"SLAB5_WORKSPACE_ID"},
                                 prof,
                                 "profile " + profile(),
                                 "",
                                 "--workspace"},
                                env);
}

std::string Context::correlation_id() const {
  if (!g.correlation_id.empty()) return g.correlation_id;
  return env("SLAB5_CORRELATION_ID").value_or("");
}

long Context::timeout_ms() const {
  // Both were checked before the command ran (run.cpp): a bad value is a usage error.
  std::string t = g.timeout.empty() ? env("SLAB5_TIMEOUT").value_or("30") : g.timeout;
  return parse_timeout_ms(t).value_or(30000);
}

int Context::max_retries() const {
  auto v = env("SLAB5_MAX_RETRIES");
  if (!v) return 3;
  int n = std::atoi(v->c_str());
  return n < 0 ? 0 : (n > 10 ? 10 : n);
}

bool Context::verbose() const {
  if (g.verbose) return true;
  auto d = env("SLAB5_DEBUG");
  return d && d->find("api") != std::string::npos;
}

std::string Context::ca_bundle() const {
  if (!g.cacert.empty()) return g.cacert;
  return env("SLAB5_CA_BUNDLE").value_or("");
}

std::optional<StoredCredential> Context::active_stored_credential() {
  auto t = token_setting();
  if (t.source.rfind("profile ", 0) != 0) return std::nullopt;
  return store().credential(profile(), credential_host());
}

void Context::save_active_credential(const StoredCredential& c) {
  store().save_credential(profile(), credential_host(), c);
}

tl::expected<std::string, ApiError> Context::require_token() {
  slab5::Setting t;
  try {
    t = token_setting();
  } catch (const std::exception& e) {
    ApiError err;
    err.exit_code = kUnauthenticated;
    err.message = e.what();
    return tl::unexpected(err);
  }
  if (!t.set()) {
    ApiError err;
    err.exit_code = kUnauthenticated;
    err.message = "no token configured";
    err.hint = "run 'slab5 login', or set SLAB5_WORKSPACE_TOKEN to an API key";
    // A credential belongs to the server that issued it (cli.md §1): say where this
    // profile's are, so pointing the profile elsewhere does not look like a lost login.
    if (auto others = other_credential_hosts(); !others.empty()) {
      std::string list;
      for (const auto& h : others) list += (list.empty() ? "" : ", ") + h;
      err.message = "no token configured for " + credential_host() + " (profile " + profile() + ")";
      err.hint = "profile " + profile() + " has a stored credential for " + list +
                 " only; credentials are sent to the "
                 "server that issued them. Run 'slab5 login' against " +
                 credential_host() + ", or point the base URL back (" + base_url().source + ")";
    }
    return tl::unexpected(err);
  }
  auto kind = slab5::token_kind(t.value);
  if ((kind == slab5::TokenKind::ApiKey || kind == slab5::TokenKind::McpClient) && !slab5::token_checksum_ok(t.value)) {
    ApiError err;
    err.exit_code = kUnauthenticated;
    err.message = "the token from " + t.source + " is malformed (its checksum does not match)";
    err.hint = "it was probably mistyped or truncated; copy it again";
    return tl::unexpected(err);
  }
  return t.value;
}

ApiClient& Context::client() {
  if (!client_) client_ = std::make_unique<ApiClient>(*this);
  return *client_;
}

int Context::fail(const ApiError& e) {
  if (out.json() && !e.envelope.is_null()) {
    std::cerr << redact(e.envelope.dump()) << std::endl;
  } else {
    std::string msg = redact(e.message.empty() ? "request failed" : e.message);
    if (!e.code.empty() || !e.request_id.empty()) {
      msg += " (";
      if (!e.code.empty()) msg += "code: " + e.code;
      if (!e.request_id.empty()) msg += std::string(e.code.empty() ? "" : ", ") + "request_id: " + e.request_id;
      msg += ")";
    }
    out.error(msg);
    // validation_failed names every bad field (api.md §1): one line each.
    if (e.envelope.is_object() && e.envelope.contains("error") && e.envelope["error"].is_object())
      if (auto fe = e.envelope["error"].find("field_errors"); fe != e.envelope["error"].end() && fe->is_array())
        for (const auto& f : *fe)
          if (f.is_object()) out.detail(redact(slab5::string_or(f, "field") + ": " + slab5::string_or(f, "message")));
    if (!e.hint.empty()) out.hint(redact(e.hint));
    // A 404 from a base URL without /v1 is that, not a missing record.
    if (e.http_status == 404)
      if (auto h = base_url_v1_hint(base_url().value); !h.empty()) out.hint(h);
  }
  return e.exit_code;
}

int Context::fail(int exit_code, const std::string& message, const std::string& hint) {
  out.error(redact(message));
  if (!hint.empty()) out.hint(redact(hint));
  return exit_code;
}

int Context::usage_error(const std::string& message) { return fail(kUsage, message); }

int Context::confirm(const std::string& action, const std::string& expected) {
  if (g.yes) return kOk;
  if (!stdin_tty()) {
    return fail(kUsage, action + " needs confirmation", "stdin is not a terminal: pass --yes to confirm");
  }
  std::cerr << action << ": type '" << expected << "' to confirm: " << std::flush;
  std::string line;
  if (!std::getline(std::cin, line)) return fail(kUsage, "not confirmed");
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  if (line != expected) return fail(kUsage, "not confirmed ('" + line + "' does not match)");
  return kOk;
}

int Context::emit(const Json& data, const std::function<void()>& human) {
  if (!g.jq.empty()) {
    if (!jq_runner()) return usage_error("--jq is not available in this build");
    return jq_runner()(*this, data, g.jq);
  }
  if (out.json()) {
    out.print_json(data);
    return kOk;
  }
  human();
  return kOk;
}

}  // namespace slab5cli
