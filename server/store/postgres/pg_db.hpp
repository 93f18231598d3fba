// PgDb: the PostgreSQL Conn (store/conn.hpp), as Db is SQLite's. One libpq connection, the
// PostgreSQL stores bound to it (made on first use), and the transactions the domain opens
// with Tx and the writer opens for a batch.
#pragma once
#include <memory>
#include <string>

#include "store/conn.hpp"
#include "store/postgres/pg.hpp"

namespace slab5d {

struct PgStores;

class PgDb final : public Conn {
 public:
  // Connects (PgConn::open: the message of a failure never holds the URL or its password).
  static std::unique_ptr<PgDb> open(const std::string& url, const PgConnectOptions& options = {});
  explicit PgDb(std::unique_ptr<PgConn> conn);
  ~PgDb() override;
  PgDb(const PgDb&) = delete;
  PgDb& operator=(const PgDb&) = delete;

  PgConn& conn() { return *conn_; }

  // postgres://HOST:PORT/DATABASE of the server this connection reached: no user, no password.
  const std::string& database_id() const override { return database_id_; }

  AuditStore& audit() override;
  CredentialStore& credentials() override;
  EventStore& events() override;
  FixtureStore& fixtures() override;
  IdempotencyStore& idempotency_keys() override;
  IdentityStore& identity() override;
  MemberStore& members() override;
  MetaStore& meta() override;
  RecordStore& records() override;
  UsageStore& usage() override;
  WebhookStore& webhooks() override;
  WorkspaceStore& workspaces() override;

  // BEGIN ISOLATION LEVEL READ COMMITTED, or a SAVEPOINT inside an open transaction (a write
  // batch, a fixture loaded as one). PostgreSQL locks rows, not the database: no in-process
  // gate is taken, and writers on other connections or other slab5d processes go on.
  void tx_begin(TxState& s) override;
  void tx_commit(TxState& s) override;
  void tx_abandon(TxState& s) noexcept override;

  std::mutex& write_gate() override { return batch_gate_; }
  void begin() override;
  void commit() override;
  void rollback() override;
  // A batch's statements wait at most 100 ms for a row lock (SET LOCAL lock_timeout): two
  // batches, each holding rows the other wants, would otherwise wait for the deadlock check
  // (1 s). The call that gives up runs again in a later batch (App::run_batched).
  void set_group(bool on) override;
  bool in_group() const override { return in_group_; }
  // False for a transaction an error aborted, as for one SQLite rolled back by itself: nothing
  // in it can be committed any more.
  bool in_transaction() const override;

  // Compares the server's current snapshot (pg_current_snapshot(): the next transaction id
  // and those still in progress), which moves whenever a transaction that wrote anything, on
  // any connection of any process, has committed or aborted since: one round trip. Another
  // database's writes on the same server move it too; that only costs a cache refill.
  bool changed_since(ChangeMark& mark) override;
  // None kept: every change seen by changed_since empties the credential cache.
  std::optional<std::int64_t> auth_version() override { return std::nullopt; }

 private:
  PgStores& stores();
  std::unique_ptr<PgConn> conn_;
  std::string database_id_;
  std::mutex batch_gate_;  // one batch at a time on this connection (the writer's)
  bool in_group_ = false;
  std::unique_ptr<PgStores> stores_;  // made on first use
};

// One take from a workspace's rate-limit bucket shared by every instance
// (slab5_worker.rate_buckets): refilled at `per_second` up to `burst` since its last take.
struct PgBucketTake {
  bool allowed = true;  // a token was there, and is taken
  double tokens = 0;    // what is left
};
// In a transaction of its own: give it a connection that holds no other transaction open.
PgBucketTake pg_take_rate_token(PgConn& conn, const std::string& workspace_id, double per_second, double burst);

}  // namespace slab5d
