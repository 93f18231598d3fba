// Hashes, MACs and the OS CSPRNG (OpenSSL 3).
#pragma once
#include <string>
#include <string_view>

namespace slab5 {

std::string random_bytes(std::size_t n);      // RAND_bytes; aborts if the CSPRNG fails
std::string random_base62(std::size_t n);     // uniform, by rejection sampling
std::string random_token(std::size_t bytes);  // base64url of n random bytes

std::string sha256(std::string_view data);  // raw 32 bytes
std::string sha256_hex(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);  // raw 32 bytes
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace slab5
