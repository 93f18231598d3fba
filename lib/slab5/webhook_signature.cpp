#include "slab5/webhook_signature.hpp"

#include <charconv>

#include "slab5/crypto.hpp"
#include "slab5/encoding.hpp"

namespace slab5 {

namespace {
constexpr std::string_view kPrefix = "whsec_";

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  if (s.empty() || s.size() > 15) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    auto i = s.find(sep);
    out.push_back(s.substr(0, i));
    if (i == std::string_view::npos) break;
    s.remove_prefix(i + 1);
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool timestamp_ok(SignatureCheck& c, std::int64_t now, std::int64_t tolerance) {
  if (tolerance < 0) return true;
  if (c.timestamp < now - tolerance || c.timestamp > now + tolerance) {
    c.reason = "The signature's timestamp is more than " + std::to_string(tolerance / 60) + " minutes from now.";
    return false;
  }
  return true;
}
}  // namespace

std::string new_webhook_secret() { return std::string(kPrefix) + base64_encode(random_bytes(32)); }

std::optional<std::string> webhook_secret_key(std::string_view secret) {
  if (secret.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  auto key = base64_decode(secret.substr(kPrefix.size()));
  if (!key || key->empty()) return std::nullopt;
  return key;
}

std::string slab5_signature_header(std::int64_t t, std::string_view body, const std::vector<std::string>& keys) {
  std::string signed_text = std::to_string(t) + "." + std::string(body);
  std::string out = "t=" + std::to_string(t);
  for (const auto& k : keys) out += ",v1=" + hex_encode(hmac_sha256(k, signed_text));
  return out;
}

std::string standard_signature_header(std::string_view msg_id, std::int64_t t, std::string_view body,
                                      const std::vector<std::string>& keys) {
  std::string signed_text = std::string(msg_id) + "." + std::to_string(t) + "." + std::string(body);
  std::string out;
  for (const auto& k : keys) {
    if (!out.empty()) out += ' ';
    out += "v1," + base64_encode(hmac_sha256(k, signed_text));
  }
  return out;
}

SignatureCheck verify_slab5_signature(std::string_view header, std::string_view body, std::string_view key,
                                      std::int64_t now, std::int64_t tolerance) {
  SignatureCheck c;
  std::optional<std::int64_t> t;
  std::vector<std::string_view> sigs;
  for (auto part : split(header, ',')) {
    part = trim(part);
    if (part.substr(0, 2) == "t=")
      t = parse_int(part.substr(2));
    else if (part.substr(0, 3) == "v1=")
      sigs.push_back(part.substr(3));
  }
  if (!t || sigs.empty()) {
    c.reason = "x-slab5-signature must be t=<unix seconds>,v1=<hex HMAC-SHA256>.";
    return c;
  }
  c.timestamp = *t;
  c.message_id = std::string(sigs.front());
  if (!timestamp_ok(c, now, tolerance)) return c;
  std::string expected = hex_encode(hmac_sha256(key, std::to_string(*t) + "." + std::string(body)));
  for (auto s : sigs)
    if (constant_time_equal(expected, s)) {
      c.valid = true;
      c.message_id = std::string(s);
      return c;
    }
  c.reason = "No signature in x-slab5-signature matches the body.";
  return c;
}

SignatureCheck verify_standard_signature(std::string_view msg_id, std::string_view timestamp,
                                         std::string_view signature_header, std::string_view body, std::string_view key,
                                         std::int64_t now, std::int64_t tolerance) {
  SignatureCheck c;
  auto t = parse_int(trim(timestamp));
  if (msg_id.empty() || !t || signature_header.empty()) {
    c.reason = "webhook-id, webhook-timestamp and webhook-signature are required.";
    return c;
  }
  c.timestamp = *t;
  c.message_id = std::string(msg_id);
  if (!timestamp_ok(c, now, tolerance)) return c;
  std::string expected =
      base64_encode(hmac_sha256(key, std::string(msg_id) + "." + std::to_string(*t) + "." + std::string(body)));
  for (auto part : split(signature_header, ' ')) {
    part = trim(part);
    if (part.substr(0, 3) != "v1,") continue;
    if (constant_time_equal(expected, part.substr(3))) {
      c.valid = true;
      return c;
    }
  }
  c.reason = "No signature in webhook-signature matches the body.";
  return c;
}

}  // namespace slab5
