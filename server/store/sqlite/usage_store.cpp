#include "store/sqlite/usage_store.hpp"

#include <memory>

#include "store/sqlite/checked.hpp"

namespace slab5d {

slab5::Status SqliteUsageStore::append(std::span<const UsageEvent> events) {
  if (events.empty()) return {};
  // A batch holds every request of the last half second. Rows go in kRows at a time through
  // one multi-row INSERT (one statement run per kRows events), bound without copies
  // (SQLITE_STATIC: the events outlive each step). OR IGNORE keeps the per-row rule of one
  // statement per event: a row whose (workspace_id, id) is already stored is skipped, and the
  // other rows of its statement are written.
  constexpr std::size_t kRows = 32;
  constexpr int kCols = 10;
  // Both shapes come from the connection's statement cache: one event per request is the
  // usual case inside a write, and preparing its statement each time cost more than the insert.
  auto prepare = [this](std::size_t rows) {
    std::string sql =
        "INSERT OR IGNORE INTO usage_events (id, workspace_id, credential_type, credential_id, route, status, units, "
        "kind, request_id, created_at) VALUES ";
    for (std::size_t r = 0; r < rows; ++r) sql += r ? ",(?,?,?,?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?,?,?,?)";
    return db_.cached_statement(sql);
  };
  auto run = [this](sqlite3_stmt* st, const UsageEvent* first, std::size_t rows) -> slab5::Status {
    for (std::size_t r = 0; r < rows; ++r) {
      const UsageEvent& e = first[r];
      int base = int(r) * kCols;
      auto text = [&](int col, std::string_view v) {
        // An empty view may have no data pointer, which SQLite would bind as NULL.
        sqlite3_bind_text(st, base + col, v.empty() ? "" : v.data(), int(v.size()), SQLITE_STATIC);
      };
      text(1, e.id);
      text(2, e.workspace_id);
      text(3, e.credential_type);
      text(4, e.credential_id);
      text(5, e.route);
      sqlite3_bind_int64(st, base + 6, e.status);
      sqlite3_bind_int64(st, base + 7, e.units);
      text(8, e.kind);
      text(9, e.request_id);
      text(10, e.created_at);
    }
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE) return {};
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
      return slab5::fail("conflict", std::string("a usage event cannot be written: ") + sqlite3_errmsg(db_.handle()));
    throw DbError(rc, std::string("usage insert failed: ") + sqlite3_errmsg(db_.handle()));
  };
  std::size_t i = 0, n = events.size();
  if (n >= kRows) {
    auto* many = prepare(kRows);
    for (; n - i >= kRows; i += kRows)
      if (auto ok = run(many, &events[i], kRows); !ok) return ok;
  }
  if (i < n) {
    auto* one = prepare(1);
    for (; i < n; ++i)
      if (auto ok = run(one, &events[i], 1); !ok) return ok;
  }
  return {};
}

slab5::Result<std::vector<UsageRow>> SqliteUsageStore::summarize(const std::string& workspace_id,
                                                                 const UsageRange& range, UsageGroup group) {
  // The key expression comes from this fixed table, never from the request.
  const char* key = "substr(created_at, 1, 10)";
  const char* order = "key ASC";
  switch (group) {
    case UsageGroup::Day:
      break;
    case UsageGroup::Route:
      key = "route";
      order = "requests DESC, key ASC";
      break;
    case UsageGroup::Credential:
      key = "credential_id";
      order = "requests DESC, key ASC";
      break;
    case UsageGroup::Kind:
      key = "kind";
      order = "requests DESC, key ASC";
      break;
  }
  auto q = db_.query(std::string("SELECT ") + key +
                         " AS key, count(*) AS requests, coalesce(sum(units), 0), "
                         "sum(CASE WHEN status >= 400 THEN 1 ELSE 0 END) FROM usage_events "
                         "WHERE workspace_id = ?1 AND (?2 IS NULL OR created_at >= ?2) "
                         "AND (?3 IS NULL OR created_at < ?3) GROUP BY key ORDER BY " +
                         order,
                     workspace_id, range.since, range.until);
  std::vector<UsageRow> out;
  while (q.next()) out.push_back(UsageRow{q.text(0), q.integer(1), q.integer(2), q.integer(3)});
  return out;
}

slab5::Result<std::vector<slab5::Json>> SqliteUsageStore::list(const std::string& workspace_id, const UsageFilters& f,
                                                               const std::optional<std::string>& after, int limit) {
  auto q = db_.query(
      "SELECT id, workspace_id, credential_type, credential_id, route, status, units, kind, request_id, created_at "
      "FROM usage_events WHERE workspace_id = ?1 AND (?2 IS NULL OR created_at >= ?2) "
      "AND (?3 IS NULL OR created_at < ?3) AND (?4 IS NULL OR kind = ?4) AND (?5 IS NULL OR credential_id = ?5) "
      "AND (?6 IS NULL OR id < ?6) ORDER BY id DESC LIMIT ?7",
      workspace_id, f.range.since, f.range.until, f.kind, f.credential_id, after, std::int64_t(limit));
  std::vector<slab5::Json> out;
  while (q.next()) {
    out.push_back({{"id", q.text(0)},
                   {"workspace_id", q.text(1)},
                   {"credential", {{"type", q.text(2)}, {"id", q.text(3)}}},
                   {"route", q.text(4)},
                   {"status", q.integer(5)},
                   {"units", q.integer(6)},
                   {"kind", q.text(7)},
                   {"request_id", q.text(8)},
                   {"created_at", q.text(9)}});
  }
  return out;
}

}  // namespace slab5d
