#include "store/sqlite/idempotency_store.hpp"

#include "store/sqlite/checked.hpp"

namespace slab5d {

slab5::Status SqliteIdempotencyStore::expire(std::int64_t cutoff_ms, const IdempotencyScope* s) {
  auto q = s ? db_.query(
                   "DELETE FROM idempotency_keys WHERE credential_id = ? AND route = ? AND key = ? AND "
                   "created_at_ms < ?",
                   s->credential_id, s->route, s->key, cutoff_ms)
             : db_.query("DELETE FROM idempotency_keys WHERE created_at_ms < ?", cutoff_ms);
  return sqlite::run_checked(db_, q, "Expired idempotency keys cannot be removed.");
}

slab5::Result<bool> SqliteIdempotencyStore::insert_running(const IdempotencyScope& s, const std::string& fingerprint,
                                                           std::int64_t now_ms) {
  auto q = db_.query(
      "INSERT INTO idempotency_keys (credential_id, route, key, body_hash, status, created_at_ms) "
      "VALUES (?,?,?,?,0,?) ON CONFLICT DO NOTHING",
      s.credential_id, s.route, s.key, fingerprint, now_ms);
  if (auto ok = sqlite::run_checked(db_, q, "The idempotency key cannot be claimed."); !ok)
    return tl::unexpected(ok.error());
  return db_.changes() == 1;
}

slab5::Result<std::optional<IdempotencyRow>> SqliteIdempotencyStore::get(const IdempotencyScope& s) {
  auto q = db_.query(
      "SELECT body_hash, status, response FROM idempotency_keys WHERE credential_id = ? AND route = ? "
      "AND key = ?",
      s.credential_id, s.route, s.key);
  if (!q.next()) return std::optional<IdempotencyRow>{};
  return std::optional<IdempotencyRow>{IdempotencyRow{q.text(0), int(q.integer(1)), q.opt_text(2)}};
}

slab5::Status SqliteIdempotencyStore::release(const IdempotencyScope& s) {
  auto q = db_.query("DELETE FROM idempotency_keys WHERE credential_id = ? AND route = ? AND key = ? AND status = 0",
                     s.credential_id, s.route, s.key);
  return sqlite::run_checked(db_, q, "The idempotency key cannot be released.");
}

slab5::Status SqliteIdempotencyStore::complete(const IdempotencyScope& s, int status, const std::string& response) {
  auto q = db_.query(
      "UPDATE idempotency_keys SET status = ?, response = ? WHERE credential_id = ? AND route = ? AND "
      "key = ?",
      status, response, s.credential_id, s.route, s.key);
  return sqlite::run_checked(db_, q, "The idempotent answer cannot be stored.");
}

}  // namespace slab5d
