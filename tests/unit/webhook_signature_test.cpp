// lib/slab5/webhook_signature.cpp: both schemes of api.md §8.3, checked against the Standard
// Webhooks specification's published example and against tampering.
#include <doctest/doctest.h>

#include "slab5/crypto.hpp"
#include "slab5/encoding.hpp"
#include "slab5/webhook_signature.hpp"

using namespace slab5;

namespace {
const std::string kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const std::string kId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const std::string kBody = R"({"test": 2432232314})";
constexpr std::int64_t kT = 1614265330;
}  // namespace

TEST_CASE("the Standard Webhooks signature matches the specification's example") {
  auto key = webhook_secret_key(kSecret);
  REQUIRE(key);
  CHECK(standard_signature_header(kId, kT, kBody, {*key}) == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  auto ok = verify_standard_signature(kId, std::to_string(kT), "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", kBody,
                                      *key, kT + 10);
  CHECK(ok.valid);
}

TEST_CASE("a changed body, id or timestamp, or a stale timestamp, does not verify") {
  auto key = *webhook_secret_key(kSecret);
  std::string sig = standard_signature_header(kId, kT, kBody, {key});
  CHECK_FALSE(verify_standard_signature(kId, std::to_string(kT), sig, kBody + " ", key, kT).valid);
  CHECK_FALSE(verify_standard_signature("msg_other", std::to_string(kT), sig, kBody, key, kT).valid);
  CHECK_FALSE(verify_standard_signature(kId, std::to_string(kT + 1), sig, kBody, key, kT).valid);
  auto stale = verify_standard_signature(kId, std::to_string(kT), sig, kBody, key, kT + 301);
  CHECK_FALSE(stale.valid);
  CHECK(stale.reason.find("5 minutes") != std::string::npos);
  CHECK(verify_standard_signature(kId, std::to_string(kT), sig, kBody, key, kT + 10000, -1).valid);
}

TEST_CASE("x-slab5-signature is t and the hex HMAC of '<t>.<body>'; any listed signature verifies") {
  auto key = *webhook_secret_key(kSecret);
  std::string other = "another key of 32 bytes........";
  std::string h = slab5_signature_header(kT, kBody, {other, key});
  CHECK(h == "t=" + std::to_string(kT) + ",v1=" + hex_encode(hmac_sha256(other, std::to_string(kT) + "." + kBody)) +
                 ",v1=" + hex_encode(hmac_sha256(key, std::to_string(kT) + "." + kBody)));
  CHECK(verify_slab5_signature(h, kBody, key, kT).valid);
  CHECK_FALSE(verify_slab5_signature(h, kBody + "x", key, kT).valid);
  CHECK_FALSE(verify_slab5_signature("v1=abc", kBody, key, kT).valid);
  CHECK_FALSE(verify_slab5_signature(h, kBody, "wrong", kT).valid);
}

TEST_CASE("a new secret is whsec_ and base64 of 32 bytes; other text is not a secret") {
  auto s = new_webhook_secret();
  REQUIRE(s.rfind("whsec_", 0) == 0);
  REQUIRE(webhook_secret_key(s));
  CHECK(webhook_secret_key(s)->size() == 32);
  CHECK_FALSE(webhook_secret_key("sk_live_nope"));
  CHECK_FALSE(webhook_secret_key("whsec_"));
  CHECK_FALSE(webhook_secret_key("whsec_!!!"));
}
