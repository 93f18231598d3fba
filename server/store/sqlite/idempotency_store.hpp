// IdempotencyStore on SQLite: the `idempotency_keys` table.
#pragma once
#include "store/idempotency_store.hpp"
#include "store/sqlite/db.hpp"

namespace slab5d {

class SqliteIdempotencyStore final : public IdempotencyStore {
 public:
  explicit SqliteIdempotencyStore(Db& db) : db_(db) {}
  slab5::Status expire(std::int64_t cutoff_ms, const IdempotencyScope* scope) override;
  slab5::Result<bool> insert_running(const IdempotencyScope& s, const std::string& fingerprint,
                                     std::int64_t now_ms) override;
  slab5::Result<std::optional<IdempotencyRow>> get(const IdempotencyScope& s) override;
  slab5::Status release(const IdempotencyScope& s) override;
  slab5::Status complete(const IdempotencyScope& s, int status, const std::string& response) override;

 private:
  Db& db_;
};

}  // namespace slab5d
