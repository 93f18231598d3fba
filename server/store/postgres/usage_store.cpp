#include "store/postgres/usage_store.hpp"

namespace slab5d {

slab5::Status PgUsageStore::append(std::span<const UsageEvent> events) {
  if (events.empty()) return {};
  // A batch holds every request of the last half second. Rows go in kRows at a time through
  // one multi-row INSERT; the two statement shapes are prepared once per connection. ON
  // CONFLICT DO NOTHING keeps the per-row rule: a row whose (workspace_id, id) is already
  // stored, or repeats one of the same statement, is skipped and the other rows are written.
  constexpr std::size_t kRows = 32;
  constexpr int kCols = 10;
  auto sql_for = [](std::size_t rows) {
    std::string sql =
        "INSERT INTO usage_event_rows (id, workspace_id, credential_type, credential_id, route, status, units, "
        "kind, request_id, created_at) VALUES ";
    for (std::size_t r = 0; r < rows; ++r) {
      sql += r ? ",(" : "(";
      for (int c = 1; c <= kCols; ++c) {
        if (c > 1) sql += ", ";
        sql += "$" + std::to_string(int(r) * kCols + c);
      }
      sql += ")";
    }
    return sql + " ON CONFLICT DO NOTHING";
  };
  auto run = [this](const std::string& sql, const UsageEvent* first, std::size_t rows) -> slab5::Status {
    PgParams p(rows * kCols);
    for (std::size_t r = 0; r < rows; ++r) {
      const UsageEvent& e = first[r];
      p.add(e.id);
      p.add(e.workspace_id);
      p.add(e.credential_type);
      p.add(e.credential_id);
      p.add(e.route);
      p.add(std::int64_t(e.status));
      p.add(std::int64_t(e.units));
      p.add(e.kind);
      p.add(e.request_id);
      p.add(e.created_at);
    }
    auto done = conn_.run_params(sql, p);
    if (!done.ok())
      return slab5::fail("conflict",
                         "a usage event cannot be written: it breaks the constraint " +
                             (done.constraint_name.empty() ? std::string("of its table") : done.constraint_name));
    return {};
  };
  static const std::string kMany = sql_for(kRows);
  static const std::string kOne = sql_for(1);
  std::size_t i = 0, n = events.size();
  for (; n - i >= kRows; i += kRows)
    if (auto ok = run(kMany, &events[i], kRows); !ok) return ok;
  for (; i < n; ++i)
    if (auto ok = run(kOne, &events[i], 1); !ok) return ok;
  return {};
}

slab5::Result<std::vector<UsageRow>> PgUsageStore::summarize(const std::string& workspace_id, const UsageRange& range,
                                                             UsageGroup group) {
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
  auto r = conn_.exec(std::string("SELECT ") + key +
                          " AS key, count(*) AS requests, coalesce(sum(units), 0)::bigint, "
                          "sum(CASE WHEN status >= 400 THEN 1 ELSE 0 END)::bigint FROM usage_event_rows "
                          "WHERE workspace_id = $1 AND ($2::text IS NULL OR created_at >= $2::text) "
                          "AND ($3::text IS NULL OR created_at < $3::text) GROUP BY 1 ORDER BY " +
                          order,
                      workspace_id, range.since, range.until);
  std::vector<UsageRow> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(UsageRow{r.text(i, 0), r.integer(i, 1), r.integer(i, 2), r.integer(i, 3)});
  return out;
}

slab5::Result<std::vector<slab5::Json>> PgUsageStore::list(const std::string& workspace_id, const UsageFilters& f,
                                                           const std::optional<std::string>& after, int limit) {
  auto r = conn_.exec(
      "SELECT id, workspace_id, credential_type, credential_id, route, status, units, kind, request_id, created_at "
      "FROM usage_event_rows WHERE workspace_id = $1 AND ($2::text IS NULL OR created_at >= $2::text) "
      "AND ($3::text IS NULL OR created_at < $3::text) AND ($4::text IS NULL OR kind = $4::text) "
      "AND ($5::text IS NULL OR credential_id = $5::text) AND ($6::text IS NULL OR id < $6::text) "
      "ORDER BY id DESC LIMIT $7",
      workspace_id, f.range.since, f.range.until, f.kind, f.credential_id, after, std::int64_t(limit));
  std::vector<slab5::Json> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({{"id", r.text(i, 0)},
                   {"workspace_id", r.text(i, 1)},
                   {"credential", {{"type", r.text(i, 2)}, {"id", r.text(i, 3)}}},
                   {"route", r.text(i, 4)},
                   {"status", r.integer(i, 5)},
                   {"units", r.integer(i, 6)},
                   {"kind", r.text(i, 7)},
                   {"request_id", r.text(i, 8)},
                   {"created_at", r.text(i, 9)}});
  }
  return out;
}

}  // namespace slab5d
