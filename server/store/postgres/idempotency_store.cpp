// The statements of store/sqlite/idempotency_store.cpp in PostgreSQL's dialect. A claim is
// INSERT … ON CONFLICT DO NOTHING, and the rows it added say who won: when two connections
// claim one key at once, the second waits on the first's row until that transaction ends and
// then adds nothing (or, when the first rolled back, adds it itself), so exactly one claim
// reports true.
#include "store/postgres/idempotency_store.hpp"

namespace slab5d {

namespace {

// A write run to its end; a constraint hit (a broken invariant here) is `conflict`.
slab5::Status checked(const PgRun& r, const char* what) {
  if (!r.ok()) return slab5::fail("conflict", what);
  return {};
}

}  // namespace

slab5::Status PgIdempotencyStore::expire(std::int64_t cutoff_ms, const IdempotencyScope* s) {
  auto r = s ? conn_.run(
                   "DELETE FROM idempotency_keys WHERE credential_id = $1 AND route = $2 AND key = $3 AND "
                   "created_at_ms < $4",
                   s->credential_id, s->route, s->key, cutoff_ms)
             : conn_.run("DELETE FROM idempotency_keys WHERE created_at_ms < $1", cutoff_ms);
  return checked(r, "Expired idempotency keys cannot be removed.");
}

slab5::Result<bool> PgIdempotencyStore::insert_running(const IdempotencyScope& s, const std::string& fingerprint,
                                                       std::int64_t now_ms) {
  auto r = conn_.run(
      "INSERT INTO idempotency_keys (credential_id, route, key, body_hash, status, created_at_ms) "
      "VALUES ($1,$2,$3,$4,0,$5) ON CONFLICT DO NOTHING",
      s.credential_id, s.route, s.key, fingerprint, now_ms);
  if (auto ok = checked(r, "The idempotency key cannot be claimed."); !ok) return tl::unexpected(ok.error());
  return r.affected() == 1;
}

slab5::Result<std::optional<IdempotencyRow>> PgIdempotencyStore::get(const IdempotencyScope& s) {
  auto q = conn_.exec(
      "SELECT body_hash, status, response FROM idempotency_keys WHERE credential_id = $1 AND route = $2 "
      "AND key = $3",
      s.credential_id, s.route, s.key);
  if (q.rows() == 0) return std::optional<IdempotencyRow>{};
  return std::optional<IdempotencyRow>{IdempotencyRow{q.text(0, 0), int(q.integer(0, 1)), q.opt_text(0, 2)}};
}

slab5::Status PgIdempotencyStore::release(const IdempotencyScope& s) {
  auto r = conn_.run("DELETE FROM idempotency_keys WHERE credential_id = $1 AND route = $2 AND key = $3 AND status = 0",
                     s.credential_id, s.route, s.key);
  return checked(r, "The idempotency key cannot be released.");
}

slab5::Status PgIdempotencyStore::complete(const IdempotencyScope& s, int status, const std::string& response) {
  auto r = conn_.run(
      "UPDATE idempotency_keys SET status = $1, response = $2 WHERE credential_id = $3 AND route = $4 AND "
      "key = $5",
      status, response, s.credential_id, s.route, s.key);
  return checked(r, "The idempotent answer cannot be stored.");
}

}  // namespace slab5d
