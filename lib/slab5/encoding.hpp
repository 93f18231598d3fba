// Byte encodings: hex, base64 (standard and URL-safe), base62, Crockford base32, CRC32,
// and UTF-8 validation.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace slab5 {

std::string hex_encode(std::string_view bytes);
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);
std::string base64url_encode(std::string_view bytes);  // no padding
std::optional<std::string> base64url_decode(std::string_view text);

inline constexpr std::string_view kBase62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
// Fixed-width base62 of a 32-bit value (6 chars cover 2^32).
std::string base62_fixed(std::uint32_t value, std::size_t width);
bool is_base62(std::string_view s);

std::uint32_t crc32(std::string_view bytes);

bool is_valid_utf8(std::string_view s);
// A-Z to a-z; every other byte as it is.
std::string ascii_lower(std::string_view s);

}  // namespace slab5
