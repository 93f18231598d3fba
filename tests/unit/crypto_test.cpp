// Unit tests for lib/slab5: hashes and MACs.
#include <doctest/doctest.h>

#include "slab5/crypto.hpp"
#include "slab5/encoding.hpp"

using namespace slab5;

TEST_CASE("SHA-256 and HMAC-SHA256 match RFC test vectors") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex_encode(hmac_sha256("key", "The quick brown fox jumps over the lazy dog")) ==
        "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
}
