// The statements of store/sqlite/webhook_store.cpp in PostgreSQL's dialect.
//
// Several slab5d processes may share one database, each with its own delivery worker. Two
// things must then be done by one process only:
//
// - Sending a delivery. due_deliveries and due_delivery_of do not merely read: they claim the
//   deliveries they return, in the same statement (the worker calls them outside any
//   transaction and sends afterwards, so a row lock would be gone before the send). A claim
//   is a row of slab5_worker.delivery_claims (a table PostgreSQL's alone: SQLite's
//   webhook_deliveries stays as it is) naming this process and a lease, now + 120 s. The
//   deliveries are picked with FOR UPDATE SKIP LOCKED (and tested again on their newest
//   version), so that one another process is claiming at the same moment is skipped, not
//   waited for, and the claim is an INSERT … ON CONFLICT DO
//   UPDATE that takes over an existing claim only when it is this process's own or past its
//   lease. ON CONFLICT sees the newest committed claim whatever the statement's snapshot, and
//   two claims of one delivery serialize on its key: of two processes, one writes the claim
//   and the other gets no row back. So between its claim and the end of its lease, a delivery
//   is sent by one process; recording the attempt (update_delivery) ends the claim. Within a
//   process the worker itself hands each endpoint to one sender, as it does on SQLite, so the
//   process's own claims do not shut it out. An endpoint with a delivery under another
//   process's live claim is not handed out at all: one delivery at a time per endpoint across
//   processes too. A process that stops half-way leaves its deliveries to the others when the
//   lease ends (a send then may happen twice, which receivers tell by the webhook-id header).
// - Turning queued events into deliveries (release_queued_deliveries, in one transaction):
//   queued_events locks the outbox rows it returns (FOR UPDATE OF o SKIP LOCKED), so another
//   process's release skips them until this one commits, and then they are gone (unqueue). A
//   queued event becomes one delivery. queued_heads locks the endpoints it returns (FOR NO KEY
//   UPDATE SKIP LOCKED: writes that only reference an endpoint, such as queuing an event for
//   it, are not held up) so that two releases do not work on one endpoint at once.
//
// Ids compare byte by byte, as in SQLite (migration 1 gives them COLLATE "C"); JSON columns
// are TEXT, written and read back as on SQLite. SQLite's store keeps the active endpoints of
// a workspace for the rest of a transaction; here each call reads them.
#include "store/postgres/webhook_store.hpp"

#include <cstdio>
#include <random>

namespace slab5d {

using Json = nlohmann::json;

namespace {

constexpr const char* kEndpointColumns =
    "id, workspace_id, name, url, event_types, status, max_attempts, metadata, secret_sealed, "
    "previous_secret_sealed, previous_secret_expires_at, failed_deliveries_in_row, disabled_at, created_at, "
    "updated_at";

Json parse_or(const std::string& text, Json fallback) {
  auto j = Json::parse(text, nullptr, false);
  return j.is_discarded() ? fallback : j;
}

WebhookEndpoint endpoint_row(const PgResult& r, int i) {
  WebhookEndpoint e;
  e.id = r.text(i, 0);
  e.workspace_id = r.text(i, 1);
  e.name = r.text(i, 2);
  e.url = r.text(i, 3);
  auto types = parse_or(r.text(i, 4), Json::array());
  for (const auto& t : types)
    if (t.is_string()) e.event_types.push_back(t.get<std::string>());
  e.status = r.text(i, 5);
  e.max_attempts = int(r.integer(i, 6));
  if (!r.is_null(i, 7)) e.metadata = parse_or(r.text(i, 7), Json::object());
  e.secret_sealed = r.text(i, 8);
  e.previous_secret_sealed = r.opt_text(i, 9);
  e.previous_secret_expires_at = r.opt_integer(i, 10);
  e.failed_deliveries_in_row = int(r.integer(i, 11));
  e.disabled_at = r.opt_text(i, 12);
  e.created_at = r.text(i, 13);
  e.updated_at = r.text(i, 14);
  return e;
}

std::vector<WebhookEndpoint> endpoint_rows(const PgResult& r) {
  std::vector<WebhookEndpoint> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(endpoint_row(r, i));
  return out;
}

constexpr const char* kDeliveryColumns =
    "id, workspace_id, endpoint_id, event_id, status, attempt_count, max_attempts, next_attempt_at, "
    "last_status_code, last_error, last_response_body, attempts, created_at, updated_at";

WebhookDelivery delivery_row(const PgResult& r, int i) {
  WebhookDelivery d;
  d.id = r.text(i, 0);
  d.workspace_id = r.text(i, 1);
  d.endpoint_id = r.text(i, 2);
  d.event_id = r.text(i, 3);
  d.status = r.text(i, 4);
  d.attempt_count = int(r.integer(i, 5));
  d.max_attempts = int(r.integer(i, 6));
  d.next_attempt_at = r.opt_integer(i, 7);
  if (auto c = r.opt_integer(i, 8)) d.last_status_code = int(*c);
  d.last_error = r.opt_text(i, 9);
  d.last_response_body = r.opt_text(i, 10);
  d.attempts = parse_or(r.text(i, 11), Json::array());
  d.created_at = r.text(i, 12);
  d.updated_at = r.text(i, 13);
  return d;
}

std::optional<std::string> metadata_text(const WebhookEndpoint& e) {
  if (!e.metadata) return std::nullopt;
  return e.metadata->dump();
}

std::optional<std::int64_t> status_code(const WebhookDelivery& d) {
  return d.last_status_code ? std::optional<std::int64_t>(*d.last_status_code) : std::nullopt;
}

// LIMIT n, where SQLite reads a negative n as no limit and PostgreSQL refuses it.
std::optional<std::int64_t> limit_of(std::int64_t n) {
  if (n < 0) return std::nullopt;
  return n;
}

// A write run to its end; any constraint hit is `conflict`, as sqlite::run_checked makes it.
slab5::Status checked(const PgRun& r, const char* what) {
  if (!r.ok()) return slab5::fail("conflict", what);
  return {};
}

slab5::Status changed_one(const PgRun& r, const char* what, const char* noun, const std::string& id) {
  if (auto s = checked(r, what); !s) return s;
  if (r.affected() == 0) return slab5::fail("resource_not_found", std::string("No ") + noun + " " + id + ".");
  return {};
}

// No open delivery of the endpoint is under another claimant's live lease ($1 now, $2 claimant).
#define NOT_CLAIMED_BY_OTHERS(endpoint)                                                      \
  "NOT EXISTS (SELECT 1 FROM slab5_worker.delivery_claims c WHERE c.endpoint_id = " endpoint \
  " AND c.claimed_until > $1 AND c.claimed_by <> $2)"
// Claims the rows of `picked` (id, endpoint_id) for $2 until $1 + $4: those unclaimed, its own,
// or past their lease. A claim another transaction is writing makes this one wait for it and
// then see it (ON CONFLICT reads the newest row, not the statement's snapshot).
#define CLAIM_PICKED                                                                                  \
  "claimed AS (INSERT INTO slab5_worker.delivery_claims AS k (delivery_id, endpoint_id, claimed_by, " \
  "claimed_until) SELECT id, endpoint_id, $2, $1::bigint + $4::bigint FROM picked "                   \
  "ON CONFLICT (delivery_id) DO UPDATE SET claimed_by = EXCLUDED.claimed_by, "                        \
  "claimed_until = EXCLUDED.claimed_until WHERE k.claimed_until <= $1 OR k.claimed_by = $2 "          \
  "RETURNING k.delivery_id, k.endpoint_id) "

}  // namespace

const std::string& pg_delivery_claimant() {
  static const std::string name = [] {
    std::random_device rd;
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x%08x%08x%08x", rd(), rd(), rd(), rd());
    return std::string(buf);
  }();
  return name;
}

slab5::Status PgWebhookStore::insert_endpoint(const WebhookEndpoint& e) {
  auto r =
      conn_.run(std::string("INSERT INTO webhook_endpoints (") + kEndpointColumns +
                    ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)",
                e.id, e.workspace_id, e.name, e.url, Json(e.event_types).dump(), e.status, std::int64_t(e.max_attempts),
                metadata_text(e), e.secret_sealed, e.previous_secret_sealed, e.previous_secret_expires_at,
                std::int64_t(e.failed_deliveries_in_row), e.disabled_at, e.created_at, e.updated_at);
  return checked(r, "The webhook endpoint cannot be written: its id is taken.");
}

slab5::Result<std::optional<WebhookEndpoint>> PgWebhookStore::endpoint(const std::string& workspace_id,
                                                                       const std::string& id) {
  // Inside a transaction the endpoint is read to be changed from what is read (updated, its
  // secret rotated): locked until the transaction ends, so that a change another writer makes
  // at the same moment (the delivery worker disabling it) is not overwritten.
  auto r = conn_.exec(std::string("SELECT ") + kEndpointColumns +
                          " FROM webhook_endpoints WHERE id = $1 AND workspace_id = $2" +
                          (conn_.in_transaction() ? " FOR NO KEY UPDATE" : ""),
                      id, workspace_id);
  if (r.rows() == 0) return std::optional<WebhookEndpoint>{};
  return std::optional<WebhookEndpoint>{endpoint_row(r, 0)};
}

slab5::Result<std::optional<WebhookEndpoint>> PgWebhookStore::endpoint_by_id(const std::string& id) {
  auto r = conn_.exec(std::string("SELECT ") + kEndpointColumns + " FROM webhook_endpoints WHERE id = $1", id);
  if (r.rows() == 0) return std::optional<WebhookEndpoint>{};
  return std::optional<WebhookEndpoint>{endpoint_row(r, 0)};
}

slab5::Result<std::vector<WebhookEndpoint>> PgWebhookStore::list_endpoints(const std::string& workspace_id,
                                                                           const std::optional<std::string>& after,
                                                                           int limit) {
  auto r = conn_.exec(std::string("SELECT ") + kEndpointColumns +
                          " FROM webhook_endpoints WHERE workspace_id = $1 AND ($2::text IS NULL OR id < $2) "
                          "ORDER BY id DESC LIMIT $3",
                      workspace_id, after, limit_of(std::int64_t(limit) + 1));
  return endpoint_rows(r);
}

slab5::Result<std::vector<WebhookEndpoint>> PgWebhookStore::active_endpoints(const std::string& workspace_id) {
  // Not kept between calls, as SQLite's store does for a transaction: another process may
  // change the endpoints, and nothing here would tell.
  auto r = conn_.exec(std::string("SELECT ") + kEndpointColumns +
                          " FROM webhook_endpoints WHERE workspace_id = $1 AND status = 'active' ORDER BY id",
                      workspace_id);
  return endpoint_rows(r);
}

slab5::Status PgWebhookStore::update_endpoint(const WebhookEndpoint& e) {
  auto r = conn_.run(
      "UPDATE webhook_endpoints SET name = $1, url = $2, event_types = $3, status = $4, max_attempts = $5, "
      "metadata = $6, secret_sealed = $7, previous_secret_sealed = $8, previous_secret_expires_at = $9, "
      "failed_deliveries_in_row = $10, disabled_at = $11, updated_at = $12 WHERE id = $13 AND workspace_id = $14",
      e.name, e.url, Json(e.event_types).dump(), e.status, std::int64_t(e.max_attempts), metadata_text(e),
      e.secret_sealed, e.previous_secret_sealed, e.previous_secret_expires_at, std::int64_t(e.failed_deliveries_in_row),
      e.disabled_at, e.updated_at, e.id, e.workspace_id);
  return changed_one(r, "The webhook endpoint cannot be updated.", "webhook endpoint", e.id);
}

slab5::Status PgWebhookStore::delete_endpoint(const std::string& workspace_id, const std::string& id) {
  auto r = conn_.run("DELETE FROM webhook_endpoints WHERE id = $1 AND workspace_id = $2", id, workspace_id);
  return changed_one(r, "The webhook endpoint cannot be deleted.", "webhook endpoint", id);
}

slab5::Status PgWebhookStore::insert_delivery(const WebhookDelivery& d) {
  auto r = conn_.run(std::string("INSERT INTO webhook_deliveries (") + kDeliveryColumns +
                         ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)",
                     d.id, d.workspace_id, d.endpoint_id, d.event_id, d.status, std::int64_t(d.attempt_count),
                     std::int64_t(d.max_attempts), d.next_attempt_at, status_code(d), d.last_error,
                     d.last_response_body, d.attempts.dump(), d.created_at, d.updated_at);
  return checked(r, "The webhook delivery cannot be written: its id is taken.");
}

slab5::Result<std::optional<WebhookDelivery>> PgWebhookStore::delivery(const std::string& workspace_id,
                                                                       const std::string& id) {
  auto r = conn_.exec(
      std::string("SELECT ") + kDeliveryColumns + " FROM webhook_deliveries WHERE id = $1 AND workspace_id = $2", id,
      workspace_id);
  if (r.rows() == 0) return std::optional<WebhookDelivery>{};
  return std::optional<WebhookDelivery>{delivery_row(r, 0)};
}

slab5::Result<std::optional<WebhookDelivery>> PgWebhookStore::delivery_by_id(const std::string& id) {
  auto r = conn_.exec(std::string("SELECT ") + kDeliveryColumns + " FROM webhook_deliveries WHERE id = $1", id);
  if (r.rows() == 0) return std::optional<WebhookDelivery>{};
  return std::optional<WebhookDelivery>{delivery_row(r, 0)};
}

slab5::Result<std::vector<WebhookDelivery>> PgWebhookStore::list_deliveries(const DeliveryQuery& dq) {
  auto r = conn_.exec(std::string("SELECT ") + kDeliveryColumns +
                          " FROM webhook_deliveries WHERE workspace_id = $1 AND endpoint_id = $2 "
                          "AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR event_id = $4) "
                          "AND ($5::text IS NULL OR id < $5) ORDER BY id DESC LIMIT $6",
                      dq.workspace_id, dq.endpoint_id, dq.status, dq.event_id, dq.after,
                      limit_of(std::int64_t(dq.limit) + 1));
  std::vector<WebhookDelivery> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(delivery_row(r, i));
  return out;
}

slab5::Status PgWebhookStore::update_delivery(const WebhookDelivery& d) {
  // Recording an attempt (or any other change) ends the delivery's claim.
  auto r = conn_.run(
      "WITH changed AS (UPDATE webhook_deliveries SET status = $1, attempt_count = $2, max_attempts = $3, "
      "next_attempt_at = $4, last_status_code = $5, last_error = $6, last_response_body = $7, attempts = $8, "
      "updated_at = $9 WHERE id = $10 RETURNING id), "
      "unclaimed AS (DELETE FROM slab5_worker.delivery_claims WHERE delivery_id IN (SELECT id FROM changed)) "
      "SELECT id FROM changed",
      d.status, std::int64_t(d.attempt_count), std::int64_t(d.max_attempts), d.next_attempt_at, status_code(d),
      d.last_error, d.last_response_body, d.attempts.dump(), d.updated_at, d.id);
  return changed_one(r, "The webhook delivery cannot be updated.", "webhook delivery", d.id);
}

slab5::Result<std::vector<DueDelivery>> PgWebhookStore::due_deliveries(std::int64_t now, int limit) {
  // As on SQLite, one row per active endpoint: its oldest open delivery that is due, each
  // claimed (see the top of this file). `heads` leaves out the endpoints another process is
  // delivering to; `picked` locks the heads, skipping those another process is claiming now;
  // `claimed` writes the claims, and returns those it could write.
  auto r = conn_.exec(
      "WITH heads AS (SELECT (SELECT d.id FROM webhook_deliveries d WHERE d.endpoint_id = e.id "
      "AND d.status IN ('pending', 'retrying') AND d.next_attempt_at <= $1 ORDER BY d.id LIMIT 1) AS due_id "
      "FROM webhook_endpoints e WHERE e.status = 'active' AND " NOT_CLAIMED_BY_OTHERS("e.id") "), "
      "picked AS (SELECT d.id, d.endpoint_id FROM webhook_deliveries d JOIN heads h ON d.id = h.due_id "
      "WHERE d.status IN ('pending', 'retrying') AND d.next_attempt_at <= $1 ORDER BY d.id LIMIT $3 FOR UPDATE OF d SKIP LOCKED), " CLAIM_PICKED
      "SELECT delivery_id, endpoint_id FROM claimed ORDER BY delivery_id",
      now, claimant_, limit_of(limit), kPgDeliveryClaimMs);
  std::vector<DueDelivery> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back({r.text(i, 0), r.text(i, 1)});
  return out;
}

slab5::Result<std::optional<DueDelivery>> PgWebhookStore::due_delivery_of(const std::string& endpoint_id,
                                                                          std::int64_t now) {
  // The endpoint's oldest due delivery, claimed as due_deliveries claims (the top of this
  // file). When that one is being claimed by another process right now, none: not the next.
  auto r = conn_.exec(
      "WITH head AS (SELECT d.id FROM webhook_deliveries d WHERE d.endpoint_id = $3 "
      "AND d.status IN ('pending', 'retrying') AND d.next_attempt_at <= $1 ORDER BY d.id LIMIT 1), "
      "picked AS (SELECT d.id, d.endpoint_id FROM webhook_deliveries d JOIN head h ON d.id = h.id "
      "WHERE d.status IN ('pending', 'retrying') AND d.next_attempt_at <= $1 AND " NOT_CLAIMED_BY_OTHERS(
          "$3") " FOR UPDATE OF d SKIP LOCKED), " CLAIM_PICKED "SELECT delivery_id FROM claimed",
      now, claimant_, endpoint_id, kPgDeliveryClaimMs);
  if (r.rows() == 0) return std::optional<DueDelivery>{};
  return std::optional<DueDelivery>{DueDelivery{r.text(0, 0), endpoint_id}};
}

slab5::Status PgWebhookStore::queue_delivery(const std::string& endpoint_id, const std::string& event_id) {
  auto r = conn_.run("INSERT INTO webhook_outbox (endpoint_id, event_id) VALUES ($1, $2)", endpoint_id, event_id);
  return checked(r, "The webhook delivery cannot be queued: the event is queued for it already.");
}

slab5::Result<std::vector<QueuedHead>> PgWebhookStore::queued_heads(int open_limit, int min_room) {
  // The endpoints are locked until the caller's transaction ends (the top of this file);
  // those another transaction holds are left out.
  auto r = conn_.exec(
      "SELECT id, room FROM (SELECT e.id, $1::bigint - (SELECT count(*) FROM (SELECT 1 FROM webhook_deliveries d "
      "WHERE d.endpoint_id = e.id AND d.status IN ('pending', 'retrying') LIMIT $1) open) AS room "
      "FROM webhook_endpoints e WHERE EXISTS (SELECT 1 FROM webhook_outbox o WHERE o.endpoint_id = e.id) "
      "FOR NO KEY UPDATE OF e SKIP LOCKED) heads WHERE room >= $2 ORDER BY id",
      limit_of(open_limit), std::int64_t(min_room));
  std::vector<QueuedHead> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back({r.text(i, 0), int(r.integer(i, 1))});
  return out;
}

slab5::Result<std::vector<QueuedEvent>> PgWebhookStore::queued_events(const std::string& endpoint_id, int limit) {
  // Locked until the caller's transaction ends, skipped by any other (the top of this file).
  auto r = conn_.exec(
      "SELECT o.event_id, ev.created_at FROM webhook_outbox o JOIN webhook_endpoints e ON e.id = o.endpoint_id "
      "LEFT JOIN audit_events ev ON ev.workspace_id = e.workspace_id AND ev.id = 'aud_' || substr(o.event_id, 5) "
      "AND ev.event <> 0 "
      "WHERE o.endpoint_id = $1 ORDER BY o.event_id LIMIT $2 FOR UPDATE OF o SKIP LOCKED",
      endpoint_id, limit_of(limit));
  std::vector<QueuedEvent> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back({r.text(i, 0), r.opt_text(i, 1)});
  return out;
}

slab5::Status PgWebhookStore::unqueue(const std::string& endpoint_id, const std::string& event_id) {
  auto r = conn_.run("DELETE FROM webhook_outbox WHERE endpoint_id = $1 AND event_id = $2", endpoint_id, event_id);
  return checked(r, "The queued webhook delivery cannot be removed.");
}

namespace {
constexpr const char* kSourceColumns =
    "id, workspace_id, name, kind, activity_type, secret_sealed, created_at, updated_at";
WebhookSource source_row(const PgResult& r, int i) {
  return WebhookSource{.id = r.text(i, 0),
                       .workspace_id = r.text(i, 1),
                       .name = r.text(i, 2),
                       .kind = r.text(i, 3),
                       .activity_type = r.text(i, 4),
                       .secret_sealed = r.text(i, 5),
                       .created_at = r.text(i, 6),
                       .updated_at = r.text(i, 7)};
}
}  // namespace

slab5::Status PgWebhookStore::insert_source(const WebhookSource& s) {
  auto r =
      conn_.run(std::string("INSERT INTO webhook_sources (") + kSourceColumns + ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
                s.id, s.workspace_id, s.name, s.kind, s.activity_type, s.secret_sealed, s.created_at, s.updated_at);
  return checked(r, "The webhook source cannot be written: its id is taken.");
}

slab5::Result<std::optional<WebhookSource>> PgWebhookStore::source(const std::string& workspace_id,
                                                                   const std::string& id) {
  auto r =
      conn_.exec(std::string("SELECT ") + kSourceColumns + " FROM webhook_sources WHERE id = $1 AND workspace_id = $2",
                 id, workspace_id);
  if (r.rows() == 0) return std::optional<WebhookSource>{};
  return std::optional<WebhookSource>{source_row(r, 0)};
}

slab5::Result<std::optional<WebhookSource>> PgWebhookStore::source_by_id(const std::string& id) {
  auto r = conn_.exec(std::string("SELECT ") + kSourceColumns + " FROM webhook_sources WHERE id = $1", id);
  if (r.rows() == 0) return std::optional<WebhookSource>{};
  return std::optional<WebhookSource>{source_row(r, 0)};
}

slab5::Result<std::vector<WebhookSource>> PgWebhookStore::list_sources(const std::string& workspace_id,
                                                                       const std::optional<std::string>& after,
                                                                       int limit) {
  auto r = conn_.exec(std::string("SELECT ") + kSourceColumns +
                          " FROM webhook_sources WHERE workspace_id = $1 AND ($2::text IS NULL OR id < $2) "
                          "ORDER BY id DESC LIMIT $3",
                      workspace_id, after, limit_of(std::int64_t(limit) + 1));
  std::vector<WebhookSource> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(source_row(r, i));
  return out;
}

slab5::Status PgWebhookStore::delete_source(const std::string& workspace_id, const std::string& id) {
  auto r = conn_.run("DELETE FROM webhook_sources WHERE id = $1 AND workspace_id = $2", id, workspace_id);
  return changed_one(r, "The webhook source cannot be deleted.", "webhook source", id);
}

slab5::Result<bool> PgWebhookStore::claim_message(const std::string& source_id, const std::string& message_id,
                                                  std::int64_t now, std::int64_t horizon) {
  conn_.exec("DELETE FROM inbound_messages WHERE source_id = $1 AND received_at < $2", source_id, horizon);
  // Two claims of one id at once: the second waits for the first's transaction, then adds
  // nothing (or, when the first rolled back, adds it itself).
  auto r = conn_.run(
      "INSERT INTO inbound_messages (source_id, message_id, received_at) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING",
      source_id, message_id, now);
  // SQLite throws on any other constraint hit (an unknown source); so does this, leaving the
  // transaction usable as SQLite does.
  if (!r.ok())
    throw PgError(r.constraint == PgConstraint::ForeignKey ? std::string(sqlstate::kForeignKeyViolation) : "23000",
                  "remembering an inbound message id: the statement hit a constraint");
  return r.affected() == 1;
}

}  // namespace slab5d
