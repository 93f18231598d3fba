#include "domain/oauth_mock.hpp"

#include <array>

#include "config.hpp"
#include "domain/oauth.hpp"
#include "slab5/crypto.hpp"
#include "slab5/time.hpp"

namespace slab5d {

const slab5::jose::Key& MockOAuthProvider::key(const std::string& provider) {
  std::lock_guard lock(mu_);
  auto& slot = provider == "google" ? google_ : microsoft_;
  if (!slot) slot = slab5::jose::generate(slab5::jose::kRS256, "mock-" + provider + "-" + slab5::random_base62(8));
  return *slot;
}

std::string MockOAuthProvider::mint(const Config& cfg, const std::string& provider, const MockIdTokenRequest& req) {
  auto now = slab5::now_millis() / 1000;
  slab5::Json claims = {{"sub", "mock-" + slab5::sha256_hex(req.email).substr(0, 24)},
                        {"email", req.email},
                        {"iat", now},
                        {"nbf", now},
                        {"exp", now + 3600}};
  if (!req.name.empty()) claims["name"] = req.name;
  if (provider == "google") {
    claims["iss"] = "https://accounts.google.com";
    claims["aud"] = req.aud.value_or(cfg.google_client_id);
    claims["email_verified"] = req.email_verified;
  } else {
    std::string tid = req.tid.value_or(kMockMicrosoftTenant);
    claims["iss"] = "https://login.microsoftonline.com/" + tid + "/v2.0";
    claims["aud"] = req.aud.value_or(cfg.microsoft_client_id);
    claims["tid"] = tid;
  }
  return slab5::jose::sign(key(provider), claims);
}

slab5::Json MockOAuthProvider::jwks(const std::string& provider) {
  std::array<slab5::jose::Key, 1> keys{key(provider)};
  return slab5::jose::make_jwks(keys);
}

}  // namespace slab5d
