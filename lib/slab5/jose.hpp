// A small JOSE module on OpenSSL 3: JWS compact tokens (ES256, RS256), JWK and JWKS for
// EC P-256 and RSA public keys, and PEM storage of private keys.
//
// Verification is deliberately narrow: the caller names the algorithms it accepts, the
// header's `kid` selects the key, and the header's `alg` must be the algorithm bound to that
// key. `alg: none`, HMAC algorithms, `crit`, `jku`, `x5u`, `x5c` and an embedded `jwk` are
// refused before any key is looked up.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "slab5/error.hpp"
#include "slab5/json_util.hpp"

struct evp_pkey_st;

namespace slab5::jose {

inline constexpr std::string_view kES256 = "ES256";
inline constexpr std::string_view kRS256 = "RS256";

struct Key {
  std::string kid;
  std::string alg;  // ES256 | RS256: the only algorithm this key verifies
  std::shared_ptr<evp_pkey_st> pkey;
  bool has_private = false;
};

// A new key pair. `kid` defaults to the RFC 7638 thumbprint of the public key.
Key generate(std::string_view alg, std::string kid = {});
// RFC 7638 JWK thumbprint (base64url SHA-256 of the canonical public members).
std::string thumbprint(const Key& key);

// The public JWK: {"kty","crv","x","y"} or {"kty","n","e"}, plus "kid", "alg", "use": "sig".
Json public_jwk(const Key& key);
// One public JWK → Key. EC keys must be P-256, RSA keys at least 2048 bits. A missing
// "alg" is inferred from the key type (Microsoft's JWKS carries none).
Result<Key> key_from_jwk(const Json& jwk);
// {"keys": [...]}: keys that are not signature keys of a supported type are skipped.
Result<std::vector<Key>> parse_jwks(std::string_view text);
Json make_jwks(std::span<const Key> keys);

// PKCS#8 PEM of the private key, encrypted (AES-256-CBC, PBKDF2) when a passphrase is given.
std::string private_key_pem(const Key& key, std::string_view passphrase = {});
Result<Key> key_from_private_pem(std::string_view pem, std::string_view passphrase, std::string kid);

// Signs the claims as a compact JWS with header {"alg", "typ": "JWT", "kid"}.
std::string sign(const Key& key, const Json& claims);
// Signs an arbitrary header (tests use it to build hostile tokens); alg comes from `key`
// unless the header already names one.
std::string sign_with_header(const Key& key, Json header, const Json& claims);

struct Verified {
  Json header;
  Json claims;
};
// Finds the key for a kid (nullopt: unknown kid).
using KeyLookup = std::function<std::optional<Key>(const std::string& kid)>;
// Checks structure, header rules, key binding and signature. Errors are `unauthorized`
// with a message naming the failed check; claims (exp, iss, …) are the caller's to check.
Result<Verified> verify(std::string_view token, const KeyLookup& lookup, std::span<const std::string_view> algs);

// Reads the header and claims without verifying anything (for diagnostics and the CLI).
Result<Verified> decode_unverified(std::string_view token);

// Time claims: exp must be in the future, nbf and iat not in the future, each within `skew`
// seconds. `require_exp` makes a missing exp an error.
Status check_time_claims(const Json& claims, std::int64_t now_seconds, std::int64_t skew_seconds,
                         bool require_exp = true);

}  // namespace slab5::jose
