// The key-encryption key (KEK): 32 random bytes (hex) in `<database>.kek`, mode 0600, beside
// the database, or process memory for a throwaway database. What the database keeps secret
// is sealed under keys derived from it, so the database file alone (or a backup of it) never
// holds that material in clear: the session signing key (sessions_keys.cpp) and the tokens
// of the development mailbox (mail.cpp).
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace slab5d {

// The KEK file for the database at `db_path`; "" for a throwaway database.
std::string kek_path(const std::string& db_path, bool throwaway);

// The KEK kept at `path` (made, atomically and 0600, on first use; one per path per process);
// for "" a random key that lives as long as the process.
const std::string& key_encryption_key(const std::string& path);

// AES-256-GCM under HMAC-SHA256(kek, purpose), bound to `context` (authenticated, not
// stored): "v1:" + base64url(nonce | ciphertext | tag).
std::string seal_with_kek(const std::string& kek, std::string_view purpose, std::string_view context,
                          std::string_view plain);
// nullopt when the text was not sealed by seal_with_kek with this KEK, purpose and context.
std::optional<std::string> open_with_kek(const std::string& kek, std::string_view purpose, std::string_view context,
                                         std::string_view sealed);

}  // namespace slab5d
