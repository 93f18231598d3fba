#include "slab5/token.hpp"

#include "slab5/crypto.hpp"
#include "slab5/encoding.hpp"

namespace slab5 {
namespace {
std::string_view prefix_of(std::string_view token) {
  for (auto p : {kApiKeyPrefix, kMcpPrefix, kRefreshPrefix})
    if (token.substr(0, p.size()) == p) return p;
  return {};
}
}  // namespace

std::string generate_token(std::string_view prefix) {
  std::string random = random_base62(kTokenRandomChars);
  std::string out(prefix);
  out += random;
  out += base62_fixed(crc32(random), kTokenChecksumChars);
  return out;
}

TokenKind token_kind(std::string_view token) {
  auto p = prefix_of(token);
  if (p == kApiKeyPrefix) return TokenKind::ApiKey;
  if (p == kMcpPrefix) return TokenKind::McpClient;
  if (p == kRefreshPrefix) return TokenKind::Refresh;
  if (token.substr(0, 3) == "eyJ") return TokenKind::Jwt;
  return TokenKind::Unknown;
}

bool token_checksum_ok(std::string_view token) {
  auto p = prefix_of(token);
  if (p.empty()) return false;
  auto body = token.substr(p.size());
  if (body.size() != kTokenRandomChars + kTokenChecksumChars || !is_base62(body)) return false;
  auto random = body.substr(0, kTokenRandomChars);
  return body.substr(kTokenRandomChars) == base62_fixed(crc32(random), kTokenChecksumChars);
}

std::string token_display_prefix(std::string_view token) {
  auto p = prefix_of(token);
  return std::string(token.substr(0, p.size() + 8));
}

std::string token_hash(std::string_view token) { return sha256_hex(token); }

}  // namespace slab5
