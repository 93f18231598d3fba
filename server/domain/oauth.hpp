// OAuth sign-in (api.md §2.2): Google and Microsoft ID tokens verified against the
// provider's JWKS, fetched with libcurl, cached by Cache-Control and refetched once on an
// unknown kid. RS256 only; issuer, audience, tenant, time (60 s skew) and email checks, each
// failure an `unauthorized` naming the check. Runs on the blocking pool (the route is
// offloaded) because fetching a JWKS may take a while.
#pragma once
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "domain/actor.hpp"
#include "slab5/error.hpp"
#include "slab5/jose.hpp"
#include "slab5/json_util.hpp"
#include "store/conn.hpp"

namespace slab5d {

struct Config;
struct IdentityService;

inline constexpr std::int64_t kOAuthSkewSeconds = 60;
// The tenant id the mock Microsoft provider puts in its tokens; allowed with --mock-oauth.
inline constexpr const char* kMockMicrosoftTenant = "00000000-0000-4000-8000-00000000a11c";

// A provider's JWKS, cached for as long as its Cache-Control allows (not at all without one).
class JwksCache {
 public:
  explicit JwksCache(std::string url) : url_(std::move(url)) {}
  // The key for `kid`: from the cache while fresh, else fetched; an unknown kid in a fresh
  // cache triggers one refetch. Errors name the fetch failure.
  slab5::Result<std::optional<slab5::jose::Key>> find(const std::string& kid);
  const std::string& url() const { return url_; }

 private:
  slab5::Status fetch();  // caller holds mu_

  std::string url_;
  std::mutex mu_;
  std::vector<slab5::jose::Key> keys_;
  std::int64_t fresh_until_ms_ = 0;
  bool fetched_ = false;
};

// Seconds from a Cache-Control header: max-age=N, 0 for no-store/no-cache or when absent.
std::int64_t cache_max_age(const std::string& cache_control);

struct OAuthIdentity {
  std::string provider;
  std::string subject;
  std::string email;
  std::string name;
};

// The JWKS URL the verifier uses: the configured one, or this server's mock with --mock-oauth.
std::string oauth_jwks_url(const Config& cfg, const std::string& base_url, const std::string& provider);

// Verifies an ID token for `provider` (google | microsoft) with keys from `cache`.
slab5::Result<OAuthIdentity> verify_id_token(const Config& cfg, const std::string& provider, JwksCache& cache,
                                             const std::string& id_token);

struct OAuthLogin {
  std::string provider;  // google | microsoft
  std::string id_token;
  std::optional<std::string> workspace_id;
};

// POST /v1/auth/session with provider google | microsoft: verify, find or create the user
// (with a personal workspace), start a session. Failures are recorded as session.failed.
// Call with the signing key primed (SigningKeys::active) outside any transaction.
slab5::Result<slab5::Json> oauth_login(Conn& db, IdentityService& svc, const Actor& actor, const RequestMeta& meta,
                                       const OAuthLogin& input);

}  // namespace slab5d
