// A JWT → slab5::jose as slab5d uses it: verify() with the session rule (ES256 only, kid
// lookup) and the OAuth rule (RS256 only), then the time and session-claim checks of
// server/domain/sessions.cpp; decode_unverified() as `slab5 auth status` uses it; and
// parse_jwks() as the OAuth client reads a provider's key set. The keys are fixed test keys.
//
// Input: byte 0 chooses the mode, the rest is its text:
//   0-127   a compact token, verified under both rules and decoded unverified;
//   128-191 a JWKS document, parsed, each key's public JWK and thumbprint round-tripped;
//   192-255 a claims object, signed with the test ES256 key and verified: a token slab5d
//           signed must always verify, and come back with the same claims.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "slab5/jose.hpp"
#include "slab5/json_util.hpp"

namespace jose = slab5::jose;

namespace {

// Test keys made for this fuzz target only (openssl genpkey); they sign nothing else.
constexpr const char* kEcPem = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgYyR32uAzJ5BPDuDl
yU0RQcQ/hHNExMOlPuJdxiM958ShRANCAAT32L38DmUyZZZey9p7Sf+T2iC+90Er
C2cM3SgkDJ9ACcNpz8H36wufkq8cfVDonCfCOo4beMNItGA5xCenjkdy
-----END PRIVATE KEY-----
)";
constexpr const char* kRsaPem = R"(
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC2Lx+OPupVEqCr
BFuXgTDOGPGTjkHUgi86H2uSggB6rVhw4gXds4g6bmuayHnrA0idEnW+RbTvatzD
Ro5ODlJryIwycAPgX/trg7a9fRa5No5gI3PU2yiIBotJjeKg9B36+hXs/fu8zKL9
qWke/IdvK47BEoS/YHzHY56Dhe5aoHwkk84/hWpCyepwnABA1pVrPfeCeKqdiggz
z3oqnlPQC2UihOdsYd8W9TwlYdOfP4KI8ut3/sG4IJ6jd+T9LywSK85eYPXiJYMl
SmuCray0fytNYuR8O0PT1dazvoO29fsAadX1O60IcElVMz/RJ+MbQeYDKAXomeC6
61sUGxz3AgMBAAECggEAQxRdv4/N004dB2r+2G1yjWgkxspJ1derUPDRuGuShpj9
5+5o74UTo0QV7bNkJJKccW0jGlBrOv4zU9lOO1JNqa75Y/bXjo14stEX/3Qn4kFC
sgZLt3OMXG1gatBJwi6wPUFIwm6P+qe0Wca/VG/x5A57LP7HDvoVZ4r4CgBNz2MI
k8H/YtUkW3LRgOXVQ+y8oZ3vetgqgAzylGTI4VLMLT+X14q5kqVTfgp+sO3wi+WF
Kac5NIX1jock1d+g8/WwyV/WU4RRW7utwg4Rv6+ozXC4WoDvsGyPcOGMh6OuCtQV
FFw06Lg3keF306lmzcO90BhLgkStnQ/W6H6RfWDDnQKBgQD1E3k8jAipke5wG99K
kDdwA1D7s2sArfJ4D/2Fj9XQUtxBZBRKNx0KV/1meVcFkKX57+EiH+HFlg3K2g/H
xKcV31iP6rLUuZOC9m5O3Hh6H1NVhl/IsDQq8MxNVCu1OrzTIGzP6W4J2rNpeZlI
Cg6PUSKgRDSICwSJRr9xsk4GkwKBgQC+Tf+gSPOedx8UK2anO4JU30E724iF03ER
JZUpwoBbTTvmuZSNARWZMEWrl6JrCNf6N+BjJTA5MtKv1S2AWaa7wvfTr0TxW/L/
q9ypDRQpTdjI7Be/DgSrUAi1xnUGdqRBH/voJT4FRKyLhpFq21ySTgBR1DA2omLA
xVoIy7lKjQKBgH1hxh/k4LWoVF2E1Ps3xzUGbVMomrDRTYCBZcoEKXaYPdkyk3LY
uYHGPH1FzPCq7U9umzazKvXEbDAA2hvxDy6QgqW2hGFyw/Y3j33HK9gG2MKjqbNp
+naRlWRmkKn6cApvx1ujaEmgWzO2I2aIxqQp9VYbLuj/AgYdbOqFN4gDAoGAIDA3
NZhBRKNnaVTx9wVUxSBB+2rli6U48aqGsVqJtWe54wuuua7eRVvp3N04BpynU1ZS
KNLodjRHeKA5IwWG8ylGG9MAeUaRMneSSjHBID9flJSCa7lmRsexwXVA5Af7Ply3
kguCkweLm8n2HLnfzYtN+IlIYmVTCMIYuXYj8B0CgYEA7bON7xo04kedgd/FXjcK
nmhF5h/ecTMzuKMOyrQoze70CQlN/FfLEuY74kXiBG6Y426qFGTcgcKhTMEv0u6A
voRDj3CCysJK1q6TNVutyjo8C49PrhlVBcYfR0aovspS1g1c5igJAFhqlCyMwQdq
hxo+5NWJpNcQOt7VyAuk6js=
-----END PRIVATE KEY-----
)";

const jose::Key& ec_key() {
  static const jose::Key k = *jose::key_from_private_pem(kEcPem, "", "fuzz-es256");
  return k;
}
const jose::Key& rsa_key() {
  static const jose::Key k = *jose::key_from_private_pem(kRsaPem, "", "fuzz-rs256");
  return k;
}

std::optional<jose::Key> lookup(const std::string& kid) {
  if (kid == ec_key().kid) return ec_key();
  if (kid == rsa_key().kid) return rsa_key();
  return std::nullopt;
}

constexpr std::array<std::string_view, 1> kSessionAlgs{jose::kES256};
constexpr std::array<std::string_view, 1> kOAuthAlgs{jose::kRS256};
constexpr std::int64_t kNow = 1796000000;  // a fixed clock: runs are reproducible

// What verify_session_token (server/domain/sessions.cpp) does with verified claims.
void session_claims(const slab5::Json& c) {
  if (slab5::string_or(c, "typ") != "session") return;
  if (!c.contains("sub") || !c["sub"].is_string() || !c.contains("sid") || !c["sid"].is_string()) return;
  if (!jose::check_time_claims(c, kNow, 0)) return;
  // check_time_claims passed: exp is a number in the future.
  double exp = c["exp"].get<double>();
  if (!(exp > double(kNow))) std::abort();
}

void token_mode(std::string_view token) {
  if (auto v = jose::verify(token, lookup, kSessionAlgs)) {
    if (!v->claims.is_object()) std::abort();
    session_claims(v->claims);
  }
  if (auto v = jose::verify(token, lookup, kOAuthAlgs)) (void)jose::check_time_claims(v->claims, kNow, 60);
  if (auto d = jose::decode_unverified(token)) {
    (void)jose::check_time_claims(d->claims, kNow, 0, false);
    (void)d->claims.dump(2, ' ', false, slab5::Json::error_handler_t::replace);  // what `auth status` prints
  }
}

void jwks_mode(std::string_view text) {
  auto keys = jose::parse_jwks(text);
  if (!keys) return;
  for (const auto& k : *keys) {
    if (k.alg != jose::kES256 && k.alg != jose::kRS256) std::abort();
    auto again = jose::key_from_jwk(jose::public_jwk(k));
    if (!again || jose::thumbprint(*again) != jose::thumbprint(k)) std::abort();
  }
}

void sign_mode(std::string_view text) {
  auto claims = slab5::Json::parse(text, nullptr, false);
  if (claims.is_discarded() || !claims.is_object()) return;
  std::string token;
  try {
    token = jose::sign(ec_key(), claims);
  } catch (const slab5::Json::type_error&) {
    return;  // claims with invalid UTF-8 cannot be serialised; slab5d never signs those
  }
  auto v = jose::verify(token, lookup, kSessionAlgs);
  if (!v) {
    std::fprintf(stderr, "a token signed with the session key does not verify: %s\n", v.error().message.c_str());
    std::abort();
  }
  if (v->claims != claims && claims == claims) std::abort();  // NaN-free claims come back equal
  session_claims(v->claims);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] < 128)
    token_mode(text);
  else if (data[0] < 192)
    jwks_mode(text);
  else
    sign_mode(text);
  return 0;
}
