// Webhook signatures (api.md §8.3, §8.4), shared by slab5d (signing deliveries, verifying
// inbound messages) and slab5 (`webhooks verify`, `listen --forward-to`). Two schemes over the
// same key, the base64-decoded part of a `whsec_…` secret:
//   x-slab5-signature: t=<unix seconds>,v1=<hex HMAC-SHA256("<t>.<body>")>[,v1=…]
//   Standard Webhooks: webhook-id, webhook-timestamp,
//                      webhook-signature: v1,<base64 HMAC-SHA256("<id>.<t>.<body>")>[ v1,…]
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slab5 {

// "whsec_" + base64 of 32 fresh random bytes.
std::string new_webhook_secret();
// The HMAC key of a `whsec_…` secret (the decoded bytes after the prefix); nullopt when the
// text is not one.
std::optional<std::string> webhook_secret_key(std::string_view secret);

// Header values for one delivery, signed with every key given (during a rotation's overlap
// both the new and the old secret sign).
std::string slab5_signature_header(std::int64_t unix_seconds, std::string_view body,
                                   const std::vector<std::string>& keys);
std::string standard_signature_header(std::string_view msg_id, std::int64_t unix_seconds, std::string_view body,
                                      const std::vector<std::string>& keys);

// What a verification found: valid, or why not (never naming the secret).
struct SignatureCheck {
  bool valid = false;
  std::string reason;          // why not, when not valid
  std::int64_t timestamp = 0;  // the signed timestamp
  std::string message_id;      // webhook-id, or the signature for the slab5 scheme
};
// `tolerance_seconds` < 0 skips the timestamp check.
SignatureCheck verify_slab5_signature(std::string_view header, std::string_view body, std::string_view key,
                                      std::int64_t now_seconds, std::int64_t tolerance_seconds = 300);
SignatureCheck verify_standard_signature(std::string_view msg_id, std::string_view timestamp,
                                         std::string_view signature_header, std::string_view body, std::string_view key,
                                         std::int64_t now_seconds, std::int64_t tolerance_seconds = 300);

}  // namespace slab5
