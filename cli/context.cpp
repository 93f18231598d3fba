#include "context.hpp"

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "exit_codes.hpp"
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
                                   {"SLAB5_API_BASE_URL"}, prof,
                                   "profile " + profile() + " (" + self->store().config_path() + ")",
                                   slab5::kDefaultBaseUrl, "--base-url"},
                                  env);
  while (s.value.size() > 1 && s.value.back() == '/') s.value.pop_back();
  return s;
}

slab5::Setting Context::token_setting() const {
  if (!g.token.empty()) return {g.token, "flag --token"};
  for (const char* name : {"SLAB5_WORKSPACE_TOKEN", "SLAB5_WORKSPACE_API_KEY", "SLAB5_API_KEY"})
    if (auto v = env(name)) return {*v, std::string("env ") + name};
  auto* self = const_cast<Context*>(this);
  auto c = self->store().credential(profile());  // throws on an unsafe file
  if (c) return {c->token, "profile " + profile() + " (" + self->store().credentials_path() + ")"};
  return {"", ""};
}

slab5::Setting Context::workspace() const {
  auto* self = const_cast<Context*>(this);
  std::optional<std::string> prof;
  try {
    prof = self->store().profile_value(profile(), "workspace");
    if (!prof) {
      // A stored session remembers the workspace it signed in to.
      if (g.token.empty() && !env("SLAB5_WORKSPACE_TOKEN") && !env("SLAB5_WORKSPACE_API_KEY") && !env("SLAB5_API_KEY"))
        if (auto c = self->store().credential(profile()); c && c->kind == "session" && !c->workspace_id.empty())
          prof = c->workspace_id;
    }
  } catch (const std::exception&) {
  }
  return slab5::resolve_setting({g.workspace.empty() ? std::nullopt : std::optional<std::string>(g.workspace),
                                 {"SLAB5_WORKSPACE_ID"}, prof, "profile " + profile(), "", "--workspace"},
                                env);
}

std::string Context::correlation_id() const {
  if (!g.correlation_id.empty()) return g.correlation_id;
  return env("SLAB5_CORRELATION_ID").value_or("");
}

long Context::timeout_ms() const {
  std::string t = g.timeout.empty() ? env("SLAB5_TIMEOUT").value_or("30") : g.timeout;
  double s = std::atof(t.c_str());
  if (!(s > 0)) s = 30;           // also NaN
  s = std::min(s, 1e9);           // inf and 1e300 would not fit in a long (31 years is "never")
  return long(s * 1000);
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
  return store().credential(profile());
}

void Context::save_active_credential(const StoredCredential& c) { store().save_credential(profile(), c); }

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
    std::cerr << e.envelope.dump() << std::endl;
  } else {
    std::string msg = e.message.empty() ? "request failed" : e.message;
    if (!e.code.empty() || !e.request_id.empty()) {
      msg += " (";
      if (!e.code.empty()) msg += "code: " + e.code;
      if (!e.request_id.empty()) msg += std::string(e.code.empty() ? "" : ", ") + "request_id: " + e.request_id;
      msg += ")";
    }
    out.error(msg);
    if (!e.hint.empty()) out.hint(e.hint);
  }
  return e.exit_code;
}

int Context::fail(int exit_code, const std::string& message, const std::string& hint) {
  out.error(message);
  if (!hint.empty()) out.hint(hint);
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
