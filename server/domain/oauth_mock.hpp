// The built-in mock OAuth provider (api.md §9): RS256 ID tokens shaped like Google's and
// Microsoft's, and their JWKS. With --mock-oauth the real verifier fetches this JWKS, so the
// whole OAuth path runs offline. Keys live in process memory and are made on first use.
#pragma once
#include <mutex>
#include <optional>
#include <string>

#include "slab5/jose.hpp"
#include "slab5/json_util.hpp"

namespace slab5d {

struct Config;

struct MockIdTokenRequest {
  std::string email;
  bool email_verified = true;
  std::string name;
  std::optional<std::string> aud;  // default: the configured client id
  std::optional<std::string> tid;  // Microsoft only; default: the mock tenant
};

class MockOAuthProvider {
 public:
  std::string mint(const Config& cfg, const std::string& provider, const MockIdTokenRequest& req);
  slab5::Json jwks(const std::string& provider);

 private:
  const slab5::jose::Key& key(const std::string& provider);
  std::mutex mu_;
  std::optional<slab5::jose::Key> google_, microsoft_;
};

}  // namespace slab5d
