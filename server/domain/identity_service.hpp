// The process-wide state of the identity routes: the signing keys, the password cost and a
// dummy hash (so an unknown email costs the same time as a wrong password). One instance is
// made by register_identity_routes and captured by its handlers and the session verifier.
#pragma once
#include <memory>
#include <mutex>
#include <string>

#include "domain/oauth.hpp"
#include "domain/passwords.hpp"
#include "domain/sessions_keys.hpp"

namespace slab5d {

class App;

struct IdentityService {
  IdentityService(App& app, std::string kek_path);

  App& app;
  SigningKeys keys;
  PasswordCost cost;

  // A hash of a random password at the configured cost, made once on first need.
  const std::string& dummy_hash();
  // The issuer named in session tokens: the server's base URL.
  std::string issuer() const;
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
