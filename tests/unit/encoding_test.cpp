// Unit tests for lib/slab5: CRC32, base62, base64 and UTF-8 validation.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "slab5/encoding.hpp"

using namespace slab5;

TEST_CASE("CRC32 matches the standard check value") { CHECK(crc32("123456789") == 0xCBF43926u); }

TEST_CASE("base62 is fixed width and covers 32 bits") {
  CHECK(base62_fixed(0, 6) == "000000");
  CHECK(base62_fixed(61, 2) == "0z");
  CHECK(base62_fixed(0xFFFFFFFFu, 6) == "4gfFC3");
  CHECK(is_base62("abcXYZ019"));
  CHECK_FALSE(is_base62("abc-"));
}

TEST_CASE("base64 and base64url round-trip") {
  for (const std::string& s :
       std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\xff\xfe\x00\x01", 4)}) {
    CHECK(base64_decode(base64_encode(s)) == s);
    CHECK(base64url_decode(base64url_encode(s)) == s);
  }
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
  CHECK(base64url_encode("\xfb\xff") == "-_8");
  CHECK_FALSE(base64url_decode("a+b").has_value());
}

TEST_CASE("UTF-8 validation rejects overlongs, surrogates and truncation") {
  CHECK(is_valid_utf8("plain ascii"));
  CHECK(is_valid_utf8("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  CHECK_FALSE(is_valid_utf8("\xc0\xaf"));
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));
  CHECK_FALSE(is_valid_utf8("\xe2\x82"));
  CHECK_FALSE(is_valid_utf8("\xff"));
}

TEST_CASE("ascii_lower lowers A-Z only and keeps every other byte") {
  CHECK(slab5::ascii_lower("Content-TYPE: Text/HTML") == "content-type: text/html");
  CHECK(slab5::ascii_lower("") == "");
  // UTF-8 letters and the bytes around 'A' and 'Z' are left as they are.
  CHECK(slab5::ascii_lower("\xc3\x89t\xc3\xa9 @[`{") == "\xc3\x89t\xc3\xa9 @[`{");
  CHECK(slab5::ascii_lower(std::string("A\0B", 3)) == std::string("a\0b", 3));
}
