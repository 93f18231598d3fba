// Unit tests for the shared vocabulary in lib/slab5.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "slab5/access.hpp"
#include "slab5/crypto.hpp"
#include "slab5/encoding.hpp"
#include "slab5/error.hpp"
#include "slab5/ids.hpp"
#include "slab5/settings.hpp"
#include "slab5/time.hpp"
#include "slab5/token.hpp"

using namespace slab5;

TEST_CASE("ids are prefix_ plus 26 lowercase Crockford characters and sort by creation") {
  std::string prev;
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    auto id = new_id("key");
    CHECK(is_id(id, "key"));
    CHECK(id.size() == 4 + 26);
    CHECK(id > prev);
    CHECK(seen.insert(id).second);
    prev = id;
  }
  CHECK_FALSE(is_id("key_01ARZ3NDEKTSV4RRFFQ69G5FAV", "key"));  // upper case
  CHECK_FALSE(is_id("wrk_01arz3ndektsv4rrffq69g5fav", "key"));
  CHECK_FALSE(is_id("key_01arz3ndektsv4rrffq69g5fa", "key"));   // short
  CHECK_FALSE(is_id("key_01arz3ndektsv4rrffq69g5fau", "key"));  // 'u' is not Crockford
}

TEST_CASE("ULIDs encode the timestamp in the first ten characters") {
  // A fresh thread has no earlier ULID to stay monotonic with.
  std::string a, b;
  std::thread([&] {
    a = new_ulid(0);
    b = new_ulid(1469918176385);
  }).join();
  CHECK(a.substr(0, 10) == "0000000000");
  CHECK(b.substr(0, 10) == "01aryz6s41");  // the ULID spec's own example
}

TEST_CASE("CRC32 matches the standard check value") { CHECK(crc32("123456789") == 0xCBF43926u); }

TEST_CASE("base62 is fixed width and covers 32 bits") {
  CHECK(base62_fixed(0, 6) == "000000");
  CHECK(base62_fixed(61, 2) == "0z");
  CHECK(base62_fixed(0xFFFFFFFFu, 6) == "4gfFC3");
  CHECK(is_base62("abcXYZ019"));
  CHECK_FALSE(is_base62("abc-"));
}

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

TEST_CASE("base64 and base64url round-trip") {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\xff\xfe\x00\x01", 4)}) {
    CHECK(base64_decode(base64_encode(s)) == s);
    CHECK(base64url_decode(base64url_encode(s)) == s);
  }
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
  CHECK(base64url_encode("\xfb\xff") == "-_8");
  CHECK_FALSE(base64url_decode("a+b").has_value());
}

TEST_CASE("SHA-256 and HMAC-SHA256 match RFC test vectors") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex_encode(hmac_sha256("key", "The quick brown fox jumps over the lazy dog")) ==
        "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
}

TEST_CASE("UTF-8 validation rejects overlongs, surrogates and truncation") {
  CHECK(is_valid_utf8("plain ascii"));
  CHECK(is_valid_utf8("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  CHECK_FALSE(is_valid_utf8("\xc0\xaf"));
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));
  CHECK_FALSE(is_valid_utf8("\xe2\x82"));
  CHECK_FALSE(is_valid_utf8("\xff"));
}

TEST_CASE("RFC 3339 times format with milliseconds in UTC and parse back") {
  CHECK(format_rfc3339(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_rfc3339(1795390973123) == "2026-11-22T23:42:53.123Z");
  CHECK(parse_rfc3339("2026-11-22T23:42:53.123Z") == 1795390973123);
  CHECK(parse_rfc3339("2026-11-22T23:42:53Z") == 1795390973000);
  CHECK(parse_rfc3339("2026-11-23T00:42:53.123+01:00") == 1795390973123);
  CHECK_FALSE(parse_rfc3339("2026-11-22 23:42:53Z").has_value());
  CHECK_FALSE(parse_rfc3339("2026-13-22T23:42:53Z").has_value());
  CHECK_FALSE(parse_rfc3339("yesterday").has_value());
}

TEST_CASE("durations: 15m, 1h, 7d, bare seconds; garbage refused") {
  CHECK(parse_duration("15m") == 15 * 60000);
  CHECK(parse_duration("1h") == 3600000);
  CHECK(parse_duration("7d") == 7 * 86400000LL);
  CHECK(parse_duration("90") == 90000);
  CHECK_FALSE(parse_duration("").has_value());
  CHECK_FALSE(parse_duration("-5m").has_value());
  CHECK_FALSE(parse_duration("5 minutes").has_value());
  CHECK(parse_time_or_ago("1h", 10 * 3600000) == 9 * 3600000);
  CHECK(relative_time(0, 3 * 60000) == "3 minutes ago");
  CHECK(relative_time(2 * 86400000, 0) == "in 2 days");
}

TEST_CASE("the error envelope has code, message, extras, request id and docs url") {
  Error e{"missing_required_scope", "", {{"required_scope", "crm:write"}}};
  auto j = error_envelope(e, "req_x");
  CHECK(j["error"]["code"] == "missing_required_scope");
  CHECK(j["error"]["required_scope"] == "crm:write");
  CHECK(j["error"]["request_id"] == "req_x");
  CHECK(j["error"]["docs_url"] == "https://docs.slab5.com/api/errors#missing_required_scope");
  CHECK(j["error"]["message"] == "The token does not include the scope required for this operation.");
  CHECK(e.http_status() == 403);
  CHECK(error_info("rate_limited").exit_code == 6);
  CHECK(error_info("no_such_code").code == "internal_error");
  auto v = validation_error("name", "is required");
  CHECK(v.http_status() == 422);
  CHECK(v.extra["field_errors"][0]["field"] == "name");
}

TEST_CASE("every error code has an HTTP status and an exit code") {
  for (const auto& e : error_table()) {
    CHECK(e.http_status >= 400);
    CHECK(e.exit_code >= 1);
    CHECK(!e.message.empty());
  }
}

TEST_CASE("roles grant the scopes of api.md §2") {
  auto owner = scopes_for_role("owner");
  CHECK(owner.size() == all_scopes().size());
  auto member = scopes_for_role("member");
  CHECK(std::find(member.begin(), member.end(), "crm:write") != member.end());
  CHECK(std::find(member.begin(), member.end(), "settings:admin") == member.end());
  CHECK(std::find(member.begin(), member.end(), "audit:read") == member.end());
  auto ro = scopes_for_role("readonly");
  CHECK(std::find(ro.begin(), ro.end(), "crm:read") != ro.end());
  CHECK(std::find(ro.begin(), ro.end(), "crm:write") == ro.end());
  CHECK(scopes_for_role("nobody").empty());
  CHECK(role_rank("owner") > role_rank("admin"));
  CHECK(role_rank("admin") > role_rank("member"));
  auto mods = default_enabled_modules();
  CHECK(mods.size() == 8);
  CHECK(std::find(mods.begin(), mods.end(), "bi") == mods.end());
}

TEST_CASE("settings resolve flag, then environment in order, then profile, then default") {
  std::map<std::string, std::string> vars;
  EnvLookup env = [&](const std::string& n) -> std::optional<std::string> {
    auto it = vars.find(n);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  SettingInputs in{std::nullopt, {"A", "B"}, std::string("from-profile"), "profile default", "dflt", "--x"};
  CHECK(resolve_setting(in, env).value == "from-profile");
  vars["B"] = "b";
  CHECK(resolve_setting(in, env).value == "b");
  CHECK(resolve_setting(in, env).source == "env B");
  vars["A"] = "a";
  CHECK(resolve_setting(in, env).value == "a");
  in.flag = "f";
  CHECK(resolve_setting(in, env).value == "f");
  CHECK(resolve_setting(in, env).source == "flag --x");
  SettingInputs none{std::nullopt, {}, std::nullopt, "", "dflt", "--x"};
  CHECK(resolve_setting(none, env).source == "default");
}
