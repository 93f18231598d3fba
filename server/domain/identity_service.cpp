#include "domain/identity_service.hpp"

#include "slab5/crypto.hpp"

namespace slab5d {

IdentityService::IdentityService(IdentitySettings s)
    : settings(std::move(s)), keys(settings.kek_path), cost(password_cost(settings.config.password_cost)) {}

MailSettings IdentityService::mail() const {
  MailSettings m;
  m.keep_content = settings.config.dev_routes;
  m.smtp_url = settings.config.smtp_url;
  m.from = settings.config.mail_from;
  m.kek_path = settings.kek_path;
  m.base_url = base_url();
  m.post = settings.post;
  return m;
}

const std::string& IdentityService::dummy_hash() {
  std::call_once(dummy_once_, [this] { dummy_ = hash_password(slab5::random_base62(24), cost); });
  return dummy_;
}

JwksCache& IdentityService::jwks_for(const std::string& provider) {
  std::lock_guard lock(jwks_mu_);
  auto& slot = provider == "google" ? google_ : microsoft_;
  if (!slot) slot = std::make_unique<JwksCache>(oauth_jwks_url(config(), base_url(), provider));
  return *slot;
}

}  // namespace slab5d
