#include "domain/identity_service.hpp"

#include "app.hpp"
#include "slab5/crypto.hpp"

namespace slab5d {

IdentityService::IdentityService(App& a, std::string kek_path)
    : app(a), keys(std::move(kek_path)), cost(password_cost(a.config().password_cost)) {}

const std::string& IdentityService::dummy_hash() {
  std::call_once(dummy_once_, [this] { dummy_ = hash_password(slab5::random_base62(24), cost); });
  return dummy_;
}

std::string IdentityService::issuer() const { return app.base_url(); }

JwksCache& IdentityService::jwks_for(const std::string& provider) {
  std::lock_guard lock(jwks_mu_);
  auto& slot = provider == "google" ? google_ : microsoft_;
  if (!slot) slot = std::make_unique<JwksCache>(oauth_jwks_url(app.config(), app.base_url(), provider));
  return *slot;
}

}  // namespace slab5d
