#include "store/postgres/migrations.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "store/postgres/record_schema.hpp"

namespace slab5d {
namespace {

struct PgMigration {
  int sqlite_version;  // the SQLite schema version this one brings the database level with
  const char* sql;
};

// Each entry is one schema version. Never edit a released entry; append a new one. Table,
// column and index names are SQLite's, so that each store is ported line by line. Types:
// TEXT stays TEXT (times too: RFC 3339 strings that sort as text), INTEGER becomes BIGINT,
// a flag BOOLEAN, a JSON document read back whole JSONB, and COLLATE NOCASE is CITEXT.
// SQLite's text-index queue (text_index_pending) and FTS5 tables have no counterpart: an
// app-plane table keeps its text index in a generated tsvector column (record_schema.hpp).
const std::vector<PgMigration> kPgMigrations = {
    // 1: the schema of SQLite version 8.
    {8, R"SQL(
CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- The words of a text as the app-plane text indexes see them (record_schema.hpp): diacritics
-- removed, split at ASCII punctuation and spaces, as SQLite's FTS5 tables (unicode61,
-- remove_diacritics 2) and fts_query split them. SQL-standard bodies: their references are
-- bound when they are created, whatever the search_path of a later caller.
CREATE FUNCTION slab5_text_words(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN regexp_replace(unaccent('unaccent'::regdictionary, t), '[\x01-\x2F\x3A-\x40\x5B-\x60\x7B-\x7F]+', ' ', 'g');
-- "jan doe" → 'jan':* & 'doe':* (prefix matches of whole words); NULL when the text holds none.
CREATE FUNCTION slab5_text_query(t text) RETURNS tsquery LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN (SELECT to_tsquery('simple'::regconfig, string_agg(quote_literal(w) || ':*', ' & '))
          FROM regexp_split_to_table(slab5_text_words(t), ' ') AS w WHERE w <> '');

CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE tenants (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL);

-- The ids and times that the control-plane stores order or compare as ranges (users,
-- workspaces, memberships, credentials, audit and usage events) are COLLATE "C": byte order,
-- as SQLite compares TEXT, whatever the database's locale.
CREATE TABLE users (
  id TEXT COLLATE "C" PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  email CITEXT NOT NULL UNIQUE,
  name TEXT NOT NULL DEFAULT '',
  password_hash TEXT,                 -- PHC string; NULL for OAuth-only accounts
  email_verified_at TEXT,
  created_at TEXT COLLATE "C" NOT NULL, updated_at TEXT NOT NULL);

CREATE TABLE workspaces (
  id TEXT COLLATE "C" PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  slug TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  enabled_modules JSONB NOT NULL,     -- array of module ids
  created_at TEXT COLLATE "C" NOT NULL, updated_at TEXT NOT NULL);

CREATE TABLE memberships (
  workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  joined_at TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (workspace_id, user_id));
CREATE INDEX memberships_user ON memberships(user_id);

CREATE TABLE invitations (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  email CITEXT NOT NULL,
  role TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  invited_by_type TEXT NOT NULL DEFAULT 'user',   -- user | api_key
  invited_by TEXT,
  status TEXT NOT NULL DEFAULT 'pending',   -- pending | accepted | revoked
  expires_at TEXT NOT NULL,
  created_at TEXT NOT NULL,
  accepted_at TEXT);
CREATE INDEX invitations_ws ON invitations(workspace_id, id);

-- API keys and MCP clients share one table; kind tells them apart.
CREATE TABLE credentials (
  id TEXT COLLATE "C" PRIMARY KEY,
  kind TEXT NOT NULL,                 -- api_key | mcp_client
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  prefix TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,    -- SHA-256 hex of the whole token
  scopes JSONB NOT NULL,              -- array
  created_at TEXT COLLATE "C" NOT NULL, updated_at TEXT NOT NULL,
  last_used_at TEXT,
  expires_at TEXT COLLATE "C",
  revoked_at TEXT,
  created_by_type TEXT NOT NULL, created_by_id TEXT NOT NULL,
  replaced_by TEXT);                  -- the credential a rotation replaced this one with
CREATE INDEX credentials_ws ON credentials(workspace_id, kind, id);

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  workspace_id TEXT,
  refresh_hash TEXT UNIQUE,           -- SHA-256 hex of the current refresh token
  created_at TEXT NOT NULL, last_used_at TEXT,
  expires_at TEXT NOT NULL,           -- refresh lifetime
  revoked_at TEXT,
  user_agent TEXT NOT NULL DEFAULT '', ip TEXT NOT NULL DEFAULT '');
CREATE INDEX sessions_user ON sessions(user_id);

-- Rotated-away refresh tokens, kept to detect reuse.
CREATE TABLE used_refresh_tokens (
  token_hash TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  used_at TEXT NOT NULL);

CREATE TABLE email_tokens (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,                 -- verify_email
  expires_at TEXT NOT NULL,
  used_at TEXT,
  created_at TEXT NOT NULL);

CREATE TABLE login_failures (
  email CITEXT NOT NULL,
  at_ms BIGINT NOT NULL);
CREATE INDEX login_failures_email ON login_failures(email, at_ms);

-- The last verification-type mail per address (at most one per 60 s).
CREATE TABLE mail_throttle (
  email CITEXT PRIMARY KEY,
  last_sent_ms BIGINT NOT NULL);

-- The development mailbox (GET /v1/dev/mail); tokens, links and bodies are sealed under the
-- KEK (domain/kek.hpp), never kept in clear.
CREATE TABLE mail (
  id TEXT PRIMARY KEY,
  to_addr CITEXT NOT NULL,
  subject TEXT NOT NULL,
  kind TEXT NOT NULL,
  token TEXT NOT NULL DEFAULT '',
  link TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL);

CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  alg TEXT NOT NULL,
  private_key TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  created_at TEXT NOT NULL,
  active BOOLEAN NOT NULL DEFAULT true);

-- Append-only: no route updates or deletes rows; kept when a workspace is deleted.
CREATE TABLE audit_events (
  id TEXT COLLATE "C" PRIMARY KEY,
  workspace_id TEXT,
  tenant_id TEXT,
  action TEXT NOT NULL,
  actor_type TEXT NOT NULL, actor_id TEXT NOT NULL,
  target_type TEXT NOT NULL DEFAULT '', target_id TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL DEFAULT 'api',
  route TEXT NOT NULL DEFAULT '',
  status BIGINT NOT NULL DEFAULT 0,
  request_id TEXT NOT NULL DEFAULT '',
  correlation_id TEXT NOT NULL DEFAULT '',
  ip TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT '',
  input_hash TEXT NOT NULL DEFAULT '',
  -- TEXT, not JSONB: the documents are a record's text as the answer carried it, and JSONB
  -- refuses a \u0000 inside a string that a record may hold (SQLSTATE 22P05).
  before_json TEXT, after_json TEXT,
  created_at TEXT COLLATE "C" NOT NULL);
CREATE INDEX audit_ws ON audit_events(workspace_id, id);
-- SQLSTATE 23000 (a constraint class): a write refused here is a constraint hit, as SQLite's
-- RAISE(ABORT) is.
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = '23000';
END $$;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

-- Clustered by (workspace_id, id) in SQLite (WITHOUT ROWID); the primary key here.
CREATE TABLE usage_events (
  id TEXT COLLATE "C" NOT NULL,
  workspace_id TEXT NOT NULL,
  credential_type TEXT NOT NULL, credential_id TEXT COLLATE "C" NOT NULL,
  route TEXT COLLATE "C" NOT NULL,
  status BIGINT NOT NULL,
  units BIGINT NOT NULL DEFAULT 1,
  kind TEXT COLLATE "C" NOT NULL,
  request_id TEXT NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (workspace_id, id));

CREATE TABLE idempotency_keys (
  credential_id TEXT NOT NULL,
  route TEXT NOT NULL,
  key TEXT NOT NULL,
  body_hash TEXT NOT NULL,
  status BIGINT NOT NULL DEFAULT 0,   -- 0 while the first request is still running
  response TEXT,                      -- the answer replayed byte for byte
  created_at_ms BIGINT NOT NULL,
  PRIMARY KEY (credential_id, route, key));

-- The event log, written in the transaction of the change it describes; kept 30 days.
-- Ids, types and times compare byte by byte, as in SQLite ("after" an id, a "deal.*" prefix);
-- data and previous are kept as written (TEXT: JSONB would refuse a "\u0000" in a string).
CREATE TABLE events (
  id TEXT COLLATE "C" PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  type TEXT COLLATE "C" NOT NULL,
  data TEXT NOT NULL,
  previous TEXT,
  request_id TEXT,
  created_at TEXT COLLATE "C" NOT NULL);
CREATE INDEX events_by_workspace ON events(workspace_id, id);
CREATE INDEX events_by_type ON events(workspace_id, type, id);

-- Webhook endpoints and their deliveries (api.md §8.3). Secrets are sealed under the KEK.
-- Ids compare byte by byte, as in SQLite; JSON is kept as written (TEXT), as in events.
CREATE TABLE webhook_endpoints (
  id TEXT COLLATE "C" PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  url TEXT NOT NULL,
  event_types TEXT NOT NULL,
  status TEXT NOT NULL,
  max_attempts BIGINT NOT NULL,
  metadata TEXT,
  secret_sealed TEXT NOT NULL,
  previous_secret_sealed TEXT,
  previous_secret_expires_at BIGINT,
  failed_deliveries_in_row BIGINT NOT NULL DEFAULT 0,
  disabled_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL);
CREATE INDEX webhook_endpoints_by_workspace ON webhook_endpoints(workspace_id, status, id);
CREATE TABLE webhook_deliveries (
  id TEXT COLLATE "C" PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  endpoint_id TEXT COLLATE "C" NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_id TEXT COLLATE "C" NOT NULL,
  status TEXT NOT NULL,
  attempt_count BIGINT NOT NULL DEFAULT 0,
  max_attempts BIGINT NOT NULL,
  next_attempt_at BIGINT,
  last_status_code BIGINT,
  last_error TEXT,
  last_response_body TEXT,
  attempts TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL);
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries(endpoint_id, id);
-- The head of each endpoint's line: its oldest open delivery.
CREATE INDEX webhook_deliveries_open ON webhook_deliveries(endpoint_id, id) WHERE status IN ('pending', 'retrying');
CREATE TABLE webhook_sources (
  id TEXT COLLATE "C" PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  activity_type TEXT NOT NULL,
  secret_sealed TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL);
CREATE INDEX webhook_sources_by_workspace ON webhook_sources(workspace_id, id);
CREATE TABLE inbound_messages (
  source_id TEXT COLLATE "C" NOT NULL REFERENCES webhook_sources(id) ON DELETE CASCADE,
  message_id TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  PRIMARY KEY (source_id, message_id));
-- The webhook outbox: one row per (endpoint, event) match, oldest event first per endpoint.
CREATE TABLE webhook_outbox (
  endpoint_id TEXT COLLATE "C" NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_id TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (endpoint_id, event_id));
-- PostgreSQL's alone, so in a schema of its own beside SQLite's tables: which slab5d process
-- is sending a delivery, and until when (ms) it is its own, when several share the database
-- (store/postgres/webhook_store.cpp). A claim ends with its delivery's next update.
CREATE SCHEMA slab5_worker;
CREATE TABLE slab5_worker.delivery_claims (
  delivery_id TEXT COLLATE "C" PRIMARY KEY REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
  endpoint_id TEXT COLLATE "C" NOT NULL,
  claimed_by TEXT NOT NULL,
  claimed_until BIGINT NOT NULL);
CREATE INDEX delivery_claims_by_endpoint ON slab5_worker.delivery_claims(endpoint_id, claimed_until);
)SQL"},
    // 2: the rate-limit buckets every instance takes from (pg_take_rate_token, pg_db.cpp).
    {8, R"SQL(
-- Each workspace's rate-limit bucket (api.md §1), shared by every instance. Unlogged: a
-- crash forgets the buckets (they start full again) and no request waits for a WAL flush.
CREATE UNLOGGED TABLE slab5_worker.rate_buckets (
  workspace_id TEXT COLLATE "C" PRIMARY KEY,
  tokens DOUBLE PRECISION NOT NULL,
  allowed BOOLEAN NOT NULL,
  at TIMESTAMPTZ NOT NULL);
)SQL"},
    // 3: as SQLite's version 9, audit rows and events are found by (workspace_id, id), now the
    // unique index; the key on id alone goes, and with it one index write per change.
    {9, R"SQL(
ALTER TABLE audit_events DROP CONSTRAINT audit_events_pkey;
DROP INDEX audit_ws;
CREATE UNIQUE INDEX audit_ws ON audit_events(workspace_id, id);
ALTER TABLE events DROP CONSTRAINT events_pkey;
DROP INDEX events_by_workspace;
CREATE UNIQUE INDEX events_by_workspace ON events(workspace_id, id);
)SQL"},
    // 4: as SQLite's version 10, a change's event (and, on SQLite, its call's usage event) are
    // columns of its audit row; events that are no change's are rows with `audited` 0. Usage
    // events are rows of usage_event_rows (PostgreSQL keeps every one there). The views
    // `events` and `usage_events` show them as the tables of those names did.
    {10, R"SQL(
ALTER TABLE audit_events
  ADD COLUMN audited INTEGER NOT NULL DEFAULT 1,
  ADD COLUMN event INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN event_previous TEXT,
  ADD COLUMN usage_credential_type TEXT,
  ADD COLUMN usage_credential_id TEXT,
  ALTER COLUMN action TYPE TEXT COLLATE "C";
INSERT INTO audit_events (id, workspace_id, action, actor_type, actor_id, request_id, after_json, created_at,
                          audited, event, event_previous)
  SELECT 'aud_' || substr(id, 5), workspace_id, type, '', '', coalesce(request_id, ''), data, created_at, 0, 1, previous
  FROM events ORDER BY id;
DROP TABLE events;
CREATE INDEX audit_by_action ON audit_events(workspace_id, action, id);
DROP TRIGGER audit_no_delete ON audit_events;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_events
  FOR EACH ROW WHEN (OLD.audited <> 0) EXECUTE FUNCTION audit_events_append_only();
ALTER TABLE usage_events RENAME TO usage_event_rows;
CREATE VIEW events (id, workspace_id, type, data, previous, request_id, created_at) AS
  SELECT 'evt_' || substr(id, 5), workspace_id, action, coalesce(after_json, before_json, '{}'), event_previous,
         request_id, created_at
  FROM audit_events WHERE event <> 0;
CREATE VIEW usage_events (id, workspace_id, credential_type, credential_id, route, status, units, kind, request_id,
                          created_at) AS
  SELECT id, workspace_id, credential_type, credential_id, route, status, units, kind, request_id, created_at
  FROM usage_event_rows
  UNION ALL
  SELECT 'use_' || substr(id, 5), workspace_id, usage_credential_type, usage_credential_id, route, status, 1,
         'api_request', request_id, created_at
  FROM audit_events WHERE usage_credential_id IS NOT NULL;
)SQL"},
};

void pg_refuse_newer(int version) {
  if (version > pg_latest_schema_version())
    throw std::runtime_error("the PostgreSQL database has schema version " + std::to_string(version) +
                             ", newer than this slab5d understands (" + std::to_string(pg_latest_schema_version()) +
                             "); use a newer slab5d");
}

constexpr const char* kPgVersionTableSql =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())";

}  // namespace

int pg_latest_schema_version() { return int(kPgMigrations.size()); }
int pg_matching_sqlite_version() { return kPgMigrations.back().sqlite_version; }

int pg_schema_version(PgConn& conn) {
  auto exists = conn.exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
  if (!exists.boolean(0, 0)) return 0;
  auto v = conn.exec("SELECT coalesce(max(version), 0) FROM schema_migrations");
  return int(v.integer(0, 0));
}

PgMigrationOutcome pg_migrate(PgConn& conn, int target) {
  if (target < 0 || target > pg_latest_schema_version()) target = pg_latest_schema_version();
  PgMigrationOutcome out;
  out.from = pg_schema_version(conn);
  pg_refuse_newer(out.from);
  bool first = true;
  // Each step re-reads the version once it holds the lock, so that processes starting at once
  // on one database apply every migration exactly once. READ COMMITTED: each statement after
  // the lock sees what the process that held it before committed.
  for (;;) {
    PgTx tx(conn, PgIsolation::ReadCommitted);
    (void)conn.exec("SELECT pg_advisory_xact_lock($1)", kPgMigrationLock);
    int v = pg_schema_version(conn);
    if (first) out.from = v;  // another process may have migrated while this one waited
    first = false;
    pg_refuse_newer(v);
    if (v >= target) break;
    if (v == 0) {
      auto tables = conn.exec(
          "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'");
      if (tables.integer(0, 0) != 0)
        throw std::runtime_error(
            "the PostgreSQL database has tables but no slab5 schema version; refusing to touch it");
      out.created = true;
      conn.exec_script(kPgVersionTableSql);
    }
    conn.exec_script(kPgMigrations[std::size_t(v)].sql);
    (void)conn.exec("INSERT INTO schema_migrations (version) VALUES ($1)", v + 1);
    tx.commit();
  }
  out.to = std::max(out.from, target);
  // The app-plane tables follow the resource table (record_schema.hpp).
  if (out.to == pg_latest_schema_version()) pg_sync_record_tables(conn);
  return out;
}

}  // namespace slab5d
