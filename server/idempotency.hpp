// Idempotency keys (api.md §1) for the routes marked `.creates` in the route table.
//
// The key comes from the body's "idempotency_key" or the Idempotency-Key header and is
// scoped to the calling credential and the route pattern; it lives 24 hours. The key is
// claimed with an INSERT (under the write lock) before the handler runs, so concurrent
// duplicates, also from other slab5d processes, never create twice: the late ones wait
// briefly for the first to finish and replay its answer. A request with another body (or
// another target path or workspace) under the same key is 409 idempotency_conflict.
//
// Only 2xx answers are kept; an error releases the key so a corrected retry can use it.
// The stored answer is kept twice: with its secrets stripped, and whole but sealed
// (AES-256-GCM) under a key derived from the caller's bearer token, so the database alone
// never reveals a secret. A replay with the same token gets the whole answer back; a replay
// after a session's access token was refreshed gets it without its secret fields.
#pragma once
#include "router.hpp"

namespace slab5d {

inline constexpr std::int64_t kIdempotencyLifetimeMs = 24LL * 3600 * 1000;

// Runs `handler` under the request's idempotency key (or directly when it has none).
slab5::Result<Reply> run_idempotent(Ctx& ctx, const Handler& handler);

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
