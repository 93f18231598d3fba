#include "idempotency.hpp"

#include <openssl/evp.h>

#include <atomic>
#include <stdexcept>

#include "app.hpp"
#include "domain/audit.hpp"
#include "logger.hpp"
#include "slab5/crypto.hpp"
#include "slab5/encoding.hpp"
#include "slab5/time.hpp"
#include "store/idempotency_store.hpp"

namespace slab5d {

using slab5::Error;
using slab5::Json;
using slab5::Result;

namespace {
constexpr std::size_t kMaxKeyLength = 255;
}  // namespace

bool valid_idempotency_key(std::string_view k) {
  if (k.empty() || k.size() > kMaxKeyLength) return false;
  for (char c : k)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

Result<std::optional<std::string>> read_idempotency_key(const Json& body, const Request& req) {
  std::optional<std::string> from_body;
  if (auto it = body.find("idempotency_key"); it != body.end() && !it->is_null()) {
    if (!it->is_string() || !valid_idempotency_key(it->get_ref<const std::string&>()))
      return tl::unexpected(slab5::validation_error(
          "idempotency_key", "must be a string of 1-255 printable ASCII characters without spaces"));
    from_body = it->get<std::string>();
  }
  std::optional<std::string> from_header;
  if (req.has_header("idempotency-key")) {
    std::string h(req.header("idempotency-key"));
    if (!valid_idempotency_key(h))
      return slab5::fail("invalid_request",
                         "The Idempotency-Key header must be 1-255 printable ASCII characters without spaces.");
    from_header = std::move(h);
  }
  if (from_body && from_header && *from_body != *from_header)
    return tl::unexpected(slab5::validation_error("idempotency_key", "differs from the Idempotency-Key header"));
  return from_body ? from_body : from_header;
}

std::string request_fingerprint(const std::string& workspace_id, const std::string& path, const Json& request_body) {
  Json body = request_body;
  if (body.is_object()) body.erase("idempotency_key");
  return slab5::sha256_hex(workspace_id + "\n" + path + "\n" + body.dump());
}

namespace {

// The caller's token, read as authenticate() read it.
std::string caller_token(const Ctx& ctx) {
  return std::string(slab5d::bearer_token(ctx.req.header("authorization")).value_or(std::string_view()));
}

// ---- sealing the stored answer ------------------------------------------------------

std::string seal_key(const Ctx& ctx, const std::string& scope) {
  return slab5::hmac_sha256(caller_token(ctx), "slab5 idempotent response v1\n" + scope);
}

}  // namespace

std::string seal(const std::string& key, const std::string& aad, const std::string& plain) {
  std::string nonce = slab5::random_bytes(12);
  std::string out(plain.size(), '\0');
  unsigned char tag[16];
  int len = 0, fin = 0;
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  bool ok =
      c && EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) == 1 &&
      EVP_EncryptInit_ex(c, nullptr, nullptr, reinterpret_cast<const unsigned char*>(key.data()),
                         reinterpret_cast<const unsigned char*>(nonce.data())) == 1 &&
      EVP_EncryptUpdate(c, nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()), int(aad.size())) == 1 &&
      EVP_EncryptUpdate(c, reinterpret_cast<unsigned char*>(out.data()), &len,
                        reinterpret_cast<const unsigned char*>(plain.data()), int(plain.size())) == 1 &&
      EVP_EncryptFinal_ex(c, reinterpret_cast<unsigned char*>(out.data()) + len, &fin) == 1 &&
      EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
  EVP_CIPHER_CTX_free(c);
  if (!ok) return {};
  return slab5::base64_encode(nonce + out + std::string(reinterpret_cast<char*>(tag), 16));
}

std::optional<std::string> unseal(const std::string& key, const std::string& aad, const std::string& sealed) {
  auto raw = slab5::base64_decode(sealed);
  if (!raw || raw->size() < 28) return std::nullopt;
  std::string nonce = raw->substr(0, 12), tag = raw->substr(raw->size() - 16);
  std::string ct = raw->substr(12, raw->size() - 28);
  std::string out(ct.size(), '\0');
  int len = 0, fin = 0;
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  bool ok =
      c && EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) == 1 &&
      EVP_DecryptInit_ex(c, nullptr, nullptr, reinterpret_cast<const unsigned char*>(key.data()),
                         reinterpret_cast<const unsigned char*>(nonce.data())) == 1 &&
      EVP_DecryptUpdate(c, nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()), int(aad.size())) == 1 &&
      EVP_DecryptUpdate(c, reinterpret_cast<unsigned char*>(out.data()), &len,
                        reinterpret_cast<const unsigned char*>(ct.data()), int(ct.size())) == 1 &&
      EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag.data()) == 1 &&
      EVP_DecryptFinal_ex(c, reinterpret_cast<unsigned char*>(out.data()) + len, &fin) == 1;
  EVP_CIPHER_CTX_free(c);
  if (!ok) return std::nullopt;
  return out;
}

namespace {

// ---- the table ----------------------------------------------------------------------

using Slot = IdempotencySlot;
std::string scope_of(const Slot& s) { return s.credential_id + "\n" + s.route + "\n" + s.key; }

struct Claim {
  ClaimState state = ClaimState::Claimed;
  int status = 0;
  std::string response;
};

// Claims `s` in one write transaction: the key becomes this request's, or the row that holds
// it says why not.
Result<Claim> claim(Conn& db, const Slot& s) {
  static std::atomic<unsigned> counter{0};
  auto now = slab5::now_millis();
  auto cutoff = now - kIdempotencyLifetimeMs;
  IdempotencyStore& keys = (db).idempotency_keys();
  Tx tx(db);
  if (counter.fetch_add(1) % 64 == 0)
    if (auto ok = keys.expire(cutoff, nullptr); !ok) return tl::unexpected(ok.error());
  if (auto ok = keys.expire(cutoff, &s); !ok) return tl::unexpected(ok.error());
  auto added = keys.insert_running(s, s.fingerprint, now);
  if (!added) return tl::unexpected(added.error());
  Claim out;
  if (!*added) {
    auto row = keys.get(s);
    if (!row) return tl::unexpected(row.error());
    if (!*row) return slab5::fail("internal_error", "The idempotency key vanished while it was being claimed.");
    const IdempotencyRow& r = **row;
    if (r.fingerprint != s.fingerprint)
      out.state = ClaimState::Conflict;
    else if (r.status == 0)
      out.state = ClaimState::InFlight;
    else {
      out.state = ClaimState::Stored;
      out.status = r.status;
      out.response = r.response.value_or("{}");
    }
  }
  tx.commit();
  return out;
}

void log_store_failure(const std::string& request_id, const char* what, const Error& e) {
  logger().log(LogLevel::Error, what, {{"request_id", request_id}, {"error", e.message}});
}

slab5::Status store(Ctx& ctx, const Slot& s, const Reply& r) {
  std::string whole = r.data.dump();
  Json stored = {{"data", strip_secrets(r.data)}};
  if (stored["data"] != r.data) stored["sealed"] = seal(seal_key(ctx, scope_of(s)), scope_of(s), whole);
  return ctx.db.idempotency_keys().complete(s, r.status, stored.dump());
}

Reply replay(const Ctx& ctx, const Slot& s, int status, const std::string& response) {
  Json stored = Json::parse(response, nullptr, false);
  Reply r;
  r.status = status;
  r.data = stored.is_object() ? stored.value("data", Json()) : Json();
  bool withheld = false;
  if (stored.is_object() && stored.contains("sealed")) {
    withheld = true;
    if (auto whole = unseal(seal_key(ctx, scope_of(s)), scope_of(s), stored["sealed"].get<std::string>())) {
      auto j = Json::parse(*whole, nullptr, false);
      if (!j.is_discarded()) {
        r.data = std::move(j);
        withheld = false;
      }
    }
  }
  r.headers.emplace_back("idempotent-replayed", "true");
  // The first answer carried a secret that only the bearer token it was sealed under can
  // open (a session's access token changes on refresh): say so instead of leaving it out
  // without a word.
  if (withheld) r.headers.emplace_back("idempotent-secret", "withheld");
  return r;
}

tl::unexpected<Error> conflict(const std::string& key) {
  return slab5::fail("idempotency_conflict", "", {{"idempotency_key", key}});
}

}  // namespace

Result<std::optional<IdempotencySlot>> idempotency_slot(const Ctx& ctx) {
  auto key = read_idempotency_key(ctx.body, ctx.req);
  if (!key) return tl::unexpected(key.error());
  if (!*key || ctx.who.credential_id.empty()) return std::optional<IdempotencySlot>();
  return IdempotencySlot{ctx.who.credential_id, ctx.route.entry.label, std::move(**key),
                         request_fingerprint(ctx.who.workspace_id, ctx.req.path, ctx.body)};
}

ClaimOutcome idempotency_claim(Ctx& ctx, const IdempotencySlot& slot, Result<Reply>& answer) {
  auto claimed = claim(ctx.db, slot);
  if (!claimed) {
    answer = tl::unexpected(claimed.error());
    return ClaimOutcome::Answered;
  }
  const Claim& c = *claimed;
  switch (c.state) {
    case ClaimState::Claimed:
      return ClaimOutcome::Run;
    case ClaimState::Conflict:
      answer = conflict(slot.key);
      return ClaimOutcome::Answered;
    case ClaimState::Stored:
      answer = replay(ctx, slot, c.status, c.response);
      return ClaimOutcome::Answered;
    case ClaimState::InFlight:
      break;
  }
  return ClaimOutcome::InFlight;
}

Error idempotency_still_running(const IdempotencySlot& slot) {
  return Error{"conflict",
               "A request with this idempotency key is still in progress; retry shortly.",
               {{"idempotency_key", slot.key}}};
}

Result<Reply> idempotency_run(Ctx& ctx, const IdempotencySlot& slot, const Handler& handler) {
  IdempotencyStore& keys = (ctx.db).idempotency_keys();
  Result<Reply> result = tl::unexpected(Error{"internal_error"});
  try {
    result = handler(ctx);
  } catch (...) {
    try {
      if (auto ok = keys.release(slot); !ok)
        log_store_failure(ctx.request_id, "could not release an idempotency key", ok.error());
    } catch (const StoreError&) {
    }
    throw;
  }
  try {
    // The operation itself is done either way; if its answer cannot be kept, a retry under
    // this key sees it "in progress" until the key expires.
    if (result && result->status >= 200 && result->status < 300) {
      if (auto ok = store(ctx, slot, *result); !ok)
        log_store_failure(ctx.request_id, "could not store an idempotent response", ok.error());
    } else if (auto ok = keys.release(slot); !ok) {
      log_store_failure(ctx.request_id, "could not release an idempotency key", ok.error());
    }
  } catch (const StoreError& e) {
    log_store_failure(ctx.request_id, "could not store an idempotent response", Error{"internal_error", e.what()});
  }
  return result;
}

ClaimState claim_key(Conn& db, const IdempotencySlot& slot) {
  auto c = claim(db, slot);
  if (!c) throw std::runtime_error(c.error().message);
  return c->state;
}

void store_answer(Conn& db, const IdempotencySlot& s, int status, const Json& data) {
  if (auto ok = db.idempotency_keys().complete(s, status, Json{{"data", data}}.dump()); !ok)
    throw std::runtime_error(ok.error().message);
}

}  // namespace slab5d
