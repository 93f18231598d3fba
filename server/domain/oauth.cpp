#include "domain/oauth.hpp"
#include "slab5/encoding.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "config.hpp"
#include "domain/identity.hpp"
#include "domain/identity_service.hpp"
#include "domain/outcome.hpp"
#include "domain/sessions.hpp"
#include "domain/workspaces.hpp"
#include "domain/write.hpp"
#include "slab5/http_client.hpp"
#include "slab5/ids.hpp"
#include "slab5/time.hpp"

namespace slab5d {

using slab5::Json;
using slab5::Result;

namespace {
constexpr std::array<std::string_view, 1> kOAuthAlgs{slab5::jose::kRS256};

tl::unexpected<slab5::Error> refuse(const std::string& provider, const std::string& why) {
  std::string name = provider == "google" ? "Google" : "Microsoft";
  return slab5::fail("unauthorized", name + " ID token rejected: " + why);
}

}  // namespace

std::int64_t cache_max_age(const std::string& cc) {
  std::int64_t max_age = 0;
  std::string v = slab5::ascii_lower(cc);
  std::size_t pos = 0;
  while (pos <= v.size()) {
    auto comma = v.find(',', pos);
    std::string part = v.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    while (!part.empty() && part.front() == ' ') part.erase(0, 1);
    while (!part.empty() && part.back() == ' ') part.pop_back();
    if (part == "no-store" || part == "no-cache") return 0;
    if (part.rfind("max-age=", 0) == 0) {
      std::int64_t n = 0;
      for (std::size_t i = 8; i < part.size() && std::isdigit((unsigned char)part[i]); ++i)
        n = std::min<std::int64_t>(n * 10 + (part[i] - '0'), 7 * 86400);
      max_age = n;
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return max_age;
}

slab5::Status JwksCache::fetch() {
  slab5::HttpClient client;
  client.set_user_agent("slab5d-oauth");
  slab5::HttpRequest req;
  req.url = url_;
  req.timeout_ms = 10000;
  req.headers.emplace_back("Accept", "application/json");
  auto r = client.perform(req);
  if (!r) return slab5::fail("unauthorized", "the provider's keys could not be fetched (" + r.error().message + ")");
  if (r->status != 200)
    return slab5::fail("unauthorized",
                       "the provider's keys could not be fetched (HTTP " + std::to_string(r->status) + ")");
  auto keys = slab5::jose::parse_jwks(r->body);
  if (!keys) return slab5::fail("unauthorized", "the provider's JWKS is not valid");
  keys_ = std::move(*keys);
  fetched_ = true;
  fresh_until_ms_ = slab5::now_millis() + cache_max_age(r->header("cache-control")) * 1000;
  return {};
}

Result<std::optional<slab5::jose::Key>> JwksCache::find(const std::string& kid) {
  std::lock_guard lock(mu_);
  auto lookup = [&]() -> std::optional<slab5::jose::Key> {
    for (const auto& k : keys_)
      if (k.kid == kid) return k;
    return std::nullopt;
  };
  bool fresh = fetched_ && slab5::now_millis() < fresh_until_ms_;
  if (!fresh) {
    if (auto f = fetch(); !f) return tl::unexpected(f.error());
    return lookup();
  }
  if (auto k = lookup()) return k;
  // Unknown kid in a fresh cache: the provider may have rotated its keys. Refetch once.
  if (auto f = fetch(); !f) return tl::unexpected(f.error());
  return lookup();
}

std::string oauth_jwks_url(const Config& cfg, const std::string& base_url, const std::string& provider) {
  if (cfg.mock_oauth) return base_url + "/v1/dev/oauth/" + provider + "/jwks.json";
  return provider == "google" ? cfg.google_jwks_url : cfg.microsoft_jwks_url;
}

Result<OAuthIdentity> verify_id_token(const Config& cfg, const std::string& provider, JwksCache& cache,
                                      const std::string& id_token) {
  std::optional<slab5::Error> fetch_error;
  auto v = slab5::jose::verify(
      id_token,
      [&](const std::string& kid) -> std::optional<slab5::jose::Key> {
        auto k = cache.find(kid);
        if (!k) {
          fetch_error = k.error();
          return std::nullopt;
        }
        return *k;
      },
      kOAuthAlgs);
  if (fetch_error) return refuse(provider, fetch_error->message + ".");
  if (!v) return refuse(provider, v.error().message + ".");
  const Json& c = v->claims;
  auto str = [&](const char* name) -> std::string {
    auto it = c.find(name);
    return it != c.end() && it->is_string() ? it->get<std::string>() : std::string();
  };

  // Issuer (and, for Microsoft, the tenant it names).
  std::string iss = str("iss");
  if (provider == "google") {
    if (iss != "https://accounts.google.com" && iss != "accounts.google.com")
      return refuse(provider, "issuer (iss) '" + iss + "' is not Google's.");
  } else {
    std::string tid = str("tid");
    if (tid.empty()) return refuse(provider, "the token has no tenant id (tid).");
    if (iss != "https://login.microsoftonline.com/" + tid + "/v2.0")
      return refuse(provider, "issuer (iss) '" + iss + "' does not match the tenant " + tid + ".");
    auto allowed = cfg.microsoft_tenants;
    if (cfg.mock_oauth) allowed.emplace_back(kMockMicrosoftTenant);
    if (std::find(allowed.begin(), allowed.end(), tid) == allowed.end())
      return refuse(provider, "tenant (tid) " + tid + " is not in the allowed tenant list.");
  }
  // Audience.
  const std::string& client_id = provider == "google" ? cfg.google_client_id : cfg.microsoft_client_id;
  auto aud = c.find("aud");
  bool aud_ok = aud != c.end() && ((aud->is_string() && *aud == client_id) ||
                                   (aud->is_array() && aud->size() == 1 && (*aud)[0] == client_id));
  if (!aud_ok) return refuse(provider, "audience (aud) is not this server's client id.");
  // Time.
  if (auto t = slab5::jose::check_time_claims(c, slab5::now_millis() / 1000, kOAuthSkewSeconds); !t)
    return refuse(provider, t.error().message + ".");
  // Email.
  OAuthIdentity id;
  id.provider = provider;
  id.subject = str("sub");
  id.email = str("email");
  id.name = str("name");
  if (id.subject.empty()) return refuse(provider, "the token has no subject (sub).");
  if (auto e = check_email("email", id.email); !e) return refuse(provider, "the token has no valid email.");
  if (provider == "google") {
    auto ev = c.find("email_verified");
    bool verified = ev != c.end() && ((ev->is_boolean() && ev->get<bool>()) || (ev->is_string() && *ev == "true"));
    if (!verified) return refuse(provider, "the email is not verified (email_verified).");
  }
  return id;
}

Result<Json> oauth_login(Conn& db, IdentityService& svc, const Actor& actor, const RequestMeta& meta,
                         const OAuthLogin& in) {
  const std::string& provider = in.provider;
  auto& st = db.identity();
  auto id = verify_id_token(svc.config(), provider, svc.jwks_for(provider), in.id_token);
  if (!id) {
    WriteUnit unit(db, actor, meta);
    Actor anonymous = actor;
    anonymous.id = "anonymous";
    unit.record({.action = "session.failed",
                 .target_type = "user",
                 .target_id = "",
                 .after = Json{{"provider", provider}, {"reason", id.error().message}},
                 .status = status_of(id.error()),
                 .emit_event = false,
                 .actor = anonymous});
    OUTCOME_CHECK(unit.commit());
    return tl::unexpected(id.error());
  }
  auto now = slab5::now_millis();
  std::string at = slab5::format_rfc3339(now);
  WriteUnit unit(db, actor, meta);
  OUTCOME_TRY(user, st.users->find_by_email(id->email));
  if (!user) {
    std::string tenant = slab5::new_id("ten");
    OUTCOME_CHECK(st.users->insert_tenant(tenant, id->name.empty() ? id->email : id->name, at));
    OUTCOME_TRY(fresh, insert_user(*st.users, tenant, id->email, id->name, std::nullopt, true));
    user = std::move(fresh);
    Workspace ws = create_workspace(db, "Personal Workspace", derive_slug(db, "personal"), tenant, user->id);
    // The new user acts, in their new workspace.
    Actor as_user = actor;
    as_user.type = "user";
    as_user.id = user->id;
    as_user.workspace_id = ws.id;
    as_user.tenant_id = tenant;
    Json after = user_json(*user);
    after["provider"] = provider;
    int done = status_of(Outcome::Done);
    record_sign_up(unit, as_user, after, user->id, ws, done);
  } else if (!user->email_verified_at) {
    // The provider vouches for the address (Google's email_verified, Microsoft's tenant list).
    // Whoever registered it with a password never proved it: that password is cleared and
    // the account's sessions end, so only the mailbox's owner keeps a way in.
    OUTCOME_CHECK(claim_unverified_account(unit, st, *user, std::nullopt, "oauth:" + provider, std::nullopt));
  }
  OUTCOME_TRY(ws, session_workspace(db, *st.users, user->id, in.workspace_id));
  OUTCOME_TRY(out, start_session(unit, meta, st, svc, *user, ws));
  OUTCOME_CHECK(unit.commit());
  return out;
}

}  // namespace slab5d
