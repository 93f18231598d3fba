#include "domain/usage_query.hpp"

namespace slab5d {

std::optional<UsageGroup> parse_usage_group(std::string_view s) {
  if (s == "day") return UsageGroup::Day;
  if (s == "route") return UsageGroup::Route;
  if (s == "credential") return UsageGroup::Credential;
  if (s == "kind") return UsageGroup::Kind;
  return std::nullopt;
}

slab5::Json UsageRow::to_json() const {
  return {{"key", key}, {"requests", requests}, {"units", units}, {"errors", errors}};
}

std::vector<UsageRow> summarize_usage(Db& db, const std::string& workspace_id, const UsageRange& range,
                                      UsageGroup group) {
  // The key expression comes from this fixed table, never from the request.
  const char* key = "substr(created_at, 1, 10)";
  const char* order = "key ASC";
  switch (group) {
    case UsageGroup::Day: break;
    case UsageGroup::Route: key = "route"; order = "requests DESC, key ASC"; break;
    case UsageGroup::Credential: key = "credential_id"; order = "requests DESC, key ASC"; break;
    case UsageGroup::Kind: key = "kind"; order = "requests DESC, key ASC"; break;
  }
  auto q = db.query(std::string("SELECT ") + key +
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

std::vector<slab5::Json> list_usage_events(Db& db, const std::string& workspace_id, const UsageFilters& f,
                                           const std::optional<std::string>& after, int limit) {
  auto q = db.query(
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
