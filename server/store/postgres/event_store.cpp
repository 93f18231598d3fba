// The statements of store/sqlite/event_store.cpp in PostgreSQL's dialect: an event is a row of
// audit_events with `event` set, its id the row's with "evt_" for "aud_", its type the row's
// action. Events are read in the order of their ids, compared byte by byte as SQLite compares
// TEXT: audit_events.id and .action are COLLATE "C", so that neither "after an id" nor a type
// prefix ("deal.*" is every type from "deal." up to "deal/") depends on the database's locale.
// `data` and `previous` are TEXT, stored as written and parsed when read, as on SQLite.
#include "store/postgres/event_store.hpp"

#include "store/store_rows.hpp"

namespace slab5d {

using Json = nlohmann::json;

namespace {
constexpr const char* kSelect =
    "SELECT 'evt_' || substr(id, 5), action, created_at, workspace_id, coalesce(after_json, before_json, '{}'), "
    "event_previous, request_id FROM audit_events ";

std::string row_id(const std::string& event_id) { return event_row_id(event_id); }
std::optional<std::string> row_id(const std::optional<std::string>& event_id) {
  if (!event_id) return std::nullopt;
  return row_id(*event_id);
}

std::vector<Json> rows(const PgResult& r) {
  std::vector<Json> out;
  out.reserve(std::size_t(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(event_from_row(PgRow(r, i)));
  return out;
}
}  // namespace

slab5::Result<std::vector<Json>> PgEventStore::list(const EventQuery& eq) {
  // One statement text whatever the filters (a NULL parameter switches a filter off), so that
  // it is prepared once per connection.
  std::optional<std::string> type_exact, type_from, type_to;
  if (eq.type) {
    if (eq.type->size() >= 2 && eq.type->substr(eq.type->size() - 2) == ".*") {
      auto prefix = eq.type->substr(0, eq.type->size() - 1);
      type_from = prefix;
      type_to = prefix.substr(0, prefix.size() - 1) + "/";
    } else {
      type_exact = *eq.type;
    }
  }
  auto r = conn_.exec(std::string(kSelect) +
                          "WHERE workspace_id = $1 AND event <> 0 AND created_at >= $2 "
                          "AND ($3::text IS NULL OR action = $3) "
                          "AND ($4::text IS NULL OR (action >= $4 AND action < $5)) "
                          "AND ($6::text IS NULL OR created_at >= $6) "
                          "AND ($7::text IS NULL OR id < $7) "
                          "ORDER BY id DESC LIMIT $8",
                      eq.workspace_id, eq.not_before, type_exact, type_from, type_to, eq.since, row_id(eq.after),
                      eq.limit + 1 >= 0 ? std::optional<std::int64_t>(eq.limit + 1) : std::nullopt);
  return rows(r);
}

slab5::Result<std::optional<Json>> PgEventStore::get(const std::string& workspace_id, const std::string& id,
                                                     const std::string& not_before) {
  auto r = conn_.exec(std::string(kSelect) + "WHERE id = $1 AND workspace_id = $2 AND event <> 0 AND created_at >= $3",
                      row_id(id), workspace_id, not_before);
  if (r.rows() == 0) return std::optional<Json>{};
  return std::optional<Json>{event_from_row(PgRow(r, 0))};
}

slab5::Result<std::vector<Json>> PgEventStore::after(const std::string& workspace_id, const std::string& after_id,
                                                     int limit) {
  // SQLite's LIMIT with a negative count means no limit; PostgreSQL refuses one.
  std::optional<std::int64_t> lim;
  if (limit >= 0) lim = limit;
  auto r = conn_.exec(std::string(kSelect) + "WHERE workspace_id = $1 AND event <> 0 AND id > $2 ORDER BY id LIMIT $3",
                      workspace_id, row_id(after_id), lim);
  return rows(r);
}

slab5::Result<std::string> PgEventStore::newest_id(const std::string& workspace_id) {
  auto r = conn_.exec(
      "SELECT 'evt_' || substr(id, 5) FROM audit_events WHERE workspace_id = $1 AND event <> 0 "
      "ORDER BY id DESC LIMIT 1",
      workspace_id);
  if (r.rows() == 0) return std::string();
  return r.text(0, 0);
}

slab5::Status PgEventStore::append(const NewEvent& e) {
  // An event that is no change's: a row of its own, which the audit log does not show; its
  // workspace must exist (SQLite's view checks the same).
  if (!e.id.starts_with("evt_")) return slab5::fail("conflict", "The event cannot be written: its id is taken.");
  std::optional<std::string> previous;
  if (e.previous) previous = e.previous->dump();
  auto r = conn_.run(
      "INSERT INTO audit_events (id, workspace_id, action, actor_type, actor_id, request_id, after_json, created_at, "
      "audited, event, event_previous) "
      "SELECT $1, $2, $3, '', '', $4, $5, $6, 0, 1, $7 WHERE EXISTS (SELECT 1 FROM workspaces WHERE id = $2)",
      row_id(e.id), e.workspace_id, e.type, e.request_id, e.data_text ? *e.data_text : e.data.dump(), e.created_at,
      previous);
  if (!r.ok() || r.affected() != 1) return slab5::fail("conflict", "The event cannot be written: its id is taken.");
  return {};
}

}  // namespace slab5d
