#include "api_client.hpp"
#include "slab5/encoding.hpp"
#include "slab5/json_util.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include "context.hpp"
#include "exit_codes.hpp"
#include "slab5/crypto.hpp"
#include "slab5/error.hpp"
#include "slab5/time.hpp"
#include "slab5/version.hpp"

namespace slab5cli {

std::string ApiResponse::header(std::string_view name) const {
  slab5::HttpResponse r;
  r.headers = headers;
  return r.header(name);
}

namespace {

bool is_secret_key(const std::string& k) {
  static const char* kKeys[] = {"secret",  "token",         "password",     "refreshToken",   "accessToken",
                                "idToken", "refresh_token", "access_token", "signing_secret", "id_token"};
  for (const char* s : kKeys)
    if (k == s) return true;
  return false;
}

Json redact(Json j) {
  if (j.is_object()) {
    for (auto& [k, v] : j.items()) {
      if (is_secret_key(k) && !v.is_null())
        v = "[redacted]";
      else
        v = redact(v);
    }
  } else if (j.is_array()) {
    for (auto& v : j) v = redact(v);
  }
  return j;
}

std::string user_agent() {
  utsname u{};
  uname(&u);
  std::string os = u.sysname;
  for (auto& c : os) c = char(std::tolower((unsigned char)c));
  return std::string("slab5/") + slab5::kVersion + " (" + os + "; " + u.machine + ")";
}

int exit_for(long status, const std::string& code) {
  if (!code.empty() && slab5::is_known_error(code)) return slab5::error_info(code).exit_code;
  if (status == 401) return kUnauthenticated;
  if (status == 403) return kForbidden;
  if (status == 404) return kNotFound;
  if (status == 429) return kRateLimited;
  if (status >= 500) return kServerError;
  return kFailure;
}

std::string hint_for(const std::string& code, const Json& err) {
  if (code == "unauthorized" || code == "invalid_credentials")
    return "sign in with 'slab5 login', or set SLAB5_WORKSPACE_TOKEN to a valid API key";
  if (code == "missing_required_scope" && err.contains("required_scope"))
    return "the token lacks the scope '" + err["required_scope"].get<std::string>() +
           "'; use a key created with --scope " + err["required_scope"].get<std::string>();
  if (code == "module_not_enabled" && err.contains("module"))
    return "enable it with 'slab5 workspace modules enable " + err["module"].get<std::string>() + "'";
  if (code == "forbidden" && err.contains("required_role"))
    return "this needs the " + err["required_role"].get<std::string>() + " role in the workspace";
  if (code == "workspace_header_required") return "pass --workspace ID, or set a default with 'slab5 workspace use ID'";
  if (code == "workspace_not_found") return "check the workspace id ('slab5 workspace list' shows yours)";
  if (code == "email_not_verified")
    return "open the verification mail, or run 'slab5 auth resend-verification --email …'";
  if ((code == "rate_limited" || code == "too_many_attempts") && err.contains("retry_after_seconds"))
    return "try again in " + err["retry_after_seconds"].dump() + " s";
  return "";
}

}  // namespace

std::string redact_json_text(const std::string& body) {
  auto j = Json::parse(body, nullptr, false);
  if (j.is_discarded()) return redact_secrets(body.size() > 2000 ? body.substr(0, 2000) + "…" : body);
  return redact_secrets(redact(j).dump());
}

namespace {

bool token_char(char ch) { return std::isalnum((unsigned char)ch) || ch == '_' || ch == '-'; }

bool is_secret_param(std::string_view name) {
  static const char* kNames[] = {"token",  "access_token",  "refresh_token", "id_token", "api_key",   "apikey", "key",
                                 "secret", "client_secret", "password",      "code",     "signature", "sig"};
  std::string n = slab5::ascii_lower(name);
  for (const char* k : kNames)
    if (n == k) return true;
  return n.find("token") != std::string::npos || n.find("secret") != std::string::npos ||
         n.find("password") != std::string::npos;
}

}  // namespace

bool is_secret_header(std::string_view name) {
  std::string n = slab5::ascii_lower(name);
  if (n == "authorization" || n == "proxy-authorization" || n == "cookie" || n == "set-cookie") return true;
  if (n == "idempotency-key") return false;
  for (const char* part : {"token", "secret", "password", "signature", "api-key", "apikey", "auth", "key"})
    if (n.find(part) != std::string::npos) return true;
  return false;
}

std::string redact_secrets(std::string_view text, const std::vector<std::string>& known) {
  static constexpr std::string_view kRedacted = "[redacted]";
  std::string s(text);
  // 1. The secrets we know by value, longest first so one inside another goes whole.
  std::vector<std::string> sorted;
  for (const auto& k : known)
    if (k.size() >= 8) sorted.push_back(k);
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  for (const auto& k : sorted)
    for (auto at = s.find(k); at != std::string::npos; at = s.find(k, at + kRedacted.size()))
      s.replace(at, k.size(), kRedacted);
  // 2. Anything shaped like a token.
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    std::string_view rest(s.data() + i, s.size() - i);
    std::size_t len = 0;
    for (std::string_view prefix : {"slab5_sk_", "slab5_mcp_", "slab5_rt_", "whsec_"})
      if (rest.substr(0, prefix.size()) == prefix) {
        len = prefix.size();
        while (len < rest.size() && token_char(rest[len])) ++len;
        if (len == prefix.size()) len = 0;  // the bare prefix, e.g. in a help text
        break;
      }
    if (len == 0 && rest.substr(0, 3) == "eyJ" && (i == 0 || !token_char(s[i - 1]))) {
      std::size_t n = 0, dots = 0;
      while (n < rest.size() && (token_char(rest[n]) || rest[n] == '.')) dots += rest[n++] == '.';
      if (dots >= 1 && n >= 10) len = n;
    }
    if (len > 0) {
      out += kRedacted;
      i += len;
      continue;
    }
    // 3. A query parameter named like a secret: ?token=… or &password=…
    if ((s[i] == '?' || s[i] == '&') && i + 1 < s.size()) {
      auto eq = s.find('=', i + 1);
      auto stop = s.find_first_of("&#? \t\r\n\"'", i + 1);
      if (eq != std::string::npos && (stop == std::string::npos || eq < stop) &&
          is_secret_param(std::string_view(s).substr(i + 1, eq - i - 1))) {
        auto end = s.find_first_of("&# \t\r\n\"'", eq + 1);
        if (end == std::string::npos) end = s.size();
        out.append(s, i, eq + 1 - i);
        if (end > eq + 1) out += kRedacted;
        i = end;
        continue;
      }
    }
    out.push_back(s[i++]);
  }
  return out;
}

ApiError api_error_from(const ApiResponse& r) {
  ApiError e;
  e.http_status = r.status;
  if (r.json.is_object() && r.json.contains("error") && r.json["error"].is_object()) {
    const auto& err = r.json["error"];
    e.envelope = r.json;
    e.code = slab5::string_or(err, "code");
    e.message = slab5::string_or(err, "message");
    e.request_id = slab5::string_or(err, "request_id");
    e.hint = hint_for(e.code, err);
  } else {
    e.message = "the server answered " + std::to_string(r.status) + " without an error envelope";
    e.request_id = r.header("x-request-id");
  }
  e.exit_code = exit_for(r.status, e.code);
  return e;
}

Json with_idempotency_key(Json body) {
  if (body.is_null()) body = Json::object();
  if (!body.contains("idempotency_key")) body["idempotency_key"] = "slab5-" + slab5::random_token(18);
  return body;
}

ApiClient::ApiClient(Context& ctx) : ctx_(ctx) {
  http_.set_user_agent(user_agent());
  if (!ctx_.ca_bundle().empty()) http_.set_ca_bundle(ctx_.ca_bundle());
}

std::string ApiClient::url_for(const std::string& path) const {
  if (path.rfind("http://", 0) == 0 || path.rfind("https://", 0) == 0) return path;
  std::string base = ctx_.base_url().value;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string p = path;
  while (!p.empty() && p.front() == '/') p.erase(p.begin());
  return base + "/" + p;
}

bool ApiClient::maybe_refresh_session(bool force) {
  auto cred = ctx_.active_stored_credential();
  if (!cred || cred->kind != "session" || cred->refresh_token.empty() || refreshed_) return false;
  if (!force) {
    auto exp = slab5::parse_rfc3339(cred->expires_at);
    if (exp && *exp > slab5::now_millis() + 30000) return false;
  }
  refreshed_ = true;
  // The credential was looked up by the base URL's host, so the refresh goes back to the
  // server that issued it; transport_refusal() was checked by the caller.
  ctx_.add_secret(cred->token);
  ctx_.add_secret(cred->refresh_token);
  slab5::HttpRequest req;
  req.method = "POST";
  req.url = url_for("auth/refresh");
  req.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  req.body = Json{{"refreshToken", cred->refresh_token}}.dump();
  req.timeout_ms = ctx_.timeout_ms();
  if (ctx_.verbose()) ctx_.out.info(ctx_.redact("> POST " + req.url + " (refreshing the stored session)"));
  auto r = http_.perform(req);
  if (!r || r->status != 200) return false;
  auto j = Json::parse(r->body, nullptr, false);
  if (j.is_discarded() || !j.contains("data")) return false;
  const auto& d = j["data"];
  cred->token = slab5::string_or(d, "accessToken");
  cred->refresh_token = slab5::string_or(d, "refreshToken");
  auto expires_in = slab5::int_or(d, "expiresIn", 3600);
  cred->expires_at = slab5::format_rfc3339(slab5::now_millis() + std::int64_t(expires_in) * 1000);
  ctx_.add_secret(cred->token);
  ctx_.add_secret(cred->refresh_token);
  ctx_.save_active_credential(*cred);
  return true;
}

ApiResult ApiClient::send(const std::string& method, const std::string& path, const std::string& body,
                          const RequestOptions& opts) {
  slab5::HttpRequest req;
  req.method = method;
  req.url = url_for(path);
  for (const auto& [name, value] : opts.headers)
    if (is_secret_header(name)) {
      ctx_.add_secret(value);
      if (auto sp = value.find(' '); sp != std::string::npos) ctx_.add_secret(value.substr(sp + 1));
    }
  // cli.md §1: a token goes to the base URL's host only, and never in clear to a host that
  // is not loopback. Both are decided here, before any connection.
  auto target = slab5::url_origin(req.url);
  auto home = slab5::url_origin(ctx_.base_url().value);
  bool to_base = target && home && *target == *home;
  if (to_base || !target) {
    if (auto refused = ctx_.transport_refusal()) return tl::unexpected(*refused);
  }
  if (!target) {
    ApiError e;
    e.exit_code = kUsage;
    e.message = "'" + ctx_.redact(req.url) + "' is not an http:// or https:// URL with a plain host";
    return tl::unexpected(e);
  }
  bool send_auth = opts.auth && to_base;
  if (opts.auth && !to_base)
    ctx_.out.warn(target->key() + " is not the base URL's host (" + home->key() +
                  "): sending the request without the token or workspace");
  std::string token;
  if (send_auth) {
    maybe_refresh_session(false);
    auto t = ctx_.require_token();
    if (!t) return tl::unexpected(t.error());
    token = *t;
    ctx_.add_secret(token);
  }
  req.timeout_ms = ctx_.timeout_ms();
  req.body = body;
  req.headers.emplace_back("Accept", "application/json");
  if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
  if (send_auth) req.headers.emplace_back("Authorization", "Bearer " + token);
  auto ws = ctx_.workspace();
  if (opts.workspace && to_base && ws.set()) req.headers.emplace_back("x-workspace-id", ws.value);
  auto corr = ctx_.correlation_id();
  if (!corr.empty()) req.headers.emplace_back("x-correlation-id", corr);
  bool has_idem_header = false;
  for (auto& h : opts.headers) {
    std::string lower = h.first;
    for (auto& c : lower) c = char(std::tolower((unsigned char)c));
    if (lower == "idempotency-key") has_idem_header = true;
    // A caller's header replaces ours of the same name.
    std::erase_if(req.headers, [&](const auto& x) {
      std::string l = x.first;
      for (auto& c : l) c = char(std::tolower((unsigned char)c));
      return l == lower;
    });
    req.headers.push_back(h);
  }
  bool retryable = method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" || opts.idempotent ||
                   has_idem_header || (method == "POST" && body.find("\"idempotency_key\"") != std::string::npos);
  int max_retries = ctx_.max_retries();
  std::mt19937_64 rng{std::random_device{}()};
  for (int attempt = 0;; ++attempt) {
    if (ctx_.verbose()) trace_request(req);
    auto r = http_.perform(req);
    double wait_s = std::min(20.0, 0.5 * double(1 << std::min(attempt, 10)));
    wait_s *= 1.0 + std::uniform_real_distribution<double>(0, 0.5)(rng);
    if (!r) {
      // A refused connection is retried quickly: 0.1, 0.2, 0.4 s (with jitter), about a second
      // for the default three retries, so a server that is down fails fast.
      if (r.error().refused) wait_s /= 5;
      if (retryable && attempt < max_retries) {
        if (ctx_.verbose()) ctx_.out.info("* " + r.error().message + "; retrying");
        std::this_thread::sleep_for(std::chrono::milliseconds(long(wait_s * 1000)));
        continue;
      }
      ApiError e;
      e.exit_code = kNetwork;
      e.message = "cannot reach " + (to_base ? ctx_.base_url().value : target->key()) + " (" + r.error().message + ")";
      e.hint = r.error().timeout ? "the request timed out; raise --timeout or check the server"
                                 : "check the base URL (" + ctx_.base_url().source + ") and that the server is running";
      return tl::unexpected(e);
    }
    ApiResponse resp;
    resp.status = r->status;
    resp.status_line = r->status_line;
    resp.headers = std::move(r->headers);
    resp.body = std::move(r->body);
    resp.json = Json::parse(resp.body, nullptr, false);
    if (resp.json.is_discarded()) resp.json = nullptr;
    if (ctx_.verbose()) {
      ctx_.out.info(ctx_.redact("< " + resp.status_line));
      for (auto& [k, v] : resp.headers)
        ctx_.out.info(ctx_.redact("< " + k + ": " + (is_secret_header(k) ? "[redacted]" : v)));
      if (!resp.body.empty()) ctx_.out.info(ctx_.redact("< " + redact_json_text(resp.body)));
    }
    bool transient = resp.status == 429 || resp.status == 502 || resp.status == 503 || resp.status == 504;
    if (transient && retryable && attempt < max_retries) {
      double retry_after = 0;
      if (resp.json.is_object() && resp.json.contains("error") && resp.json["error"].contains("retry_after_seconds") &&
          resp.json["error"]["retry_after_seconds"].is_number())
        retry_after = resp.json["error"]["retry_after_seconds"].get<double>();
      else if (auto h = resp.header("retry-after"); !h.empty())
        retry_after = std::atof(h.c_str());
      if (retry_after > 0) wait_s = std::min(retry_after, 60.0);
      if (ctx_.verbose())
        ctx_.out.info("* " + std::to_string(resp.status) + "; retrying in " + std::to_string(wait_s) + " s");
      std::this_thread::sleep_for(std::chrono::milliseconds(long(wait_s * 1000)));
      continue;
    }
    if (resp.status == 401 && send_auth && maybe_refresh_session(true)) {
      auto t = ctx_.require_token();
      if (t) {
        ctx_.add_secret(*t);
        for (auto& h : req.headers)
          if (h.first == "Authorization") h.second = "Bearer " + *t;
        continue;
      }
    }
    return resp;
  }
}

void ApiClient::trace_request(const slab5::HttpRequest& req) {
  ctx_.out.info(ctx_.redact("> " + req.method + " " + req.url));
  for (const auto& [k, v] : req.headers) {
    std::string shown = v;
    if (is_secret_header(k)) {
      auto sp = v.find(' ');  // keep the scheme of "Bearer …", "Basic …"
      shown = sp != std::string::npos && sp > 0 && sp < 16 ? v.substr(0, sp) + " [redacted]" : "[redacted]";
    }
    ctx_.out.info(ctx_.redact("> " + k + ": " + shown));
  }
  if (!req.body.empty()) ctx_.out.info(ctx_.redact("> " + redact_json_text(req.body)));
}

ApiResult ApiClient::call(const std::string& method, const std::string& path, const Json& body,
                          const RequestOptions& opts) {
  auto r = send(method, path, body.is_null() ? std::string() : body.dump(), opts);
  if (!r) return r;
  if (r->status < 200 || r->status >= 300) return tl::unexpected(api_error_from(*r));
  return r;
}

tl::expected<Json, ApiError> ApiClient::data(const std::string& method, const std::string& path, const Json& body,
                                             const RequestOptions& opts) {
  auto r = call(method, path, body, opts);
  if (!r) return tl::unexpected(r.error());
  if (r->status == 204) return Json(nullptr);
  if (!r->json.is_object() || !r->json.contains("data")) {
    ApiError e;
    e.message = "the server's answer has no data";
    return tl::unexpected(e);
  }
  return r->json["data"];
}

tl::expected<Json, ApiError> ApiClient::list_all(const std::string& path, int max_pages) {
  Json all = Json::array();
  std::string next = path;
  for (int page = 0; page < max_pages; ++page) {
    auto r = call("GET", next);
    if (!r) {
      ctx_.out.progress("");  // clear the progress line before the error is printed
      return tl::unexpected(r.error());
    }
    if (r->json.is_object() && r->json.contains("data") && r->json["data"].is_array())
      for (auto& v : r->json["data"]) all.push_back(v);
    if (!r->json.is_object() || !r->json.contains("next_cursor") || !r->json["next_cursor"].is_string()) break;
    ctx_.out.progress("fetched " + std::to_string(all.size()) + " items…");
    std::string cursor = slab5::url_encode(r->json["next_cursor"].get<std::string>());
    // Replace or add the cursor parameter.
    std::string base = path;
    next = base + (base.find('?') == std::string::npos ? "?" : "&") + "cursor=" + cursor;
  }
  if (ctx_.out.stderr_tty()) ctx_.out.progress("");
  return all;
}

}  // namespace slab5cli
