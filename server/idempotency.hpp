// Idempotency keys (api.md §1) for the routes marked `.creates` in the route table.
//
// The key comes from the body's "idempotency_key" or the Idempotency-Key header and is
// scoped to the calling credential and the route pattern; it lives 24 hours. The key is
// claimed with an INSERT (under the write lock) before the handler runs, so concurrent
// duplicates, also from other slab5d processes, never create twice: the late ones wait for
// the first to finish (up to 3 s) and replay its answer. They wait parked on a timer (App
// retries the claim from the connection's io_context), never by sleeping a thread. A request
// with another body (or another target path or workspace) under the same key is 409
// idempotency_conflict.
//
// Only 2xx answers are kept; an error releases the key so a corrected retry can use it.
// The stored answer is kept twice: with its secrets stripped, and whole but sealed
// (AES-256-GCM) under a key derived from the caller's bearer token, so the database alone
// never reveals a secret. A replay with the same token gets the whole answer back; a replay
// after a session's access token was refreshed gets it without its secret fields.
#pragma once
#include <chrono>

#include "router.hpp"
#include "store/conn.hpp"
#include "store/idempotency_store.hpp"

namespace slab5d {

inline constexpr std::int64_t kIdempotencyLifetimeMs = 24LL * 3600 * 1000;

// How long a duplicate waits for the first request with its key before it is answered 409.
inline constexpr std::chrono::milliseconds kIdempotencyWait{3000};

// One key's row: the credential, the route ("POST /v1/contacts") and the key.
struct IdempotencySlot : IdempotencyScope {
  std::string fingerprint;  // request_fingerprint() of the request holding or asking for it
};

// The request's key, when it carries one (and a credential): nullopt runs the handler as is.
slab5::Result<std::optional<IdempotencySlot>> idempotency_slot(const Ctx& ctx);

enum class ClaimOutcome {
  Run,       // the key is this request's now: run the handler, then idempotency_finish()
  Answered,  // `answer` holds the stored answer (a replay) or idempotency_conflict
  InFlight,  // the first request with this key is still running: ask again later
};
// Claims the key (one short write transaction).
ClaimOutcome idempotency_claim(Ctx& ctx, const IdempotencySlot& slot, slab5::Result<Reply>& answer);
// Runs the handler under a claimed key: a 2xx answer is stored for replays, anything else
// (an error, an exception) releases the key.
slab5::Result<Reply> idempotency_run(Ctx& ctx, const IdempotencySlot& slot, const Handler& handler);
// The answer to a duplicate whose first request did not finish within kIdempotencyWait.
slab5::Error idempotency_still_running(const IdempotencySlot& slot);

// The same steps on a bare connection, for what has no request (tests, a second process):
// claim_key is what idempotency_claim does, store_answer what idempotency_run does with a 2xx
// answer (without sealing: `r.data` must hold no secret).
enum class ClaimState { Claimed, Stored, InFlight, Conflict };
ClaimState claim_key(Conn& db, const IdempotencySlot& slot);
void store_answer(Conn& db, const IdempotencySlot& slot, int status, const slab5::Json& data);

// The parts that need no database (the fuzz target tests/fuzz/fuzz_idempotency.cpp drives them).
// 1-255 printable ASCII characters, no spaces.
bool valid_idempotency_key(std::string_view key);
// The key from the body's "idempotency_key" or the Idempotency-Key header (they must agree);
// nullopt when neither carries one.
slab5::Result<std::optional<std::string>> read_idempotency_key(const slab5::Json& body, const Request& req);
// What makes two requests "the same": workspace, concrete path and body (without the key).
std::string request_fingerprint(const std::string& workspace_id, const std::string& path, const slab5::Json& body);
// AES-256-GCM under a 32-byte `key` with `aad`, as base64(nonce | ciphertext | tag); unseal
// gives nullopt for anything seal did not make with the same key and aad.
std::string seal(const std::string& key, const std::string& aad, const std::string& plain);
std::optional<std::string> unseal(const std::string& key, const std::string& aad, const std::string& sealed);

}  // namespace slab5d
