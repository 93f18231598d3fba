// The process-wide state of the identity rules: their settings, the signing keys, the
// password cost and a dummy hash (so an unknown email costs the same time as a wrong
// password). The server makes one when it registers the identity routes; a test makes its
// own with the settings it wants.
#pragma once
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "config.hpp"
#include "domain/mail.hpp"
#include "domain/oauth.hpp"
#include "domain/passwords.hpp"
#include "domain/sessions_keys.hpp"

namespace slab5d {

struct IdentitySettings {
  Config config;         // auto_verify, session_ttl_ms, password_cost, mail and OAuth settings
  std::string kek_path;  // the key-encryption-key file ("" keeps the KEK in memory only)
  // The server's base URL (token issuer, links in mail), known once the server listens.
  std::function<std::string()> base_url;
  // Runs slow work (SMTP delivery) off the caller's thread; inline when unset.
  std::function<void(std::function<void()>)> post;
};

struct IdentityService {
  explicit IdentityService(IdentitySettings settings);

  IdentitySettings settings;
  SigningKeys keys;
  PasswordCost cost;

  const Config& config() const { return settings.config; }
  std::string base_url() const { return settings.base_url ? settings.base_url() : std::string(); }
  MailSettings mail() const;
  // A hash of a random password at the configured cost, made once on first need.
  const std::string& dummy_hash();
  // The issuer named in session tokens: the server's base URL.
  std::string issuer() const { return base_url(); }
  // The JWKS cache of an OAuth provider (google | microsoft), made on first use because
  // the mock provider's URL is known only once the server listens.
  JwksCache& jwks_for(const std::string& provider);

 private:
  std::once_flag dummy_once_;
  std::string dummy_;
  std::mutex jwks_mu_;
  std::unique_ptr<JwksCache> google_, microsoft_;
};

}  // namespace slab5d
