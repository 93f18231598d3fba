// Idempotency keys (api.md §1): one row per (credential, route, key), claimed before the
// handler runs and holding the answer afterwards. The rules (who may claim, when a key
// conflicts, how an answer is sealed) live in server/idempotency.*; this is only the table.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "slab5/error.hpp"

namespace slab5d {

// Which key: the credential that sent it, the route pattern ("POST /v1/contacts"), the key.
struct IdempotencyScope {
  std::string credential_id, route, key;
};

struct IdempotencyRow {
  std::string fingerprint;  // what makes a repeat "the same request"
  int status = 0;           // 0 while the first request is still running
  std::optional<std::string> response;
};

class IdempotencyStore {
 public:
  virtual ~IdempotencyStore() = default;
  // Deletes every key created before `cutoff_ms`, or only `scope`'s when given.
  [[nodiscard]] virtual slab5::Status expire(std::int64_t cutoff_ms, const IdempotencyScope* scope) = 0;
  // Adds the key as running (status 0) unless it exists; true when this call added it.
  [[nodiscard]] virtual slab5::Result<bool> insert_running(const IdempotencyScope& s, const std::string& fingerprint,
                                                           std::int64_t now_ms) = 0;
  [[nodiscard]] virtual slab5::Result<std::optional<IdempotencyRow>> get(const IdempotencyScope& s) = 0;
  // Deletes the key if its request is still running (it failed: a retry may use the key).
  [[nodiscard]] virtual slab5::Status release(const IdempotencyScope& s) = 0;
  // Stores the first request's answer.
  [[nodiscard]] virtual slab5::Status complete(const IdempotencyScope& s, int status, const std::string& response) = 0;
};

}  // namespace slab5d
