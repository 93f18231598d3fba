#include "store/sqlite/event_store.hpp"

#include "store/sqlite/checked.hpp"
#include "store/store_rows.hpp"

namespace slab5d {

using Json = nlohmann::json;

namespace {
constexpr const char* kColumns = kEventColumns;
}  // namespace

slab5::Result<std::vector<Json>> SqliteEventStore::list(const EventQuery& eq) {
  std::string sql = std::string("SELECT ") + kColumns + " FROM events WHERE workspace_id = ? AND created_at >= ?";
  std::vector<std::string> args{eq.workspace_id, eq.not_before};
  if (eq.type) {
    if (eq.type->size() >= 2 && eq.type->substr(eq.type->size() - 2) == ".*") {
      // A prefix: "deal.*" is every type from "deal." up to (not including) "deal/".
      auto prefix = eq.type->substr(0, eq.type->size() - 1);
      sql += " AND type >= ? AND type < ?";
      args.push_back(prefix);
      args.push_back(prefix.substr(0, prefix.size() - 1) + "/");
    } else {
      sql += " AND type = ?";
      args.push_back(*eq.type);
    }
  }
  if (eq.since) {
    sql += " AND created_at >= ?";
    args.push_back(*eq.since);
  }
  if (eq.after) {
    sql += " AND id < ?";
    args.push_back(*eq.after);
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
  auto q = db_.query(
      std::string("SELECT ") + kColumns + " FROM events WHERE id = ? AND workspace_id = ? AND created_at >= ?", id,
      workspace_id, not_before);
  if (!q.next()) return std::optional<Json>{};
  return std::optional<Json>{event_from_row(q)};
}

slab5::Result<std::vector<Json>> SqliteEventStore::after(const std::string& workspace_id, const std::string& after_id,
                                                         int limit) {
  auto q = db_.query(
      std::string("SELECT ") + kColumns + " FROM events WHERE workspace_id = ? AND id > ? ORDER BY id LIMIT ?",
      workspace_id, after_id, std::int64_t(limit));
  std::vector<Json> out;
  while (q.next()) out.push_back(event_from_row(q));
  return out;
}

slab5::Result<std::string> SqliteEventStore::newest_id(const std::string& workspace_id) {
  auto q = db_.query("SELECT id FROM events WHERE workspace_id = ? ORDER BY id DESC LIMIT 1", workspace_id);
  if (!q.next()) return std::string();
  return q.text(0);
}

slab5::Status SqliteEventStore::append(const NewEvent& e) {
  std::optional<std::string> previous;
  if (e.previous) previous = e.previous->dump();
  auto q = db_.query(
      "INSERT INTO events (id, workspace_id, type, data, previous, request_id, created_at) "
      "VALUES (?,?,?,?,?,?,?)",
      e.id, e.workspace_id, e.type, e.data_text ? *e.data_text : e.data.dump(), previous, e.request_id, e.created_at);
  return sqlite::run_checked(db_, q, "The event cannot be written: its id is taken.");
}

}  // namespace slab5d
