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
        "INSERT OR IGNORE INTO usage_event_rows (id, workspace_id, credential_type, credential_id, route, status, "
        "units, "
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

// The usage event of a call that changed something is a column set of its first change's
// audit row (migration 10, audit_store.hpp): its id is the row's with "use_" for "aud_", its
// kind api_request, its units 1. Every read takes both.

slab5::Result<std::vector<UsageRow>> SqliteUsageStore::summarize(const std::string& workspace_id,
                                                                 const UsageRange& range, UsageGroup group) {
  // The key expressions come from this fixed table, never from the request.
  const char* key = "substr(created_at, 1, 10)";
  const char* audit_key = key;
  const char* order = "key ASC";
  switch (group) {
    case UsageGroup::Day:
      break;
    case UsageGroup::Route:
      key = audit_key = "route";
      order = "requests DESC, key ASC";
      break;
    case UsageGroup::Credential:
      key = "credential_id";
      audit_key = "usage_credential_id";
      order = "requests DESC, key ASC";
      break;
    case UsageGroup::Kind:
      key = "kind";
      audit_key = "'api_request'";
      order = "requests DESC, key ASC";
      break;
  }
  auto q = db_.query(std::string("SELECT key, count(*) AS requests, coalesce(sum(units), 0), "
                                 "sum(CASE WHEN status >= 400 THEN 1 ELSE 0 END) FROM (SELECT ") +
                         key +
                         " AS key, units, status FROM usage_event_rows "
                         "WHERE workspace_id = ?1 AND (?2 IS NULL OR created_at >= ?2) "
                         "AND (?3 IS NULL OR created_at < ?3) UNION ALL SELECT " +
                         audit_key +
                         ", 1, status FROM audit_events WHERE workspace_id = ?1 AND usage_credential_id IS NOT NULL "
                         "AND (?2 IS NULL OR created_at >= ?2) AND (?3 IS NULL OR created_at < ?3)) "
                         "GROUP BY key ORDER BY " +
                         order,
                     workspace_id, range.since, range.until);
  std::vector<UsageRow> out;
  while (q.next()) out.push_back(UsageRow{q.text(0), q.integer(1), q.integer(2), q.integer(3)});
  return out;
}

slab5::Result<std::vector<slab5::Json>> SqliteUsageStore::list(const std::string& workspace_id, const UsageFilters& f,
                                                               const std::optional<std::string>& after, int limit) {
  // Newest first from each place, then merged: ids order the same way in both ("use_" and
  // "aud_" are one prefix each).
  auto read = [&](Query& q) {
    std::vector<slab5::Json> rows;
    while (q.next()) {
      rows.push_back({{"id", q.text(0)},
                      {"workspace_id", q.text(1)},
                      {"credential", {{"type", q.text(2)}, {"id", q.text(3)}}},
                      {"route", q.text(4)},
                      {"status", q.integer(5)},
                      {"units", q.integer(6)},
                      {"kind", q.text(7)},
                      {"request_id", q.text(8)},
                      {"created_at", q.text(9)}});
    }
    return rows;
  };
  auto own = db_.query(
      "SELECT id, workspace_id, credential_type, credential_id, route, status, units, kind, request_id, created_at "
      "FROM usage_event_rows WHERE workspace_id = ?1 AND (?2 IS NULL OR created_at >= ?2) "
      "AND (?3 IS NULL OR created_at < ?3) AND (?4 IS NULL OR kind = ?4) AND (?5 IS NULL OR credential_id = ?5) "
      "AND (?6 IS NULL OR id < ?6) ORDER BY id DESC LIMIT ?7",
      workspace_id, f.range.since, f.range.until, f.kind, f.credential_id, after, std::int64_t(limit));
  auto standalone = read(own);
  std::optional<std::string> audit_after;
  if (after) audit_after = after->starts_with("use_") ? "aud_" + after->substr(4) : *after;
  auto in_audit = db_.query(
      "SELECT 'use_' || substr(id, 5), workspace_id, usage_credential_type, usage_credential_id, route, status, 1, "
      "'api_request', request_id, created_at FROM audit_events WHERE workspace_id = ?1 "
      "AND usage_credential_id IS NOT NULL AND (?2 IS NULL OR created_at >= ?2) AND (?3 IS NULL OR created_at < ?3) "
      "AND (?4 IS NULL OR ?4 = 'api_request') AND (?5 IS NULL OR usage_credential_id = ?5) "
      "AND (?6 IS NULL OR id < ?6) ORDER BY id DESC LIMIT ?7",
      workspace_id, f.range.since, f.range.until, f.kind, f.credential_id, audit_after, std::int64_t(limit));
  auto with_changes = read(in_audit);
  std::vector<slab5::Json> out;
  std::size_t a = 0, b = 0;
  while (int(out.size()) < limit && (a < standalone.size() || b < with_changes.size())) {
    bool take_a =
        b == with_changes.size() || (a < standalone.size() && standalone[a]["id"].get_ref<const std::string&>() >
                                                                  with_changes[b]["id"].get_ref<const std::string&>());
    out.push_back(std::move(take_a ? standalone[a++] : with_changes[b++]));
  }
  return out;
}

}  // namespace slab5d
