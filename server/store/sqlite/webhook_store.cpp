#include "store/sqlite/webhook_store.hpp"

#include <atomic>
#include <unordered_map>

#include "store/sqlite/checked.hpp"

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

WebhookEndpoint endpoint_row(const Query& q) {
  WebhookEndpoint e;
  e.id = q.text(0);
  e.workspace_id = q.text(1);
  e.name = q.text(2);
  e.url = q.text(3);
  auto types = parse_or(q.text(4), Json::array());
  for (const auto& t : types)
    if (t.is_string()) e.event_types.push_back(t.get<std::string>());
  e.status = q.text(5);
  e.max_attempts = int(q.integer(6));
  if (!q.is_null(7)) e.metadata = parse_or(q.text(7), Json::object());
  e.secret_sealed = q.text(8);
  e.previous_secret_sealed = q.opt_text(9);
  e.previous_secret_expires_at = q.opt_integer(10);
  e.failed_deliveries_in_row = int(q.integer(11));
  e.disabled_at = q.opt_text(12);
  e.created_at = q.text(13);
  e.updated_at = q.text(14);
  return e;
}

constexpr const char* kDeliveryColumns =
    "id, workspace_id, endpoint_id, event_id, status, attempt_count, max_attempts, next_attempt_at, "
    "last_status_code, last_error, last_response_body, attempts, created_at, updated_at";

WebhookDelivery delivery_row(const Query& q) {
  WebhookDelivery d;
  d.id = q.text(0);
  d.workspace_id = q.text(1);
  d.endpoint_id = q.text(2);
  d.event_id = q.text(3);
  d.status = q.text(4);
  d.attempt_count = int(q.integer(5));
  d.max_attempts = int(q.integer(6));
  d.next_attempt_at = q.opt_integer(7);
  if (auto c = q.opt_integer(8)) d.last_status_code = int(*c);
  d.last_error = q.opt_text(9);
  d.last_response_body = q.opt_text(10);
  d.attempts = parse_or(q.text(11), Json::array());
  d.created_at = q.text(12);
  d.updated_at = q.text(13);
  return d;
}

std::optional<std::string> metadata_text(const WebhookEndpoint& e) {
  if (!e.metadata) return std::nullopt;
  return e.metadata->dump();
}

// The active endpoints of workspaces, read once per write transaction: every create of a
// record asks for them (enqueue_deliveries), most often in a batch of many. Kept while the
// connection's stamp (Db::stamp) and the endpoint epoch stay the same; any write to an
// endpoint, here or by a workspace's deletion, moves the epoch.
std::atomic<std::uint64_t> g_endpoint_epoch{0};
struct ActiveEndpoints {
  std::uint64_t stamp = 0, epoch = 0;
  std::unordered_map<std::string, std::vector<WebhookEndpoint>> by_workspace;
};
thread_local ActiveEndpoints t_active;

slab5::Status changed_one(Db& db, const char* noun, const std::string& id) {
  if (db.changes() == 0) return slab5::fail("resource_not_found", std::string("No ") + noun + " " + id + ".");
  return {};
}

}  // namespace

void webhook_endpoints_changed() { g_endpoint_epoch.fetch_add(1); }

slab5::Status SqliteWebhookStore::insert_endpoint(const WebhookEndpoint& e) {
  webhook_endpoints_changed();
  auto q = db_.query(
      std::string("INSERT INTO webhook_endpoints (") + kEndpointColumns + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
      e.id, e.workspace_id, e.name, e.url, Json(e.event_types).dump(), e.status, std::int64_t(e.max_attempts),
      metadata_text(e), e.secret_sealed, e.previous_secret_sealed, e.previous_secret_expires_at,
      std::int64_t(e.failed_deliveries_in_row), e.disabled_at, e.created_at, e.updated_at);
  return sqlite::run_checked(db_, q, "The webhook endpoint cannot be written: its id is taken.");
}

slab5::Result<std::optional<WebhookEndpoint>> SqliteWebhookStore::endpoint(const std::string& workspace_id,
                                                                           const std::string& id) {
  auto q =
      db_.query(std::string("SELECT ") + kEndpointColumns + " FROM webhook_endpoints WHERE id = ? AND workspace_id = ?",
                id, workspace_id);
  if (!q.next()) return std::optional<WebhookEndpoint>{};
  return std::optional<WebhookEndpoint>{endpoint_row(q)};
}

slab5::Result<std::optional<WebhookEndpoint>> SqliteWebhookStore::endpoint_by_id(const std::string& id) {
  auto q = db_.query(std::string("SELECT ") + kEndpointColumns + " FROM webhook_endpoints WHERE id = ?", id);
  if (!q.next()) return std::optional<WebhookEndpoint>{};
  return std::optional<WebhookEndpoint>{endpoint_row(q)};
}

slab5::Result<std::vector<WebhookEndpoint>> SqliteWebhookStore::list_endpoints(const std::string& workspace_id,
                                                                               const std::optional<std::string>& after,
                                                                               int limit) {
  auto q = db_.query(std::string("SELECT ") + kEndpointColumns +
                         " FROM webhook_endpoints WHERE workspace_id = ? AND (? IS NULL OR id < ?) "
                         "ORDER BY id DESC LIMIT ?",
                     workspace_id, after, after, std::int64_t(limit + 1));
  std::vector<WebhookEndpoint> out;
  while (q.next()) out.push_back(endpoint_row(q));
  return out;
}

slab5::Result<std::vector<WebhookEndpoint>> SqliteWebhookStore::active_endpoints(const std::string& workspace_id) {
  bool keep = db_.in_transaction();
  if (keep) {
    auto epoch = g_endpoint_epoch.load();
    if (t_active.stamp != db_.stamp() || t_active.epoch != epoch) {
      t_active.by_workspace.clear();
      t_active.stamp = db_.stamp();
      t_active.epoch = epoch;
    }
    if (auto it = t_active.by_workspace.find(workspace_id); it != t_active.by_workspace.end()) return it->second;
  }
  auto q = db_.query(std::string("SELECT ") + kEndpointColumns +
                         " FROM webhook_endpoints WHERE workspace_id = ? AND status = 'active' ORDER BY id",
                     workspace_id);
  std::vector<WebhookEndpoint> out;
  while (q.next()) out.push_back(endpoint_row(q));
  if (keep && t_active.by_workspace.size() < 256) t_active.by_workspace.emplace(workspace_id, out);
  return out;
}

slab5::Status SqliteWebhookStore::update_endpoint(const WebhookEndpoint& e) {
  webhook_endpoints_changed();
  auto q = db_.query(
      "UPDATE webhook_endpoints SET name = ?, url = ?, event_types = ?, status = ?, max_attempts = ?, metadata = ?, "
      "secret_sealed = ?, previous_secret_sealed = ?, previous_secret_expires_at = ?, failed_deliveries_in_row = ?, "
      "disabled_at = ?, updated_at = ? WHERE id = ? AND workspace_id = ?",
      e.name, e.url, Json(e.event_types).dump(), e.status, std::int64_t(e.max_attempts), metadata_text(e),
      e.secret_sealed, e.previous_secret_sealed, e.previous_secret_expires_at, std::int64_t(e.failed_deliveries_in_row),
      e.disabled_at, e.updated_at, e.id, e.workspace_id);
  auto s = sqlite::run_checked(db_, q, "The webhook endpoint cannot be updated.");
  if (!s) return s;
  return changed_one(db_, "webhook endpoint", e.id);
}

slab5::Status SqliteWebhookStore::delete_endpoint(const std::string& workspace_id, const std::string& id) {
  webhook_endpoints_changed();
  auto q = db_.query("DELETE FROM webhook_endpoints WHERE id = ? AND workspace_id = ?", id, workspace_id);
  auto s = sqlite::run_checked(db_, q, "The webhook endpoint cannot be deleted.");
  if (!s) return s;
  return changed_one(db_, "webhook endpoint", id);
}

slab5::Status SqliteWebhookStore::insert_delivery(const WebhookDelivery& d) {
  auto q = db_.query(
      std::string("INSERT INTO webhook_deliveries (") + kDeliveryColumns + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
      d.id, d.workspace_id, d.endpoint_id, d.event_id, d.status, std::int64_t(d.attempt_count),
      std::int64_t(d.max_attempts), d.next_attempt_at,
      d.last_status_code ? std::optional<std::int64_t>(*d.last_status_code) : std::nullopt, d.last_error,
      d.last_response_body, d.attempts.dump(), d.created_at, d.updated_at);
  return sqlite::run_checked(db_, q, "The webhook delivery cannot be written: its id is taken.");
}

slab5::Result<std::optional<WebhookDelivery>> SqliteWebhookStore::delivery(const std::string& workspace_id,
                                                                           const std::string& id) {
  auto q = db_.query(
      std::string("SELECT ") + kDeliveryColumns + " FROM webhook_deliveries WHERE id = ? AND workspace_id = ?", id,
      workspace_id);
  if (!q.next()) return std::optional<WebhookDelivery>{};
  return std::optional<WebhookDelivery>{delivery_row(q)};
}

slab5::Result<std::optional<WebhookDelivery>> SqliteWebhookStore::delivery_by_id(const std::string& id) {
  auto q = db_.query(std::string("SELECT ") + kDeliveryColumns + " FROM webhook_deliveries WHERE id = ?", id);
  if (!q.next()) return std::optional<WebhookDelivery>{};
  return std::optional<WebhookDelivery>{delivery_row(q)};
}

slab5::Result<std::vector<WebhookDelivery>> SqliteWebhookStore::list_deliveries(const DeliveryQuery& dq) {
  auto q = db_.query(std::string("SELECT ") + kDeliveryColumns +
                         " FROM webhook_deliveries WHERE workspace_id = ? AND endpoint_id = ? "
                         "AND (? IS NULL OR status = ?) AND (? IS NULL OR event_id = ?) AND (? IS NULL OR id < ?) "
                         "ORDER BY id DESC LIMIT ?",
                     dq.workspace_id, dq.endpoint_id, dq.status, dq.status, dq.event_id, dq.event_id, dq.after,
                     dq.after, std::int64_t(dq.limit + 1));
  std::vector<WebhookDelivery> out;
  while (q.next()) out.push_back(delivery_row(q));
  return out;
}

slab5::Status SqliteWebhookStore::update_delivery(const WebhookDelivery& d) {
  auto q = db_.query(
      "UPDATE webhook_deliveries SET status = ?, attempt_count = ?, max_attempts = ?, next_attempt_at = ?, "
      "last_status_code = ?, last_error = ?, last_response_body = ?, attempts = ?, updated_at = ? WHERE id = ?",
      d.status, std::int64_t(d.attempt_count), std::int64_t(d.max_attempts), d.next_attempt_at,
      d.last_status_code ? std::optional<std::int64_t>(*d.last_status_code) : std::nullopt, d.last_error,
      d.last_response_body, d.attempts.dump(), d.updated_at, d.id);
  auto s = sqlite::run_checked(db_, q, "The webhook delivery cannot be updated.");
  if (!s) return s;
  return changed_one(db_, "webhook delivery", d.id);
}

slab5::Result<std::vector<DueDelivery>> SqliteWebhookStore::due_deliveries(std::int64_t now, int limit) {
  // One row per active endpoint: its oldest open delivery that is due. The worker sends one
  // delivery at a time per endpoint, so the ones behind it are not needed yet; each endpoint
  // costs one step into webhook_deliveries_open however many deliveries it has made or has
  // waiting.
  auto q = db_.query(
      "SELECT due_id, id FROM (SELECT e.id, (SELECT d.id FROM webhook_deliveries d WHERE d.endpoint_id = e.id "
      "AND d.status IN ('pending', 'retrying') AND d.next_attempt_at <= ?1 ORDER BY d.id LIMIT 1) AS due_id "
      "FROM webhook_endpoints e WHERE e.status = 'active') WHERE due_id IS NOT NULL ORDER BY due_id LIMIT ?2",
      now, std::int64_t(limit));
  std::vector<DueDelivery> out;
  while (q.next()) out.push_back({q.text(0), q.text(1)});
  return out;
}

slab5::Result<std::optional<DueDelivery>> SqliteWebhookStore::due_delivery_of(const std::string& endpoint_id,
                                                                              std::int64_t now) {
  auto q = db_.query(
      "SELECT id FROM webhook_deliveries WHERE endpoint_id = ? AND status IN ('pending', 'retrying') "
      "AND next_attempt_at <= ? ORDER BY id LIMIT 1",
      endpoint_id, now);
  if (!q.next()) return std::optional<DueDelivery>{};
  return std::optional<DueDelivery>{DueDelivery{q.text(0), endpoint_id}};
}

slab5::Status SqliteWebhookStore::queue_delivery(const std::string& endpoint_id, const std::string& event_id) {
  auto q = db_.query("INSERT INTO webhook_outbox (endpoint_id, event_id) VALUES (?, ?)", endpoint_id, event_id);
  return sqlite::run_checked(db_, q, "The webhook delivery cannot be queued: the event is queued for it already.");
}

slab5::Result<std::vector<QueuedHead>> SqliteWebhookStore::queued_heads(int open_limit, int min_room) {
  // One step into the outbox per endpoint, and at most open_limit into webhook_deliveries_open
  // for those with a queue.
  auto q = db_.query(
      "SELECT id, ?1 - (SELECT count(*) FROM (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = e.id "
      "AND d.status IN ('pending', 'retrying') LIMIT ?1)) AS room FROM webhook_endpoints e "
      "WHERE EXISTS (SELECT 1 FROM webhook_outbox o WHERE o.endpoint_id = e.id) AND room >= ?2",
      std::int64_t(open_limit), std::int64_t(min_room));
  std::vector<QueuedHead> out;
  while (q.next()) out.push_back({q.text(0), int(q.integer(1))});
  return out;
}

slab5::Result<std::vector<QueuedEvent>> SqliteWebhookStore::queued_events(const std::string& endpoint_id, int limit) {
  auto q = db_.query(
      "SELECT o.event_id, ev.created_at FROM webhook_outbox o JOIN webhook_endpoints e ON e.id = o.endpoint_id "
      "LEFT JOIN audit_events ev ON ev.workspace_id = e.workspace_id AND ev.id = 'aud_' || substr(o.event_id, 5) "
      "AND ev.event <> 0 "
      "WHERE o.endpoint_id = ? ORDER BY o.event_id LIMIT ?",
      endpoint_id, std::int64_t(limit));
  std::vector<QueuedEvent> out;
  while (q.next()) out.push_back({q.text(0), q.opt_text(1)});
  return out;
}

slab5::Status SqliteWebhookStore::unqueue(const std::string& endpoint_id, const std::string& event_id) {
  auto q = db_.query("DELETE FROM webhook_outbox WHERE endpoint_id = ? AND event_id = ?", endpoint_id, event_id);
  return sqlite::run_checked(db_, q, "The queued webhook delivery cannot be removed.");
}

namespace {
constexpr const char* kSourceColumns =
    "id, workspace_id, name, kind, activity_type, secret_sealed, created_at, updated_at";
WebhookSource source_row(const Query& q) {
  return WebhookSource{.id = q.text(0),
                       .workspace_id = q.text(1),
                       .name = q.text(2),
                       .kind = q.text(3),
                       .activity_type = q.text(4),
                       .secret_sealed = q.text(5),
                       .created_at = q.text(6),
                       .updated_at = q.text(7)};
}
}  // namespace

slab5::Status SqliteWebhookStore::insert_source(const WebhookSource& s) {
  auto q = db_.query(std::string("INSERT INTO webhook_sources (") + kSourceColumns + ") VALUES (?,?,?,?,?,?,?,?)", s.id,
                     s.workspace_id, s.name, s.kind, s.activity_type, s.secret_sealed, s.created_at, s.updated_at);
  return sqlite::run_checked(db_, q, "The webhook source cannot be written: its id is taken.");
}

slab5::Result<std::optional<WebhookSource>> SqliteWebhookStore::source(const std::string& workspace_id,
                                                                       const std::string& id) {
  auto q =
      db_.query(std::string("SELECT ") + kSourceColumns + " FROM webhook_sources WHERE id = ? AND workspace_id = ?", id,
                workspace_id);
  if (!q.next()) return std::optional<WebhookSource>{};
  return std::optional<WebhookSource>{source_row(q)};
}

slab5::Result<std::optional<WebhookSource>> SqliteWebhookStore::source_by_id(const std::string& id) {
  auto q = db_.query(std::string("SELECT ") + kSourceColumns + " FROM webhook_sources WHERE id = ?", id);
  if (!q.next()) return std::optional<WebhookSource>{};
  return std::optional<WebhookSource>{source_row(q)};
}

slab5::Result<std::vector<WebhookSource>> SqliteWebhookStore::list_sources(const std::string& workspace_id,
                                                                           const std::optional<std::string>& after,
                                                                           int limit) {
  auto q = db_.query(std::string("SELECT ") + kSourceColumns +
                         " FROM webhook_sources WHERE workspace_id = ? AND (? IS NULL OR id < ?) "
                         "ORDER BY id DESC LIMIT ?",
                     workspace_id, after, after, std::int64_t(limit + 1));
  std::vector<WebhookSource> out;
  while (q.next()) out.push_back(source_row(q));
  return out;
}

slab5::Status SqliteWebhookStore::delete_source(const std::string& workspace_id, const std::string& id) {
  auto q = db_.query("DELETE FROM webhook_sources WHERE id = ? AND workspace_id = ?", id, workspace_id);
  auto s = sqlite::run_checked(db_, q, "The webhook source cannot be deleted.");
  if (!s) return s;
  return changed_one(db_, "webhook source", id);
}

slab5::Result<bool> SqliteWebhookStore::claim_message(const std::string& source_id, const std::string& message_id,
                                                      std::int64_t now, std::int64_t horizon) {
  auto forget = db_.query("DELETE FROM inbound_messages WHERE source_id = ? AND received_at < ?", source_id, horizon);
  forget.run_or_throw("forgetting old inbound message ids");
  auto q = db_.query("INSERT OR IGNORE INTO inbound_messages (source_id, message_id, received_at) VALUES (?,?,?)",
                     source_id, message_id, now);
  q.run_or_throw("remembering an inbound message id");
  return db_.changes() == 1;
}

}  // namespace slab5d
