#include "store/sqlite/event_store.hpp"

#include "store/sqlite/checked.hpp"
#include "store/store_rows.hpp"

namespace slab5d {

using Json = nlohmann::json;

namespace {
// An event is a row of audit_events with `event` set (migration 10): the row of its change,
// or a row of its own. Its id is the row's with "evt_" for "aud_", its type the row's action,
// its data the object the row holds (after the change, else before it).
constexpr const char* kSelect =
    "SELECT 'evt_' || substr(id, 5), action, created_at, workspace_id, coalesce(after_json, before_json, '{}'), "
    "event_previous, request_id FROM audit_events ";

std::string row_id(const std::string& event_id) { return event_row_id(event_id); }
}  // namespace

slab5::Result<std::vector<Json>> SqliteEventStore::list(const EventQuery& eq) {
  std::string sql = std::string(kSelect) + "WHERE workspace_id = ? AND event AND created_at >= ?";
  std::vector<std::string> args{eq.workspace_id, eq.not_before};
  if (eq.type) {
    if (eq.type->size() >= 2 && eq.type->substr(eq.type->size() - 2) == ".*") {
      // A prefix: "deal.*" is every type from "deal." up to (not including) "deal/".
      auto prefix = eq.type->substr(0, eq.type->size() - 1);
      sql += " AND action >= ? AND action < ?";
      args.push_back(prefix);
      args.push_back(prefix.substr(0, prefix.size() - 1) + "/");
    } else {
      sql += " AND action = ?";
      args.push_back(*eq.type);
    }
  }
  if (eq.since) {
    sql += " AND created_at >= ?";
    args.push_back(*eq.since);
  }
  if (eq.after) {
    sql += " AND id < ?";
    args.push_back(row_id(*eq.after));
  }
  sql += " ORDER BY id DESC LIMIT " + std::to_string(eq.limit + 1);
  auto q = db_.query(sql);
  for (std::size_t i = 0; i < args.size(); ++i) q.bind(int(i + 1), args[i]);
  std::vector<Json> out;
  while (q.next()) out.push_back(event_from_row(q));
  return out;
}

slab5::Result<std::optional<Json>> SqliteEventStore::get(const std::string& workspace_id, const std::string& id,
                                                         const std::string& not_before) {
  auto q = db_.query(std::string(kSelect) + "WHERE id = ? AND workspace_id = ? AND event AND created_at >= ?",
                     row_id(id), workspace_id, not_before);
  if (!q.next()) return std::optional<Json>{};
  return std::optional<Json>{event_from_row(q)};
}

slab5::Result<std::vector<Json>> SqliteEventStore::after(const std::string& workspace_id, const std::string& after_id,
                                                         int limit) {
  auto q = db_.query(std::string(kSelect) + "WHERE workspace_id = ? AND event AND id > ? ORDER BY id LIMIT ?",
                     workspace_id, row_id(after_id), std::int64_t(limit));
  std::vector<Json> out;
  while (q.next()) out.push_back(event_from_row(q));
  return out;
}

slab5::Result<std::string> SqliteEventStore::newest_id(const std::string& workspace_id) {
  auto q = db_.query(
      "SELECT 'evt_' || substr(id, 5) FROM audit_events WHERE workspace_id = ? AND event "
      "ORDER BY id DESC LIMIT 1",
      workspace_id);
  if (!q.next()) return std::string();
  return q.text(0);
}

slab5::Status SqliteEventStore::append(const NewEvent& e) {
  // An event that is no change's: a row of its own, which the audit log does not show. Through
  // the view, whose trigger refuses an id without "evt_" and a workspace that does not exist.
  std::optional<std::string> previous;
  if (e.previous) previous = e.previous->dump();
  auto q = db_.query(
      "INSERT INTO events (id, workspace_id, type, data, previous, request_id, created_at) VALUES (?,?,?,?,?,?,?)",
      e.id, e.workspace_id, e.type, e.data_text ? *e.data_text : e.data.dump(), previous, e.request_id, e.created_at);
  return sqlite::run_checked(db_, q, "The event cannot be written: its id is taken.");
}

}  // namespace slab5d
