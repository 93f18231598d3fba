// PostgreSQL storage of app-plane records: SqliteRecordStore's statements in PostgreSQL's
// dialect, over the tables record_schema.cpp generates.
#include "store/postgres/record_store.hpp"

#include <algorithm>
#include <charconv>
#include <unordered_map>

#include "store/postgres/record_schema.hpp"

namespace slab5d {

using Json = nlohmann::json;
using slab5::api::ResourceSpec;
using Kind = PgRecordColumn::Kind;

namespace {

std::string quote(std::string_view name) { return "\"" + std::string(name) + "\""; }

const PgRecordColumn* find_column(const ResourceSpec& spec, std::string_view sql) {
  for (const auto& c : pg_record_columns(spec))
    if (c.sql == sql) return &c;
  return nullptr;
}

std::string select_list(const ResourceSpec& spec) {
  std::string out;
  for (const auto& c : pg_record_columns(spec)) out += (out.empty() ? "" : ", ") + quote(c.sql);
  return out;
}

// One row of `r` (columns in select_list's order) as the record SQLite's row_to_json makes.
Json row_to_json(const ResourceSpec& spec, const PgResult& r, int row) {
  Json out = Json::object();
  int i = 0;
  std::string actor_type;
  for (const auto& c : pg_record_columns(spec)) {
    int col = i++;
    if (c.json.empty()) continue;  // the origin column of a resource whose field is `source`
    bool null = r.is_null(row, col);
    switch (c.kind) {
      case Kind::Text:
        out[c.json] = null ? Json(nullptr) : Json(r.text(row, col));
        break;
      case Kind::Integer:
        out[c.json] = null ? Json(nullptr) : Json(r.integer(row, col));
        break;
      case Kind::Boolean:
        out[c.json] = null ? Json(nullptr) : Json(r.boolean(row, col));
        break;
      case Kind::Json: {
        if (null) {
          out[c.json] = nullptr;
        } else {
          auto parsed = Json::parse(r.text(row, col), nullptr, false);
          out[c.json] = parsed.is_discarded() ? Json(nullptr) : parsed;
        }
        break;
      }
      case Kind::ActorType:
        actor_type = null ? "" : r.text(row, col);
        break;
      case Kind::ActorId:
        out[c.json] = actor_type.empty() ? Json(nullptr) : Json{{"type", actor_type}, {"id", r.text(row, col)}};
        break;
    }
  }
  return out;
}

slab5::Status constraint_error(const ResourceSpec& spec, const PgRun& run) {
  if (run.constraint == PgConstraint::Unique && !spec.unique_key.empty()) {
    std::string fields;
    for (auto f : spec.unique_key) fields += (fields.empty() ? "" : " and ") + std::string(f);
    return slab5::fail("conflict", "A " + std::string(spec.singular) + " with this " + fields + " already exists.");
  }
  // A foreign key (the workspace or the parent went) or another constraint: never a 2xx.
  return slab5::fail("conflict",
                     "The " + std::string(spec.singular) + " cannot be written: what it belongs to no longer exists.");
}

// No text PostgreSQL stores holds a NUL byte: a key holding one names no row (where SQLite,
// which could store one, finds none either).
bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// A value compared with column `c`, as the text PostgreSQL reads for the column's type, the
// way SQLite's comparison (with the column's affinity) sees it; nullopt when SQLite would
// find no row equal to it (a word compared with an INTEGER column).
std::optional<std::string> compared_value(const PgRecordColumn& c, const Json& v) {
  switch (c.kind) {
    case Kind::Integer:
      if (v.is_boolean()) return std::string(v.get<bool>() ? "1" : "0");
      if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
      if (v.is_string()) {
        auto n = parse_int(v.get<std::string>());
        if (n) return std::to_string(*n);
      }
      return std::nullopt;
    case Kind::Boolean: {
      // SQLite keeps a flag as 0 or 1.
      std::optional<std::int64_t> n;
      if (v.is_boolean()) n = v.get<bool>() ? 1 : 0;
      if (v.is_number_integer()) n = v.get<std::int64_t>();
      if (v.is_string()) n = parse_int(v.get<std::string>());
      if (!n || (*n != 0 && *n != 1)) return std::nullopt;
      return std::string(*n ? "true" : "false");
    }
    default:
      if (v.is_string()) return v.get<std::string>();
      if (v.is_boolean()) return std::string(v.get<bool>() ? "1" : "0");
      if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
      return v.dump();
  }
}

std::string sort_column(RecordSort s) {
  switch (s) {
    case RecordSort::UpdatedDesc:
    case RecordSort::UpdatedAsc:
      return "updated_at";
    case RecordSort::Position:
    case RecordSort::PositionDesc:
      return "position";
    default:
      return "";
  }
}

bool ascending(RecordSort s) {
  return s == RecordSort::OldestFirst || s == RecordSort::UpdatedAsc || s == RecordSort::Position;
}

// A list of parameters built up with the SQL that names them.
struct Args {
  std::vector<std::optional<std::string>> values;
  bool none = false;  // a value no stored row can equal: the list is empty
  std::string add(std::optional<std::string> v) {
    values.push_back(std::move(v));
    return "$" + std::to_string(values.size());
  }
  // A value compared with a column: nullopt (see compared_value) or a NUL byte, which no
  // PostgreSQL text holds (and which PgParams refuses), matches no row.
  std::string add_compared(std::optional<std::string> v) {
    if (!v || v->find('\0') != std::string::npos) {
      none = true;
      v.reset();
    }
    return add(std::move(v));
  }
  PgResult exec(PgConn& conn, const std::string& sql) const {
    PgParams p(values.size());
    for (const auto& v : values) {
      if (v)
        p.add(std::string(*v));
      else
        p.add(nullptr);
    }
    return conn.exec_params(sql, p);
  }
};

}  // namespace

bool pg_text_has_word(std::string_view text) {
  for (unsigned char ch : text)
    if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch >= 0x80) return true;
  return false;
}

namespace {
// A write of a record holding what no PostgreSQL text or JSONB value can (a NUL byte in a
// text field, \u0000 in a JSON document: SQLSTATE 22021, 22P05) is refused as invalid input,
// where SQLite stores it; the statement was undone and the transaction goes on.
template <class F>
slab5::Status storable(const ResourceSpec& spec, F&& write) {
  try {
    return write();
  } catch (const PgError& e) {
    if (e.sqlstate() != sqlstate::kCharacterNotInRepertoire && e.sqlstate() != "22P05") throw;
    return slab5::fail("invalid_request", "The " + std::string(spec.singular) +
                                              " cannot be stored: it holds a character the database cannot store "
                                              "(NUL, \\u0000).");
  }
}
}  // namespace

slab5::Status PgRecordStore::insert(const ResourceSpec& spec, const Json& record) {
  return storable(spec, [&]() -> slab5::Status {
    PgParams params(pg_record_columns(spec).size());
    pg_bind_record(params, spec, record);
    auto run = conn_.run_params(pg_record_insert_sql(spec), params);
    if (!run.ok()) return constraint_error(spec, run);
    return {};
  });
}

slab5::Result<std::optional<Json>> PgRecordStore::get(const ResourceSpec& spec, const std::string& workspace_id,
                                                      const std::string& id) {
  if (has_nul(workspace_id) || has_nul(id)) return std::optional<Json>{};
  auto r =
      conn_.exec("SELECT " + select_list(spec) + " FROM " + spec.table_name() + " WHERE id = $1 AND workspace_id = $2",
                 id, workspace_id);
  if (r.rows() == 0) return std::optional<Json>{};
  return std::optional<Json>{row_to_json(spec, r, 0)};
}

slab5::Result<std::optional<Json>> PgRecordStore::get_for_update(const ResourceSpec& spec,
                                                                 const std::string& workspace_id,
                                                                 const std::string& id) {
  // Outside a transaction a lock would end with the statement: a plain read then.
  if (!conn_.in_transaction()) return get(spec, workspace_id, id);
  if (has_nul(workspace_id) || has_nul(id)) return std::optional<Json>{};
  auto r = conn_.exec("SELECT " + select_list(spec) + " FROM " + spec.table_name() +
                          " WHERE id = $1 AND workspace_id = $2 FOR NO KEY UPDATE",
                      id, workspace_id);
  if (r.rows() == 0) return std::optional<Json>{};
  return std::optional<Json>{row_to_json(spec, r, 0)};
}

namespace {
// A resource's UPDATE statement (made once per thread, like the INSERT) and the columns it
// sets, in parameter order; then id, workspace_id and the expected version.
struct UpdateSql {
  std::string sql;
  std::vector<const PgRecordColumn*> set;
};
const UpdateSql& record_update_sql(const ResourceSpec& spec) {
  thread_local std::unordered_map<const ResourceSpec*, UpdateSql> made;
  auto [it, added] = made.try_emplace(&spec);
  if (added) {
    std::string sets;
    int i = 1;
    for (const auto& c : pg_record_columns(spec)) {
      // Identity, creation time and origin never change.
      if (c.sql == "id" || c.sql == "workspace_id" || c.sql == "tenant_id" || c.sql == "created_at" ||
          c.sql == "origin" || c.sql == "created_by_type" || c.sql == "created_by_id")
        continue;
      sets += (sets.empty() ? "" : ", ") + quote(c.sql) + " = $" + std::to_string(i++);
      it->second.set.push_back(&c);
    }
    it->second.sql = "UPDATE " + spec.table_name() + " SET " + sets + " WHERE id = $" + std::to_string(i) +
                     " AND workspace_id = $" + std::to_string(i + 1) + " AND version = $" + std::to_string(i + 2);
  }
  return it->second;
}
}  // namespace

slab5::Status PgRecordStore::update(const ResourceSpec& spec, const Json& record, std::int64_t expected_version) {
  return storable(spec, [&]() -> slab5::Status {
    const auto& u = record_update_sql(spec);
    // pg_bind_record binds every column in table order; only those SET are kept.
    PgParams all(pg_record_columns(spec).size());
    pg_bind_record(all, spec, record);
    const auto& cols = pg_record_columns(spec);
    PgParams params(u.set.size() + 3);
    for (const auto* c : u.set) {
      auto at = std::size_t(c - cols.data());
      const char* v = all.values()[at];
      if (v)
        params.add(std::string(v));
      else
        params.add(nullptr);
    }
    params.add(record.at("id").get<std::string>());
    params.add(record.at("workspace_id").get<std::string>());
    params.add(expected_version);
    auto run = conn_.run_params(u.sql, params);
    if (!run.ok()) return constraint_error(spec, run);
    if (run.affected() != 1)
      return slab5::fail("precondition_failed", "The " + std::string(spec.singular) + " changed since it was read.");
    return {};
  });
}

slab5::Status PgRecordStore::remove(const ResourceSpec& spec, const std::string& workspace_id, const std::string& id) {
  if (has_nul(workspace_id) || has_nul(id)) return slab5::fail("resource_not_found");
  auto run = conn_.run("DELETE FROM " + spec.table_name() + " WHERE id = $1 AND workspace_id = $2", id, workspace_id);
  if (!run.ok()) return constraint_error(spec, run);
  if (run.affected() != 1) return slab5::fail("resource_not_found");
  return {};
}

slab5::Result<RecordPage> PgRecordStore::list(const ResourceSpec& spec, const RecordQuery& rq) {
  auto t = spec.table_name();
  // A text without a word matches nothing, as fts_query's empty query does on SQLite.
  if (rq.text && (!pg_text_has_word(*rq.text) || spec.text_fields.empty())) return RecordPage{};
  Args args;
  std::string where = "workspace_id = " + args.add_compared(rq.workspace_id);
  if (spec.is_child())
    where += " AND " + quote(spec.parent_field) + " = " + args.add_compared(rq.parent_id.value_or(""));
  for (const auto& f : rq.filters) {
    if (f.column.rfind("custom_fields.", 0) == 0) {
      // SQLite compares json_extract's value as text ('true'/'false' for a flag) with the
      // value as bound: only a string can be equal to it.
      auto key = args.add(f.column.substr(14));
      where += " AND (CASE jsonb_typeof(custom_fields -> " + key + ") WHEN 'string' THEN custom_fields ->> " + key +
               " WHEN 'null' THEN NULL ELSE (custom_fields -> " + key + ")::text END) = " +
               args.add_compared(f.value.is_string() ? std::optional(f.value.get<std::string>()) : std::nullopt);
      continue;
    }
    if (!spec.field(f.column)) return slab5::fail("invalid_request", "Unknown filter: " + f.column);
    const auto* c = find_column(spec, f.column);
    auto v = c ? compared_value(*c, f.value) : std::nullopt;
    const char* op = f.op == RecordFilter::Op::Eq ? " = " : f.op == RecordFilter::Op::Lt ? " < " : " >= ";
    where += " AND " + quote(f.column) + op + args.add_compared(v);
  }
  if (rq.created_after) where += " AND created_at > " + args.add_compared(*rq.created_after);
  if (rq.created_before) where += " AND created_at < " + args.add_compared(*rq.created_before);
  if (rq.updated_since) where += " AND updated_at >= " + args.add_compared(*rq.updated_since);
  // The words travel as a parameter; slab5_text_query (migration 1) splits them where
  // fts_query does and quotes each, so no tsquery operator of the text reaches to_tsquery.
  // A NUL byte, which PostgreSQL's text cannot hold, separates words as any other.
  if (rq.text) {
    std::string text = *rq.text;
    std::replace(text.begin(), text.end(), '\0', ' ');
    where += std::string(" AND ") + kPgTextColumn + " @@ slab5_text_query(" + args.add(std::move(text)) + ")";
  }
  auto sort = sort_column(rq.sort);
  bool asc = ascending(rq.sort);
  bool numeric = rq.sort == RecordSort::Position || rq.sort == RecordSort::PositionDesc;
  if (rq.after) {
    // A cursor is made by the server; one holding a NUL byte was not (PostgreSQL could not
    // compare it).
    if (rq.after->first.find('\0') != std::string::npos || rq.after->second.find('\0') != std::string::npos)
      return slab5::fail("invalid_request", "The cursor is not valid for this list.");
    if (sort.empty()) {
      where += (asc ? " AND id > " : " AND id < ") + args.add(rq.after->second);
    } else {
      std::string key = rq.after->first;
      if (numeric) {
        try {
          key = std::to_string(std::stoll(rq.after->first));
        } catch (const std::exception&) {
          return slab5::fail("invalid_request", "The cursor is not valid for this list.");
        }
      }
      auto k = args.add(key);
      auto id = args.add(rq.after->second);
      where += " AND (" + quote(sort) + ", id) " + (asc ? ">" : "<") + " (" + k + ", " + id + ")";
    }
  }
  if (args.none) return RecordPage{};
  std::string dir = asc ? " ASC" : " DESC";
  // SQLite puts NULLs first in ascending order; only the position may be NULL.
  std::string nulls = numeric ? (asc ? " NULLS FIRST" : " NULLS LAST") : "";
  std::string order = sort.empty() ? "id" + dir : quote(sort) + dir + nulls + ", id" + dir;
  auto r = args.exec(conn_, "SELECT " + select_list(spec) + " FROM " + t + " WHERE " + where + " ORDER BY " + order +
                                " LIMIT " + std::to_string(rq.limit + 1));
  RecordPage page;
  for (int row = 0; row < r.rows(); ++row) {
    if (int(page.records.size()) == rq.limit) {
      page.more = true;
      break;
    }
    page.records.push_back(row_to_json(spec, r, row));
  }
  if (!page.records.empty()) {
    const auto& last = page.records.back();
    std::string key;
    if (!sort.empty()) key = last[sort].is_string() ? last[sort].get<std::string>() : last[sort].dump();
    page.last = {key, last["id"].get<std::string>()};
  }
  return page;
}

slab5::Result<std::int64_t> PgRecordStore::count_referencing(const ResourceSpec& spec, const std::string& column,
                                                             const std::string& workspace_id, const std::string& id) {
  if (!spec.field(column)) return slab5::fail("internal_error");
  const auto* c = find_column(spec, column);
  auto v = c ? compared_value(*c, Json(id)) : std::nullopt;
  if (!v || has_nul(*v) || has_nul(workspace_id)) return std::int64_t(0);
  auto r = conn_.exec(
      "SELECT count(*) FROM " + spec.table_name() + " WHERE workspace_id = $1 AND " + quote(column) + " = $2",
      workspace_id, *v);
  return r.integer(0, 0);
}

slab5::Result<std::int64_t> PgRecordStore::count(const ResourceSpec& spec, const std::string& workspace_id,
                                                 const std::string& column, const std::string& value) {
  if (column.empty() && has_nul(workspace_id)) return std::int64_t(0);
  if (column.empty())
    return conn_.exec("SELECT count(*) FROM " + spec.table_name() + " WHERE workspace_id = $1", workspace_id)
        .integer(0, 0);
  return count_referencing(spec, column, workspace_id, value);
}

slab5::Result<std::vector<Json>> PgRecordStore::clear_references(const ResourceSpec& spec, const std::string& column,
                                                                 const std::string& workspace_id, const std::string& id,
                                                                 const std::string& now) {
  if (!spec.field(column)) return slab5::fail("internal_error");
  std::vector<Json> before;
  const auto* c = find_column(spec, column);
  auto v = c ? compared_value(*c, Json(id)) : std::nullopt;
  if (!v || has_nul(*v) || has_nul(workspace_id)) return before;
  {
    // In id order: SQLite reads them along its (workspace_id, column, id) index.
    auto r = conn_.exec("SELECT " + select_list(spec) + " FROM " + spec.table_name() + " WHERE workspace_id = $1 AND " +
                            quote(column) + " = $2 ORDER BY id",
                        workspace_id, *v);
    for (int row = 0; row < r.rows(); ++row) before.push_back(row_to_json(spec, r, row));
  }
  if (before.empty()) return before;
  auto u = conn_.run("UPDATE " + spec.table_name() + " SET " + quote(column) +
                         " = NULL, version = version + 1, updated_at = $1 WHERE workspace_id = $2 AND " +
                         quote(column) + " = $3",
                     now, workspace_id, *v);
  if (!u.ok()) return tl::unexpected(constraint_error(spec, u).error());
  return before;
}

slab5::Result<bool> PgRecordStore::is_member(const std::string& workspace_id, const std::string& user_id) {
  if (has_nul(workspace_id) || has_nul(user_id)) return false;
  return conn_.exec("SELECT 1 FROM memberships WHERE workspace_id = $1 AND user_id = $2", workspace_id, user_id)
             .rows() > 0;
}

}  // namespace slab5d
