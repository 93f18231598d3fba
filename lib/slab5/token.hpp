// Credential token formats (api.md §2.1): slab5_sk_ (API key), slab5_mcp_ (MCP client),
// slab5_rt_ (refresh). 32 random base62 chars + a 6-char base62 CRC32 of the random part.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace slab5 {

enum class TokenKind { ApiKey, McpClient, Refresh, Jwt, Unknown };

inline constexpr std::string_view kApiKeyPrefix = "slab5_sk_";
inline constexpr std::string_view kMcpPrefix = "slab5_mcp_";
inline constexpr std::string_view kRefreshPrefix = "slab5_rt_";
inline constexpr std::size_t kTokenRandomChars = 32;  // 32 × log2(62) ≈ 190 bits
inline constexpr std::size_t kTokenChecksumChars = 6;

std::string generate_token(std::string_view prefix);
// Classifies a bearer token by its shape (no lookup).
TokenKind token_kind(std::string_view token);
// For prefixed tokens: true when the length, alphabet and checksum are right.
bool token_checksum_ok(std::string_view token);
// "slab5_sk_" + the first 8 random characters: safe to show and store.
std::string token_display_prefix(std::string_view token);
// The SHA-256 (hex) under which a token is stored.
std::string token_hash(std::string_view token);

}  // namespace slab5
