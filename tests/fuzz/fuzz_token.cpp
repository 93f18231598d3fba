// An Authorization header → what slab5d does before it looks anything up: the Bearer parse
// (bearer_token_of), the token's shape (token_kind) and, for Slab5 tokens, the offline
// checksum (token_checksum_ok), plus the display prefix and hash it stores and logs.
// The same checks run in slab5 before it sends a token (Context::require_token).
//
// Input: the header value as sent. It is also tried with "Bearer " in front, so the
// fuzzer spends its time on tokens rather than on the scheme.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "request_inputs.hpp"
#include "slab5/token.hpp"

namespace {

std::string_view prefix_of(slab5::TokenKind k) {
  switch (k) {
    case slab5::TokenKind::ApiKey:
      return slab5::kApiKeyPrefix;
    case slab5::TokenKind::McpClient:
      return slab5::kMcpPrefix;
    case slab5::TokenKind::Refresh:
      return slab5::kRefreshPrefix;
    default:
      return {};
  }
}

void check_token(std::string_view token) {
  auto kind = slab5::token_kind(token);
  bool ok = slab5::token_checksum_ok(token);
  if (ok) {
    // A token that passes the checksum is a Slab5 token of exactly the documented length.
    auto prefix = prefix_of(kind);
    if (prefix.empty()) std::abort();
    if (token.size() != prefix.size() + slab5::kTokenRandomChars + slab5::kTokenChecksumChars) std::abort();
    auto shown = slab5::token_display_prefix(token);
    // The display prefix shows 8 of the 32 random characters and never the checksum.
    if (shown.size() != prefix.size() + 8 || token.substr(0, shown.size()) != shown) std::abort();
  } else {
    (void)slab5::token_display_prefix(token);
  }
  auto hash = slab5::token_hash(token);
  if (hash.size() != 64) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string header(reinterpret_cast<const char*>(data), size);
  if (auto t = slab5d::bearer_token_of(header)) check_token(*t);
  std::string with_scheme = "Bearer " + header;
  auto t = slab5d::bearer_token_of(with_scheme);
  // "Bearer " followed by anything but spaces is accepted (a token that is not a Slab5 token
  // is refused later); with nothing but spaces after the scheme there is no token.
  if (!t) {
    if (header.find_first_not_of(' ') != std::string::npos) std::abort();
    return 0;
  }
  // The token is what follows the scheme, without the spaces around it (RFC 9110 §11.4).
  if (t->empty() || t->front() == ' ' || t->back() == ' ') std::abort();
  check_token(*t);
  return 0;
}
