#include "store/sqlite/audit_store.hpp"

#include "store/sqlite/checked.hpp"

namespace slab5d {

namespace {
constexpr const char* kAuditSelect =
    "SELECT id, workspace_id, tenant_id, action, actor_type, actor_id, target_type, target_id, source, route, "
    "status, request_id, correlation_id, ip, user_agent, input_hash, before_json, after_json, created_at "
    "FROM audit_events ";

slab5::Json parsed_or_null(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  auto j = slab5::Json::parse(*text, nullptr, false);
  return j.is_discarded() ? slab5::Json(nullptr) : j;
}

slab5::Json text_or_null(const std::optional<std::string>& s) { return s ? slab5::Json(*s) : slab5::Json(nullptr); }

std::optional<std::string> empty_as_null(const std::string& s) {
  return s.empty() ? std::optional<std::string>{} : std::optional<std::string>{s};
}

slab5::Json read_event(const Query& q) {
  std::string target_type = q.text(6);
  return {
      {"id", q.text(0)},
      {"workspace_id", text_or_null(q.opt_text(1))},
      {"tenant_id", text_or_null(q.opt_text(2))},
      {"action", q.text(3)},
      {"actor", {{"type", q.text(4)}, {"id", q.text(5)}}},
      {"target", target_type.empty() ? slab5::Json(nullptr) : slab5::Json{{"type", target_type}, {"id", q.text(7)}}},
      {"source", q.text(8)},
      {"route", q.text(9)},
      {"status", q.integer(10)},
      {"request_id", q.text(11)},
      {"correlation_id", q.text(12)},
      {"ip", q.text(13)},
      {"user_agent", q.text(14)},
      {"input_hash", q.text(15)},
      {"before", parsed_or_null(q.opt_text(16))},
      {"after", parsed_or_null(q.opt_text(17))},
      {"created_at", q.text(18)}};
}
}  // namespace

slab5::Status SqliteAuditStore::append(const std::string& id, const AuditEvent& ev, const std::string& created_at) {
  auto dump = [](const std::optional<slab5::Json>& j) -> std::optional<std::string> {
    if (!j) return std::nullopt;
    return j->dump();
  };
  auto q = db_.query(
      "INSERT INTO audit_events (id, workspace_id, tenant_id, action, actor_type, actor_id, "
      "target_type, target_id, source, route, status, request_id, correlation_id, ip, user_agent, "
      "input_hash, before_json, after_json, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
      id, empty_as_null(ev.workspace_id), empty_as_null(ev.tenant_id), ev.action, ev.actor_type, ev.actor_id,
      ev.target_type, ev.target_id, ev.source, ev.route, ev.status, ev.request_id, ev.correlation_id, ev.ip,
      ev.user_agent, ev.input_hash, dump(ev.before),
      ev.after_text ? std::optional<std::string>(*ev.after_text) : dump(ev.after), created_at);
  return sqlite::run_checked(db_, q, "The audit event cannot be written: its id is taken.");
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
                         "WHERE workspace_id = ?1 "
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
  while (q.next()) out.push_back(read_event(q));
  return out;
}

slab5::Result<std::optional<slab5::Json>> SqliteAuditStore::get(const std::string& workspace_id,
                                                                const std::string& id) {
  auto q = db_.query(std::string(kAuditSelect) + "WHERE id = ? AND workspace_id = ?", id, workspace_id);
  if (!q.next()) return std::optional<slab5::Json>{};
  return std::optional<slab5::Json>{read_event(q)};
}

}  // namespace slab5d
