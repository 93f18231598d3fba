// Idempotency keys (server/idempotency.*) without a database: the key from the body and
// the Idempotency-Key header (read_idempotency_key), the request fingerprint that tells a
// replay from a conflict, and the sealing of stored answers (seal/unseal, AES-256-GCM).
//
// Input: byte 0 chooses the mode, the rest is its text:
//   0-127   "<header value>\n<JSON body>": a header line starting with '-' means no header;
//   128-191 a sealed answer as it could sit in the database: unseal must refuse it (only
//           seal's output under the same key and scope opens);
//   192-255 a plain answer: seal, then unseal under the same key and scope gives it back,
//           and under another key or scope gives nothing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "idempotency.hpp"
#include "slab5/crypto.hpp"
#include "slab5/json_util.hpp"

namespace {

const std::string kKey(32, 'k');
const std::string kOtherKey(32, 'o');
const std::string kScope = "cred_fuzz\nPOST /v1/workspace/api-keys\nkey-1";

void key_mode(std::string_view text) {
  auto nl = text.find('\n');
  std::string_view header = text.substr(0, nl);
  std::string_view body_text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  auto parsed = slab5::parse_json(body_text);
  slab5::Json body = parsed && parsed->is_object() ? *parsed : slab5::Json::object();
  slab5d::Request req;
  req.method = "POST";
  req.path = "/v1/workspace/api-keys";
  if (header.substr(0, 1) != "-") req.headers.emplace_back("idempotency-key", std::string(header));
  auto key = slab5d::read_idempotency_key(body, req);
  if (key && *key && !slab5d::valid_idempotency_key(**key)) std::abort();
  // The fingerprint ignores the key: the same request under another key is "the same".
  std::string fp;
  try {
    fp = slab5d::request_fingerprint("ws_fuzz", req.path, body);
  } catch (const slab5::Json::type_error&) {
    return;  // a body with invalid UTF-8 never gets here: read_json_body refuses it first
  }
  slab5::Json other = body;
  other["idempotency_key"] = "another-key";
  if (slab5d::request_fingerprint("ws_fuzz", req.path, other) != fp) std::abort();
  if (slab5d::request_fingerprint("ws_other", req.path, body) == fp) std::abort();
}

void unseal_mode(std::string_view text) {
  if (slab5d::unseal(kKey, kScope, std::string(text))) std::abort();  // a forged GCM tag
}

void seal_mode(std::string_view text) {
  std::string plain(text);
  std::string sealed = slab5d::seal(kKey, kScope, plain);
  if (sealed.empty()) std::abort();
  auto opened = slab5d::unseal(kKey, kScope, sealed);
  if (!opened || *opened != plain) std::abort();
  if (slab5d::unseal(kOtherKey, kScope, sealed)) std::abort();
  if (slab5d::unseal(kKey, kScope + "x", sealed)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] < 128)
    key_mode(text);
  else if (data[0] < 192)
    unseal_mode(text);
  else
    seal_mode(text);
  return 0;
}
