#include "store/postgres/audit_store.hpp"

#include "store/event_store.hpp"
#include "store/store_rows.hpp"
#include "store/usage_store.hpp"

namespace slab5d {

namespace {
const std::string kAuditSelect = std::string("SELECT ") + kAuditColumns + " FROM audit_events ";

std::optional<std::string> empty_as_null(const std::string& s) {
  return s.empty() ? std::optional<std::string>{} : std::optional<std::string>{s};
}

}  // namespace

slab5::Status PgAuditStore::append(const std::string& id, const AuditEvent& ev, const std::string& created_at) {
  return append_change(id, ev, created_at, nullptr, nullptr).map([](const Carried&) {});
}

slab5::Result<AuditStore::Carried> PgAuditStore::append_change(const std::string& id, const AuditEvent& ev,
                                                               const std::string& created_at, const NewEvent* event,
                                                               const UsageEvent* usage) {
  (void)usage;  // usage events stay rows of usage_event_rows here: the caller writes it
  auto dump = [](const std::optional<slab5::Json>& j) -> std::optional<std::string> {
    if (!j) return std::nullopt;
    return j->dump();
  };
  // The row is the change's event too when one is owed (as on SQLite, audit_store.hpp).
  std::optional<std::string> previous;
  if (event && event->previous) previous = event->previous->dump();
  auto r = conn_.run(
      "INSERT INTO audit_events (id, workspace_id, tenant_id, action, actor_type, actor_id, "
      "target_type, target_id, source, route, status, request_id, correlation_id, ip, user_agent, "
      "input_hash, before_json, after_json, created_at, event, event_previous) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
      id, empty_as_null(ev.workspace_id), empty_as_null(ev.tenant_id), ev.action, ev.actor_type, ev.actor_id,
      ev.target_type, ev.target_id, ev.source, ev.route, ev.status, ev.request_id, ev.correlation_id, ev.ip,
      ev.user_agent, ev.input_hash, dump(ev.before),
      ev.after_text ? std::optional<std::string>(*ev.after_text) : dump(ev.after), created_at,
      std::int64_t(event ? 1 : 0), previous);
  if (!r.ok()) return slab5::fail("conflict", "The audit event cannot be written: its id is taken.");
  return Carried{.event = event != nullptr, .usage = false};
}

slab5::Result<std::vector<slab5::Json>> PgAuditStore::list(const std::string& workspace_id, const AuditFilters& f,
                                                           const std::optional<std::string>& after, int limit) {
  // Absent filters bind NULL and drop out of the WHERE clause, so one prepared statement serves
  // every combination.
  std::optional<std::string> exact, prefix;
  if (f.action) {
    if (f.action->size() >= 2 && f.action->ends_with(".*"))
      prefix = f.action->substr(0, f.action->size() - 1);  // "api_key." — keeps the dot
    else
      exact = f.action;
  }
  auto r = conn_.exec(std::string(kAuditSelect) +
                          "WHERE workspace_id = $1 AND audited <> 0 "
                          "AND ($2::text IS NULL OR action = $2::text) "
                          "AND ($3::text IS NULL OR substr(action, 1, length($3::text)) = $3::text) "
                          "AND ($4::text IS NULL OR actor_id = $4::text) "
                          "AND ($5::text IS NULL OR target_id = $5::text) "
                          "AND ($6::text IS NULL OR request_id = $6::text) "
                          "AND ($7::text IS NULL OR created_at >= $7::text) "
                          "AND ($8::text IS NULL OR created_at < $8::text) "
                          "AND ($9::text IS NULL OR id < $9::text) "
                          "ORDER BY id DESC LIMIT $10",
                      workspace_id, exact, prefix, f.actor_id, f.target_id, f.request_id, f.since, f.until, after,
                      std::int64_t(limit));
  std::vector<slab5::Json> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(audit_event_from_row(PgRow(r, i)));
  return out;
}

slab5::Result<std::optional<slab5::Json>> PgAuditStore::get(const std::string& workspace_id, const std::string& id) {
  auto r =
      conn_.exec(std::string(kAuditSelect) + "WHERE id = $1 AND workspace_id = $2 AND audited <> 0", id, workspace_id);
  if (r.rows() == 0) return std::optional<slab5::Json>{};
  return std::optional<slab5::Json>{audit_event_from_row(PgRow(r, 0))};
}

}  // namespace slab5d
