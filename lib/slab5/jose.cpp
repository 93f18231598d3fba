#include "slab5/jose.hpp"
#include "slab5/json_util.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <stdexcept>

#include "slab5/crypto.hpp"
#include "slab5/encoding.hpp"

namespace slab5::jose {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using EcSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

std::shared_ptr<EVP_PKEY> wrap(EVP_PKEY* p) { return std::shared_ptr<EVP_PKEY>(p, PkeyFree{}); }

tl::unexpected<Error> bad(std::string msg) { return fail("unauthorized", std::move(msg)); }

std::string bn_bytes(const char* param, EVP_PKEY* p, std::size_t pad = 0) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(p, param, &raw) != 1) throw std::runtime_error("cannot read key parameter");
  BnPtr bn(raw);
  std::size_t n = pad ? pad : std::size_t(BN_num_bytes(bn.get()));
  std::string out(n, '\0');
  if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()), int(n)) < 0)
    throw std::runtime_error("key parameter too large");
  return out;
}

bool is_p256(EVP_PKEY* p) {
  if (!EVP_PKEY_is_a(p, "EC")) return false;
  char name[64] = {0};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(p, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) != 1) return false;
  std::string_view g(name, len);
  return g == "prime256v1" || g == "P-256" || g == "secp256r1";
}

std::string alg_of(EVP_PKEY* p) {
  if (is_p256(p)) return std::string(kES256);
  if (EVP_PKEY_is_a(p, "RSA") && EVP_PKEY_get_bits(p) >= 2048) return std::string(kRS256);
  return {};
}

// Strict base64url: no padding, canonical (re-encodes to the same text).
std::optional<std::string> b64url_strict(std::string_view s) {
  if (s.find('=') != std::string_view::npos) return std::nullopt;
  auto d = base64url_decode(s);
  if (!d || base64url_encode(*d) != s) return std::nullopt;
  return d;
}

std::string der_to_raw(const std::string& der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  EcSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, long(der.size())));
  if (!sig) throw std::runtime_error("ECDSA signature is not DER");
  const BIGNUM *r = nullptr, *s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string out(64, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(r, o, 32) != 32 || BN_bn2binpad(s, o + 32, 32) != 32)
    throw std::runtime_error("ECDSA signature too large");
  return out;
}

std::optional<std::string> raw_to_der(std::string_view raw) {
  if (raw.size() != 64) return std::nullopt;
  auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  BnPtr r(BN_bin2bn(p, 32, nullptr)), s(BN_bin2bn(p + 32, 32, nullptr));
  EcSigPtr sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return std::nullopt;
  r.release();
  s.release();
  int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return std::nullopt;
  std::string out(std::size_t(len), '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  i2d_ECDSA_SIG(sig.get(), &o);
  return out;
}

std::string raw_sign(const Key& key, std::string_view data) {
  MdCtxPtr md(EVP_MD_CTX_new());
  if (!md || EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key.pkey.get()) != 1)
    throw std::runtime_error("cannot initialise signing");
  std::size_t len = 0;
  auto* d = reinterpret_cast<const unsigned char*>(data.data());
  if (EVP_DigestSign(md.get(), nullptr, &len, d, data.size()) != 1) throw std::runtime_error("signing failed");
  std::string sig(len, '\0');
  if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, d, data.size()) != 1)
    throw std::runtime_error("signing failed");
  sig.resize(len);
  return key.alg == kES256 ? der_to_raw(sig) : sig;
}

bool raw_verify(const Key& key, std::string_view data, std::string_view sig) {
  std::string der;
  if (key.alg == kES256) {
    auto d = raw_to_der(sig);
    if (!d) return false;
    der = std::move(*d);
    sig = der;
  }
  MdCtxPtr md(EVP_MD_CTX_new());
  if (!md || EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, key.pkey.get()) != 1) return false;
  return EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

std::shared_ptr<EVP_PKEY> from_params(const char* type, OSSL_PARAM_BLD* bld) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return nullptr;
  EVP_PKEY* out = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &out, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) return nullptr;
  return wrap(out);
}

Result<std::string> jwk_bytes(const Json& jwk, const char* field) {
  auto it = jwk.find(field);
  if (it == jwk.end() || !it->is_string()) return bad(std::string("the JWK has no '") + field + "'");
  auto d = base64url_decode(it->get<std::string>());
  if (!d || d->empty()) return bad(std::string("the JWK's '") + field + "' is not base64url");
  return *d;
}

Result<Json> decode_json_part(std::string_view part, const char* what) {
  auto bytes = b64url_strict(part);
  if (!bytes) return bad(std::string("the token's ") + what + " is not base64url");
  auto j = parse_json(*bytes, "The token's part");
  if (!j || !j->is_object()) return bad(std::string("the token's ") + what + " is not a JSON object");
  return std::move(*j);
}

struct Parts {
  std::string_view header, payload, signature;
};
Result<Parts> split(std::string_view token) {
  auto a = token.find('.');
  if (a == std::string_view::npos) return bad("the token is not a compact JWS (header.payload.signature)");
  auto b = token.find('.', a + 1);
  if (b == std::string_view::npos || token.find('.', b + 1) != std::string_view::npos)
    return bad("the token is not a compact JWS (header.payload.signature)");
  return Parts{token.substr(0, a), token.substr(a + 1, b - a - 1), token.substr(b + 1)};
}

std::optional<double> number_claim(const Json& claims, const char* name, bool& present, bool& wrong_type) {
  auto it = claims.find(name);
  present = it != claims.end();
  wrong_type = present && !it->is_number();
  if (!present || wrong_type) return std::nullopt;
  return it->get<double>();
}

}  // namespace

Key generate(std::string_view alg, std::string kid) {
  EVP_PKEY* p = nullptr;
  if (alg == kES256) {
    p = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  } else if (alg == kRS256) {
    p = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t(2048));
  } else {
    throw std::invalid_argument("unsupported algorithm");
  }
  if (!p) throw std::runtime_error("key generation failed");
  Key k;
  k.pkey = wrap(p);
  k.alg = std::string(alg);
  k.has_private = true;
  k.kid = kid.empty() ? thumbprint(k) : std::move(kid);
  return k;
}

std::string thumbprint(const Key& key) {
  Json j = public_jwk(key);
  Json canon;
  if (key.alg == kES256) {
    canon = {{"crv", j["crv"]}, {"kty", j["kty"]}, {"x", j["x"]}, {"y", j["y"]}};
  } else {
    canon = {{"e", j["e"]}, {"kty", j["kty"]}, {"n", j["n"]}};
  }
  return base64url_encode(sha256(canon.dump()));
}

Json public_jwk(const Key& key) {
  EVP_PKEY* p = key.pkey.get();
  Json j;
  if (key.alg == kES256) {
    j = {{"kty", "EC"},
         {"crv", "P-256"},
         {"x", base64url_encode(bn_bytes(OSSL_PKEY_PARAM_EC_PUB_X, p, 32))},
         {"y", base64url_encode(bn_bytes(OSSL_PKEY_PARAM_EC_PUB_Y, p, 32))}};
  } else {
    j = {{"kty", "RSA"},
         {"n", base64url_encode(bn_bytes(OSSL_PKEY_PARAM_RSA_N, p))},
         {"e", base64url_encode(bn_bytes(OSSL_PKEY_PARAM_RSA_E, p))}};
  }
  if (!key.kid.empty()) j["kid"] = key.kid;
  j["alg"] = key.alg;
  j["use"] = "sig";
  return j;
}

Result<Key> key_from_jwk(const Json& jwk) {
  if (!jwk.is_object()) return bad("the JWK is not an object");
  auto kty = slab5::string_or(jwk, "kty");
  std::string alg = jwk.contains("alg") && jwk["alg"].is_string() ? jwk["alg"].get<std::string>() : "";
  if (jwk.contains("use") && jwk["use"] != "sig") return bad("the JWK is not a signature key");
  Key k;
  if (jwk.contains("kid") && jwk["kid"].is_string()) k.kid = jwk["kid"].get<std::string>();
  if (kty == "EC") {
    if (slab5::string_or(jwk, "crv") != "P-256") return bad("only EC keys on P-256 are supported");
    if (!alg.empty() && alg != kES256) return bad("an EC P-256 key must be bound to ES256");
    auto x = jwk_bytes(jwk, "x");
    if (!x) return tl::unexpected(x.error());
    auto y = jwk_bytes(jwk, "y");
    if (!y) return tl::unexpected(y.error());
    if (x->size() != 32 || y->size() != 32) return bad("the EC key's coordinates must be 32 bytes");
    std::string point = "\x04" + *x + *y;
    ParamBldPtr bld(OSSL_PARAM_BLD_new());
    if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1)
      return bad("cannot build the EC key");
    k.pkey = from_params("EC", bld.get());
    if (!k.pkey) return bad("the EC key is not a valid P-256 point");
    k.alg = std::string(kES256);
  } else if (kty == "RSA") {
    if (!alg.empty() && alg != kRS256) return bad("an RSA key must be bound to RS256");
    auto n = jwk_bytes(jwk, "n");
    if (!n) return tl::unexpected(n.error());
    auto e = jwk_bytes(jwk, "e");
    if (!e) return tl::unexpected(e.error());
    // Base64urlUInt (RFC 7518 §2): the fewest octets, so no leading zero. The exponent must be
    // odd and at least 3, as every RSA signature key's is (OpenSSL builds a key with e = 0).
    if (n->empty() || e->empty() || (*n)[0] == '\0' || (*e)[0] == '\0')
      return bad("the RSA key's n and e must be unsigned integers without leading zero octets");
    if (e->size() > 8 || (static_cast<unsigned char>(e->back()) & 1) == 0 ||
        (e->size() == 1 && static_cast<unsigned char>((*e)[0]) < 3))
      return bad("the RSA key's exponent must be an odd number of at least 3");
    BnPtr bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()), int(n->size()), nullptr));
    BnPtr bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()), int(e->size()), nullptr));
    ParamBldPtr bld(OSSL_PARAM_BLD_new());
    if (!bn_n || !bn_e || !bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1)
      return bad("cannot build the RSA key");
    k.pkey = from_params("RSA", bld.get());
    if (!k.pkey) return bad("the RSA key is not valid");
    if (EVP_PKEY_get_bits(k.pkey.get()) < 2048) return bad("RSA keys must have at least 2048 bits");
    k.alg = std::string(kRS256);
  } else {
    return bad("unsupported key type '" + kty + "'");
  }
  return k;
}

Result<std::vector<Key>> parse_jwks(std::string_view text) {
  auto parsed = parse_json(text, "The JWKS");
  if (!parsed) return bad("the JWKS is not a JSON object with a 'keys' array");
  Json& j = *parsed;
  if (!j.is_object() || !j.contains("keys") || !j["keys"].is_array())
    return bad("the JWKS is not a JSON object with a 'keys' array");
  std::vector<Key> out;
  for (const auto& k : j["keys"]) {
    auto key = key_from_jwk(k);
    if (key && !key->kid.empty()) out.push_back(std::move(*key));
  }
  return out;
}

Json make_jwks(std::span<const Key> keys) {
  Json arr = Json::array();
  for (const auto& k : keys) arr.push_back(public_jwk(k));
  return {{"keys", arr}};
}

std::string private_key_pem(const Key& key, std::string_view passphrase) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  std::string pass(passphrase);
  int ok = PEM_write_bio_PKCS8PrivateKey(bio.get(), key.pkey.get(), pass.empty() ? nullptr : EVP_aes_256_cbc(),
                                         pass.empty() ? nullptr : pass.data(), int(pass.size()), nullptr, nullptr);
  OPENSSL_cleanse(pass.data(), pass.size());
  if (ok != 1) throw std::runtime_error("cannot write the private key");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, std::size_t(len));
}

Result<Key> key_from_private_pem(std::string_view pem, std::string_view passphrase, std::string kid) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), int(pem.size())));
  std::string pass(passphrase);
  auto cb = [](char* buf, int size, int, void* u) -> int {
    auto* s = static_cast<std::string*>(u);
    int n = std::min(size, int(s->size()));
    std::memcpy(buf, s->data(), std::size_t(n));
    return n;
  };
  EVP_PKEY* p = PEM_read_bio_PrivateKey(bio.get(), nullptr, cb, &pass);
  OPENSSL_cleanse(pass.data(), pass.size());
  if (!p) return fail("internal_error", "the private key cannot be read (wrong passphrase or corrupt PEM)");
  Key k;
  k.pkey = wrap(p);
  k.alg = alg_of(p);
  if (k.alg.empty()) return fail("internal_error", "the private key is neither EC P-256 nor RSA >= 2048");
  k.has_private = true;
  k.kid = kid.empty() ? thumbprint(k) : std::move(kid);
  return k;
}

std::string sign_with_header(const Key& key, Json header, const Json& claims) {
  if (!header.contains("alg")) header["alg"] = key.alg;
  std::string input = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
  return input + "." + base64url_encode(raw_sign(key, input));
}

std::string sign(const Key& key, const Json& claims) {
  return sign_with_header(key, {{"alg", key.alg}, {"typ", "JWT"}, {"kid", key.kid}}, claims);
}

Result<Verified> decode_unverified(std::string_view token) {
  auto parts = split(token);
  if (!parts) return tl::unexpected(parts.error());
  Verified v;
  auto h = decode_json_part(parts->header, "header");
  if (!h) return tl::unexpected(h.error());
  auto c = decode_json_part(parts->payload, "payload");
  if (!c) return tl::unexpected(c.error());
  v.header = std::move(*h);
  v.claims = std::move(*c);
  return v;
}

Result<Verified> verify(std::string_view token, const KeyLookup& lookup, std::span<const std::string_view> algs) {
  auto parts = split(token);
  if (!parts) return tl::unexpected(parts.error());
  auto header = decode_json_part(parts->header, "header");
  if (!header) return tl::unexpected(header.error());
  auto alg_it = header->find("alg");
  if (alg_it == header->end() || !alg_it->is_string()) return bad("the token header has no 'alg'");
  std::string alg = alg_it->get<std::string>();
  std::string lower;
  for (char c : alg) lower.push_back(char(std::tolower((unsigned char)c)));
  if (lower == "none") return bad("tokens with 'alg: none' are refused");
  if (lower.rfind("hs", 0) == 0) return bad("HMAC-signed tokens (" + alg + ") are refused");
  if (std::find(algs.begin(), algs.end(), std::string_view(alg)) == algs.end())
    return bad("the algorithm " + alg + " is not accepted");
  for (const char* forbidden : {"crit", "jku", "x5u", "x5c", "jwk"})
    if (header->contains(forbidden)) return bad(std::string("the header parameter '") + forbidden + "' is refused");
  auto kid_it = header->find("kid");
  if (kid_it == header->end() || !kid_it->is_string() || kid_it->get<std::string>().empty())
    return bad("the token header has no 'kid'");
  auto key = lookup(kid_it->get<std::string>());
  if (!key) return bad("the token's kid is unknown");
  if (key->alg != alg) return bad("the token's alg does not match the algorithm of its key");
  auto sig = b64url_strict(parts->signature);
  if (!sig || sig->empty()) return bad("the token's signature is not base64url");
  std::string_view input = token.substr(0, parts->header.size() + 1 + parts->payload.size());
  if (!raw_verify(*key, input, *sig)) return bad("the token's signature does not verify");
  auto claims = decode_json_part(parts->payload, "payload");
  if (!claims) return tl::unexpected(claims.error());
  return Verified{std::move(*header), std::move(*claims)};
}

Status check_time_claims(const Json& claims, std::int64_t now, std::int64_t skew, bool require_exp) {
  bool present = false, wrong = false;
  auto exp = number_claim(claims, "exp", present, wrong);
  if (wrong) return bad("the token's exp is not a number");
  if (!present && require_exp) return bad("the token has no exp");
  if (exp && double(now) >= *exp + double(skew)) return bad("the token has expired (exp)");
  auto nbf = number_claim(claims, "nbf", present, wrong);
  if (wrong) return bad("the token's nbf is not a number");
  if (nbf && *nbf > double(now + skew)) return bad("the token is not valid yet (nbf)");
  auto iat = number_claim(claims, "iat", present, wrong);
  if (wrong) return bad("the token's iat is not a number");
  if (iat && *iat > double(now + skew)) return bad("the token was issued in the future (iat)");
  return {};
}

}  // namespace slab5::jose
