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

// SHA-256 of bytes that arrive in pieces (an upload streamed to disk, a file read in chunks).
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void update(std::string_view data);
  std::string hex();  // the digest of everything so far, lower-case hex; ends the stream

 private:
  void* ctx_;  // EVP_MD_CTX
};

}  // namespace slab5
