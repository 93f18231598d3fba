#include "store/sqlite/audit_store.hpp"

#include "store/event_store.hpp"
#include "store/sqlite/checked.hpp"
#include "store/store_rows.hpp"
#include "store/usage_store.hpp"

namespace slab5d {

namespace {
const std::string kAuditSelect = std::string("SELECT ") + kAuditColumns + " FROM audit_events ";

std::optional<std::string> empty_as_null(const std::string& s) {
  return s.empty() ? std::optional<std::string>{} : std::optional<std::string>{s};
}

}  // namespace

slab5::Status SqliteAuditStore::append(const std::string& id, const AuditEvent& ev, const std::string& created_at) {
  return append_change(id, ev, created_at, nullptr, nullptr).map([](const Carried&) {});
}

slab5::Result<AuditStore::Carried> SqliteAuditStore::append_change(const std::string& id, const AuditEvent& ev,
                                                                   const std::string& created_at, const NewEvent* event,
                                                                   const UsageEvent* usage) {
  auto dump = [](const std::optional<slab5::Json>& j) -> std::optional<std::string> {
    if (!j) return std::nullopt;
    return j->dump();
  };
  // The row is the change's event too when one is owed: its type is the action, its data the
  // object after the change (before it, for a deletion), which the row holds already; and the
  // call's usage event, whose route, status, request and time are the row's.
  std::optional<std::string> previous, usage_type, usage_credential;
  if (event && event->previous) previous = event->previous->dump();
  if (usage) {
    usage_type = std::string(usage->credential_type);
    usage_credential = std::string(usage->credential_id);
  }
  auto q = db_.query(
      "INSERT INTO audit_events (id, workspace_id, tenant_id, action, actor_type, actor_id, "
      "target_type, target_id, source, route, status, request_id, correlation_id, ip, user_agent, "
      "input_hash, before_json, after_json, created_at, event, event_previous, usage_credential_type, "
      "usage_credential_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
      id, empty_as_null(ev.workspace_id), empty_as_null(ev.tenant_id), ev.action, ev.actor_type, ev.actor_id,
      ev.target_type, ev.target_id, ev.source, ev.route, ev.status, ev.request_id, ev.correlation_id, ev.ip,
      ev.user_agent, ev.input_hash, dump(ev.before),
      ev.after_text ? std::optional<std::string>(*ev.after_text) : dump(ev.after), created_at,
      std::int64_t(event ? 1 : 0), previous, usage_type, usage_credential);
  if (auto ok = sqlite::run_checked(db_, q, "The audit event cannot be written: its id is taken."); !ok)
    return tl::unexpected(ok.error());
  return Carried{.event = event != nullptr, .usage = usage != nullptr};
}

slab5::Result<std::vector<slab5::Json>> SqliteAuditStore::list(const std::string& workspace_id, const AuditFilters& f,
                                                               const std::optional<std::string>& after, int limit) {
  // Absent filters bind NULL and drop out of the WHERE clause, so one cached statement serves
  // every combination.
  std::optional<std::string> exact, prefix;
  if (f.action) {
    if (f.action->size() >= 2 && f.action->ends_with(".*"))
      prefix = f.action->substr(0, f.action->size() - 1);  // "api_key." — keeps the dot
    else
      exact = f.action;
  }
  auto q = db_.query(std::string(kAuditSelect) +
                         "WHERE workspace_id = ?1 AND audited "
                         "AND (?2 IS NULL OR action = ?2) "
                         "AND (?3 IS NULL OR substr(action, 1, length(?3)) = ?3) "
                         "AND (?4 IS NULL OR actor_id = ?4) "
                         "AND (?5 IS NULL OR target_id = ?5) "
                         "AND (?6 IS NULL OR request_id = ?6) "
                         "AND (?7 IS NULL OR created_at >= ?7) "
                         "AND (?8 IS NULL OR created_at < ?8) "
                         "AND (?9 IS NULL OR id < ?9) "
                         "ORDER BY id DESC LIMIT ?10",
                     workspace_id, exact, prefix, f.actor_id, f.target_id, f.request_id, f.since, f.until, after,
                     std::int64_t(limit));
  std::vector<slab5::Json> out;
  while (q.next()) out.push_back(audit_event_from_row(q));
  return out;
}

slab5::Result<std::optional<slab5::Json>> SqliteAuditStore::get(const std::string& workspace_id,
                                                                const std::string& id) {
  auto q = db_.query(std::string(kAuditSelect) + "WHERE id = ? AND workspace_id = ? AND audited", id, workspace_id);
  if (!q.next()) return std::optional<slab5::Json>{};
  return std::optional<slab5::Json>{audit_event_from_row(q)};
}

}  // namespace slab5d
