#include "store/sqlite/migrations.hpp"

#include "store/sqlite/auth_version.hpp"
#include "store/sqlite/record_store.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace slab5d {
namespace {

// Each entry is one schema version. Never edit a released entry; append a new one.
const std::vector<const char*> kMigrations = {
    // 1: the whole first schema.
    R"SQL(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE tenants (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL);

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  email TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name TEXT NOT NULL DEFAULT '',
  password_hash TEXT,                 -- PHC string; NULL for OAuth-only accounts
  email_verified_at TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL);

CREATE TABLE workspaces (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  slug TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  enabled_modules TEXT NOT NULL,      -- JSON array of module ids
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL);

CREATE TABLE memberships (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  joined_at TEXT NOT NULL,
  PRIMARY KEY (workspace_id, user_id));
CREATE INDEX memberships_user ON memberships(user_id);

CREATE TABLE invitations (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  email TEXT NOT NULL COLLATE NOCASE,
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
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,                 -- api_key | mcp_client
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  prefix TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,    -- SHA-256 hex of the whole token
  scopes TEXT NOT NULL,               -- JSON array
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  last_used_at TEXT,
  expires_at TEXT,
  revoked_at TEXT,
  created_by_type TEXT NOT NULL, created_by_id TEXT NOT NULL);
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
  email TEXT NOT NULL COLLATE NOCASE,
  at_ms INTEGER NOT NULL);
CREATE INDEX login_failures_email ON login_failures(email, at_ms);

-- The last verification-type mail per address (at most one per 60 s).
CREATE TABLE mail_throttle (
  email TEXT PRIMARY KEY COLLATE NOCASE,
  last_sent_ms INTEGER NOT NULL);

-- The development mailbox (GET /v1/dev/mail). Tokens in mail are the one place a
-- one-time secret is kept readable: it is what a real mailbox would hold.
CREATE TABLE mail (
  id TEXT PRIMARY KEY,
  to_addr TEXT NOT NULL COLLATE NOCASE,
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
  active INTEGER NOT NULL DEFAULT 1);

-- Append-only: no route updates or deletes rows; kept when a workspace is deleted.
CREATE TABLE audit_events (
  id TEXT PRIMARY KEY,
  workspace_id TEXT,
  tenant_id TEXT,
  action TEXT NOT NULL,
  actor_type TEXT NOT NULL, actor_id TEXT NOT NULL,
  target_type TEXT NOT NULL DEFAULT '', target_id TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL DEFAULT 'api',
  route TEXT NOT NULL DEFAULT '',
  status INTEGER NOT NULL DEFAULT 0,
  request_id TEXT NOT NULL DEFAULT '',
  correlation_id TEXT NOT NULL DEFAULT '',
  ip TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT '',
  input_hash TEXT NOT NULL DEFAULT '',
  before_json TEXT, after_json TEXT,
  created_at TEXT NOT NULL);
CREATE INDEX audit_ws ON audit_events(workspace_id, id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_events
  BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_events
  BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;

CREATE TABLE usage_events (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  credential_type TEXT NOT NULL, credential_id TEXT NOT NULL,
  route TEXT NOT NULL,
  status INTEGER NOT NULL,
  units INTEGER NOT NULL DEFAULT 1,
  kind TEXT NOT NULL,
  request_id TEXT NOT NULL,
  created_at TEXT NOT NULL);
CREATE INDEX usage_ws ON usage_events(workspace_id, id);

CREATE TABLE idempotency_keys (
  credential_id TEXT NOT NULL,
  route TEXT NOT NULL,
  key TEXT NOT NULL,
  body_hash TEXT NOT NULL,
  status INTEGER NOT NULL DEFAULT 0,  -- 0 while the first request is still running
  response TEXT,
  created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (credential_id, route, key));
)SQL",
    // 2: usage events clustered by (workspace_id, id) in one b-tree. Every authenticated
    // request writes one; the rowid table, its id index and the workspace index made each
    // insert three b-tree updates, now one. Ids stay unique (ULIDs); reads were already by
    // workspace and id.
    R"SQL(
CREATE TABLE usage_events_v2 (
  id TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  credential_type TEXT NOT NULL, credential_id TEXT NOT NULL,
  route TEXT NOT NULL,
  status INTEGER NOT NULL,
  units INTEGER NOT NULL DEFAULT 1,
  kind TEXT NOT NULL,
  request_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (workspace_id, id)) WITHOUT ROWID;
INSERT INTO usage_events_v2 (id, workspace_id, credential_type, credential_id, route, status, units, kind, request_id,
                             created_at)
  SELECT id, workspace_id, credential_type, credential_id, route, status, units, kind, request_id, created_at
  FROM usage_events;
DROP TABLE usage_events;
ALTER TABLE usage_events_v2 RENAME TO usage_events;
)SQL",
    // 3: a rotated credential remembers its replacement (its expiry may no longer move; the
    // replacement is read back from the audit trail for keys rotated before), and the dev
    // mailbox keeps no token in clear: new rows are sealed under the KEK (domain/kek.hpp),
    // older rows lose token, link and body (overwritten, not left in free pages).
    R"SQL(
ALTER TABLE credentials ADD COLUMN replaced_by TEXT;
UPDATE credentials SET replaced_by = (
  SELECT json_extract(a.after_json, '$.replacement.id') FROM audit_events a
  WHERE a.action = credentials.kind || '.rotated' AND a.target_id = credentials.id
  ORDER BY a.created_at DESC, a.id DESC LIMIT 1);
PRAGMA secure_delete = ON;
UPDATE mail SET token = '', link = '', body = '' WHERE token <> '' OR link <> '' OR body <> '';
)SQL",
    // 4: the event log, written in the transaction of the change it describes (the outbox
    // that GET /v1/events and webhook deliveries read); kept 30 days.
    R"SQL(
CREATE TABLE events (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  previous TEXT,
  request_id TEXT,
  created_at TEXT NOT NULL);
CREATE INDEX events_by_workspace ON events(workspace_id, id);
CREATE INDEX events_by_type ON events(workspace_id, type, id);
)SQL",
    // 5: webhook endpoints and their deliveries (api.md §8.3). A delivery row is written in
    // the transaction of its event (the durable outbox); the worker reads the due ones by
    // (status, next_attempt_at). Secrets are sealed under the KEK, never kept in clear.
    R"SQL(
CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  url TEXT NOT NULL,
  event_types TEXT NOT NULL,
  status TEXT NOT NULL,
  max_attempts INTEGER NOT NULL,
  metadata TEXT,
  secret_sealed TEXT NOT NULL,
  previous_secret_sealed TEXT,
  previous_secret_expires_at INTEGER,
  failed_deliveries_in_row INTEGER NOT NULL DEFAULT 0,
  disabled_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL);
CREATE INDEX webhook_endpoints_by_workspace ON webhook_endpoints(workspace_id, status, id);
CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_id TEXT NOT NULL,
  status TEXT NOT NULL,
  attempt_count INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  next_attempt_at INTEGER,
  last_status_code INTEGER,
  last_error TEXT,
  last_response_body TEXT,
  attempts TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status IN ('pending', 'retrying');
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries(endpoint_id, id);
CREATE TABLE webhook_sources (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  activity_type TEXT NOT NULL,
  secret_sealed TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL);
CREATE INDEX webhook_sources_by_workspace ON webhook_sources(workspace_id, id);
CREATE TABLE inbound_messages (
  source_id TEXT NOT NULL REFERENCES webhook_sources(id) ON DELETE CASCADE,
  message_id TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (source_id, message_id));
)SQL",
    // The head of each endpoint's line: its oldest open delivery, found without walking the
    // deliveries it has already made (due_deliveries).
    R"SQL(
CREATE INDEX webhook_deliveries_open ON webhook_deliveries(endpoint_id, id) WHERE status IN ('pending', 'retrying');
)SQL",
    // The due-time index found the next delivery to send before webhook_deliveries_open did;
    // nothing reads it since, and every delivery written paid for it.
    R"SQL(
DROP INDEX IF EXISTS webhook_deliveries_due;
)SQL",
    // 8: the webhook outbox. A write matches its event against the active endpoints in its
    // own transaction, as before, but records each match as one small row here instead of a
    // delivery row with its three indexes; the delivery worker turns the oldest queued events
    // of each endpoint into deliveries as it gets to them (webhooks.md). Clustered by endpoint,
    // oldest event first, so both the write and the worker's read touch one place.
    R"SQL(
CREATE TABLE webhook_outbox (
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_id TEXT NOT NULL,
  PRIMARY KEY (endpoint_id, event_id)) WITHOUT ROWID;
)SQL",
    // 9: audit rows and events lose the key on `id` alone. Every read names the workspace, so
    // (workspace_id, id) finds a row; the key on id was one more b-tree that every write paid
    // for (a new page for it in most group commits). That index is now the unique one: an id
    // taken in the workspace is still refused (ids are ULIDs made by this server, so none is
    // taken in another). Rows keep their rowid, so the order of writing is unchanged.
    R"SQL(
CREATE TABLE audit_events_v9 (
  id TEXT NOT NULL,
  workspace_id TEXT,
  tenant_id TEXT,
  action TEXT NOT NULL,
  actor_type TEXT NOT NULL, actor_id TEXT NOT NULL,
  target_type TEXT NOT NULL DEFAULT '', target_id TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL DEFAULT 'api',
  route TEXT NOT NULL DEFAULT '',
  status INTEGER NOT NULL DEFAULT 0,
  request_id TEXT NOT NULL DEFAULT '',
  correlation_id TEXT NOT NULL DEFAULT '',
  ip TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT '',
  input_hash TEXT NOT NULL DEFAULT '',
  before_json TEXT, after_json TEXT,
  created_at TEXT NOT NULL);
INSERT INTO audit_events_v9 (rowid, id, workspace_id, tenant_id, action, actor_type, actor_id, target_type, target_id,
                             source, route, status, request_id, correlation_id, ip, user_agent, input_hash,
                             before_json, after_json, created_at)
  SELECT rowid, id, workspace_id, tenant_id, action, actor_type, actor_id, target_type, target_id, source, route,
         status, request_id, correlation_id, ip, user_agent, input_hash, before_json, after_json, created_at
  FROM audit_events;
DROP TABLE audit_events;
ALTER TABLE audit_events_v9 RENAME TO audit_events;
CREATE UNIQUE INDEX audit_ws ON audit_events(workspace_id, id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_events
  BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_events
  BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;

CREATE TABLE events_v9 (
  id TEXT NOT NULL,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  previous TEXT,
  request_id TEXT,
  created_at TEXT NOT NULL);
INSERT INTO events_v9 (rowid, id, workspace_id, type, data, previous, request_id, created_at)
  SELECT rowid, id, workspace_id, type, data, previous, request_id, created_at FROM events;
DROP TABLE events;
ALTER TABLE events_v9 RENAME TO events;
CREATE UNIQUE INDEX events_by_workspace ON events(workspace_id, id);
CREATE INDEX events_by_type ON events(workspace_id, type, id);
)SQL",
    // 10: a change's event, and the usage event of the call that made it, are columns of the
    // change's audit row instead of rows of their own (docs/server.md, "One row per change").
    // A write of a record paid for six b-trees to record it (the audit row and its index, the
    // event and its two indexes, the usage row); it now pays for three, and the object after
    // the change is stored once instead of twice. The event of an audit row has the audit
    // row's id with "evt_" for "aud_", its usage event "use_". Events that are not a change's
    // (a webhook's test event) and every event written before are rows of their own in the
    // same table, with `audited` 0: the audit log does not show them, and they may be deleted
    // (with their workspace). Usage events of calls that changed nothing, and the other kinds,
    // are rows of usage_event_rows. The views `events` and `usage_events` show every event and
    // every usage event as the tables of those names did, and take INSERTs, for other programs
    // reading or writing the file.
    R"SQL(
ALTER TABLE audit_events ADD COLUMN audited INTEGER NOT NULL DEFAULT 1;
ALTER TABLE audit_events ADD COLUMN event INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit_events ADD COLUMN event_previous TEXT;
ALTER TABLE audit_events ADD COLUMN usage_credential_type TEXT;
ALTER TABLE audit_events ADD COLUMN usage_credential_id TEXT;
INSERT INTO audit_events (id, workspace_id, action, actor_type, actor_id, request_id, after_json, created_at,
                          audited, event, event_previous)
  SELECT 'aud_' || substr(id, 5), workspace_id, type, '', '', coalesce(request_id, ''), data, created_at, 0, 1, previous
  FROM events ORDER BY rowid;
DROP TABLE events;
CREATE INDEX audit_by_action ON audit_events(workspace_id, action, id);
DROP TRIGGER audit_no_delete;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_events WHEN OLD.audited
  BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE VIEW events (id, workspace_id, type, data, previous, request_id, created_at) AS
  SELECT 'evt_' || substr(id, 5), workspace_id, action, coalesce(after_json, before_json, '{}'), event_previous,
         request_id, created_at
  FROM audit_events WHERE event;
CREATE TRIGGER events_insert INSTEAD OF INSERT ON events
BEGIN
  SELECT RAISE(ABORT, 'an event id starts with evt_') WHERE NEW.id IS NULL OR substr(NEW.id, 1, 4) <> 'evt_';
  SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: no such workspace')
    WHERE NOT EXISTS (SELECT 1 FROM workspaces WHERE id = NEW.workspace_id);
  INSERT INTO audit_events (id, workspace_id, action, actor_type, actor_id, request_id, after_json, created_at,
                            audited, event, event_previous)
    VALUES ('aud_' || substr(NEW.id, 5), NEW.workspace_id, NEW.type, '', '', coalesce(NEW.request_id, ''), NEW.data,
            NEW.created_at, 0, 1, NEW.previous);
END;
ALTER TABLE usage_events RENAME TO usage_event_rows;
CREATE VIEW usage_events (id, workspace_id, credential_type, credential_id, route, status, units, kind, request_id,
                          created_at) AS
  SELECT id, workspace_id, credential_type, credential_id, route, status, units, kind, request_id, created_at
  FROM usage_event_rows
  UNION ALL
  SELECT 'use_' || substr(id, 5), workspace_id, usage_credential_type, usage_credential_id, route, status, 1,
         'api_request', request_id, created_at
  FROM audit_events WHERE usage_credential_id IS NOT NULL;
CREATE TRIGGER usage_events_insert INSTEAD OF INSERT ON usage_events
BEGIN
  INSERT INTO usage_event_rows (id, workspace_id, credential_type, credential_id, route, status, units, kind,
                                request_id, created_at)
    VALUES (NEW.id, NEW.workspace_id, NEW.credential_type, NEW.credential_id, NEW.route, NEW.status,
            coalesce(NEW.units, 1), NEW.kind, NEW.request_id, NEW.created_at);
END;
)SQL",
};

}  // namespace

int latest_schema_version() { return int(kMigrations.size()); }

int schema_version(Db& db) {
  auto q = db.query("PRAGMA user_version");
  q.next();
  return int(q.integer(0));
}

namespace {
void refuse_newer(Db& db, int version) {
  if (version > latest_schema_version())
    throw std::runtime_error("the database " + db.path() + " has schema version " + std::to_string(version) +
                             ", newer than this slab5d understands (" + std::to_string(latest_schema_version()) +
                             "); use a newer slab5d");
}
}  // namespace

MigrationOutcome migrate(Db& db, int target) {
  if (target < 0 || target > latest_schema_version()) target = latest_schema_version();
  MigrationOutcome out;
  out.from = schema_version(db);
  refuse_newer(db, out.from);
  // Each step re-reads the version under the write lock, so several processes starting
  // on one new file apply every migration exactly once.
  for (;;) {
    Tx tx(db);
    int v = schema_version(db);
    refuse_newer(db, v);
    if (v >= target) break;
    if (v == 0) {
      auto q = db.query("SELECT count(*) FROM sqlite_schema");
      q.next();
      if (q.integer(0) != 0)
        throw std::runtime_error("the database " + db.path() +
                                 " has tables but no slab5 schema version; refusing to touch it");
      out.created = true;
    }
    db.exec(kMigrations[std::size_t(v)]);
    db.exec("PRAGMA user_version = " + std::to_string(v + 1));
    tx.commit();
  }
  out.to = std::max(out.from, target);
  // The app-plane tables follow the resource table (store/sqlite/record_store.hpp).
  if (out.to == latest_schema_version()) {
    sync_record_tables(db);
    sync_auth_version(db);  // after: the triggers follow the tables as they now are
  }
  return out;
}

}  // namespace slab5d
