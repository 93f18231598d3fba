// Unit tests for lib/slab5: credential tokens.
#include <doctest/doctest.h>

#include "slab5/crypto.hpp"
#include "slab5/token.hpp"

using namespace slab5;

TEST_CASE("generated tokens carry a checksum that catches typos") {
  auto t = generate_token(kApiKeyPrefix);
  CHECK(t.rfind("slab5_sk_", 0) == 0);
  CHECK(t.size() == 9 + 32 + 6);
  CHECK(token_checksum_ok(t));
  CHECK(token_kind(t) == TokenKind::ApiKey);
  auto typo = t;
  typo[15] = typo[15] == 'a' ? 'b' : 'a';
  CHECK_FALSE(token_checksum_ok(typo));
  CHECK_FALSE(token_checksum_ok(t.substr(0, t.size() - 1)));
  CHECK(token_display_prefix(t) == t.substr(0, 17));
  auto m = generate_token(kMcpPrefix);
  CHECK(token_kind(m) == TokenKind::McpClient);
  CHECK(token_checksum_ok(m));
  CHECK(token_kind("eyJhbGciOi") == TokenKind::Jwt);
  CHECK(token_kind("ghp_xxx") == TokenKind::Unknown);
  CHECK(token_hash(t) == sha256_hex(t));
  CHECK(generate_token(kApiKeyPrefix) != t);
}
