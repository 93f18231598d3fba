#include "store/postgres/pg_db.hpp"

#include <libpq-fe.h>

#include <functional>

#include "store/postgres/audit_store.hpp"
#include "store/postgres/credential_store.hpp"
#include "store/postgres/event_store.hpp"
#include "store/postgres/fixture_store.hpp"
#include "store/postgres/idempotency_store.hpp"
#include "store/postgres/identity_store.hpp"
#include "store/postgres/member_store.hpp"
#include "store/postgres/meta_store.hpp"
#include "store/postgres/record_store.hpp"
#include "store/postgres/usage_store.hpp"
#include "store/postgres/webhook_store.hpp"
#include "store/postgres/workspace_store.hpp"

namespace slab5d {

// The PostgreSQL stores of one connection.
struct PgStores {
  explicit PgStores(PgConn& c)
      : audit(c),
        credentials(c),
        events(c),
        fixtures(c),
        idempotency_keys(c),
        identity(open_pg_identity_store(c)),
        members(c),
        meta(c),
        records(c),
        usage(c),
        webhooks(c),
        workspaces(c) {}
  PgAuditStore audit;
  PgCredentialStore credentials;
  PgEventStore events;
  PgFixtureStore fixtures;
  PgIdempotencyStore idempotency_keys;
  IdentityStore identity;
  PgMemberStore members;
  PgMetaStore meta;
  PgRecordStore records;
  PgUsageStore usage;
  PgWebhookStore webhooks;
  PgWorkspaceStore workspaces;
};

std::unique_ptr<PgDb> PgDb::open(const std::string& url, const PgConnectOptions& options) {
  return std::make_unique<PgDb>(PgConn::open(url, options));
}

PgDb::PgDb(std::unique_ptr<PgConn> conn) : conn_(std::move(conn)) {
  auto* h = conn_->handle();
  const char* host = PQhost(h);
  const char* port = PQport(h);
  const char* db = PQdb(h);
  database_id_ = std::string("postgres://") + (host ? host : "") + ":" + (port ? port : "") + "/" + (db ? db : "");
}

PgDb::~PgDb() { stores_.reset(); }

PgStores& PgDb::stores() {
  if (!stores_) stores_ = std::make_unique<PgStores>(*conn_);
  return *stores_;
}
AuditStore& PgDb::audit() { return stores().audit; }
CredentialStore& PgDb::credentials() { return stores().credentials; }
EventStore& PgDb::events() { return stores().events; }
FixtureStore& PgDb::fixtures() { return stores().fixtures; }
IdempotencyStore& PgDb::idempotency_keys() { return stores().idempotency_keys; }
IdentityStore& PgDb::identity() { return stores().identity; }
MemberStore& PgDb::members() { return stores().members; }
MetaStore& PgDb::meta() { return stores().meta; }
RecordStore& PgDb::records() { return stores().records; }
UsageStore& PgDb::usage() { return stores().usage; }
WebhookStore& PgDb::webhooks() { return stores().webhooks; }
WorkspaceStore& PgDb::workspaces() { return stores().workspaces; }

namespace {
bool pg_aborted(PgConn& c) { return PQtransactionStatus(c.handle()) == PQTRANS_INERROR; }
}  // namespace

bool PgDb::in_transaction() const {
  auto st = PQtransactionStatus(conn_->handle());
  return st == PQTRANS_INTRANS || st == PQTRANS_ACTIVE;
}

void PgDb::begin() {
  // A transaction an error aborted is over in all but name: end it before the next.
  if (conn_->in_transaction()) conn_->exec_script("ROLLBACK");
  conn_->exec_script("BEGIN ISOLATION LEVEL READ COMMITTED");
}

void PgDb::commit() {
  // COMMIT of a transaction that an error aborted ends it rolled back, and PostgreSQL answers
  // ROLLBACK rather than an error: never let that pass as a commit.
  if (pg_aborted(*conn_))
    throw PgError("25P02", "the transaction was aborted by an earlier error; nothing in it was committed");
  conn_->exec_script("COMMIT");
}

void PgDb::rollback() { conn_->exec_script("ROLLBACK"); }

void PgDb::set_group(bool on) {
  if (on && !in_group_ && conn_->in_transaction()) conn_->exec_script("SET LOCAL lock_timeout = '100ms'");
  in_group_ = on;
}

void PgDb::tx_begin(TxState& s) {
  s.savepoint = in_group_ || conn_->in_transaction();
  if (s.savepoint)
    conn_->exec_script("SAVEPOINT tx");
  else
    begin();
}

void PgDb::tx_commit(TxState& s) {
  if (s.savepoint)
    conn_->exec_script("RELEASE SAVEPOINT tx");  // fails in an aborted transaction: Tx then undoes it
  else
    commit();
}

void PgDb::tx_abandon(TxState& s) noexcept {
  try {
    if (!s.savepoint)
      conn_->exec_script("ROLLBACK");
    else if (conn_->in_transaction())
      conn_->exec_script("ROLLBACK TO SAVEPOINT tx; RELEASE SAVEPOINT tx");
  } catch (...) {
  }
}

bool PgDb::changed_since(ChangeMark& mark) {
  auto r = conn_->exec("SELECT pg_current_snapshot()::text");
  std::string snap = r.text(0, 0);
  ChangeMark now;
  now.taken = true;
  now.version = static_cast<std::int64_t>(std::hash<std::string>{}(snap));
  now.own_changes = static_cast<std::int64_t>(snap.size());
  bool changed = !mark.taken || now.version != mark.version || now.own_changes != mark.own_changes;
  mark = now;
  return changed;
}

PgBucketTake pg_take_rate_token(PgConn& conn, const std::string& workspace_id, double per_second, double burst) {
  // One statement: the bucket is refilled for the time since its last take, capped at the
  // burst, and a token taken when there is one. The row lock orders instances taking at once.
  auto r = conn.exec(
      "INSERT INTO slab5_worker.rate_buckets AS b (workspace_id, tokens, allowed, at) "
      "VALUES ($1, $3::float8 - 1, true, clock_timestamp()) "
      "ON CONFLICT (workspace_id) DO UPDATE SET "
      "allowed = least($3::float8, b.tokens + extract(epoch FROM clock_timestamp() - b.at)::float8 * $2::float8) >= 1, "
      "tokens = least($3::float8, b.tokens + extract(epoch FROM clock_timestamp() - b.at)::float8 * $2::float8) - "
      "CASE WHEN least($3::float8, b.tokens + extract(epoch FROM clock_timestamp() - b.at)::float8 * $2::float8) >= 1 "
      "THEN 1 ELSE 0 END, "
      "at = clock_timestamp() "
      "RETURNING allowed, tokens",
      workspace_id, std::to_string(per_second), std::to_string(burst));
  return PgBucketTake{.allowed = r.text(0, 0) == "t", .tokens = std::stod(r.text(0, 1))};
}

}  // namespace slab5d
