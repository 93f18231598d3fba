// IdempotencyStore on PostgreSQL: the `idempotency_keys` table. Several slab5d processes may
// claim one key at the same moment; INSERT … ON CONFLICT DO NOTHING gives it to exactly one
// (the others wait for the winner's transaction to end, then add nothing).
#pragma once
#include "store/idempotency_store.hpp"
#include "store/postgres/pg.hpp"

namespace slab5d {

class PgIdempotencyStore final : public IdempotencyStore {
 public:
  explicit PgIdempotencyStore(PgConn& conn) : conn_(conn) {}
  slab5::Status expire(std::int64_t cutoff_ms, const IdempotencyScope* scope) override;
  slab5::Result<bool> insert_running(const IdempotencyScope& s, const std::string& fingerprint,
                                     std::int64_t now_ms) override;
  slab5::Result<std::optional<IdempotencyRow>> get(const IdempotencyScope& s) override;
  slab5::Status release(const IdempotencyScope& s) override;
  slab5::Status complete(const IdempotencyScope& s, int status, const std::string& response) override;

 private:
  PgConn& conn_;
};

}  // namespace slab5d
