// PostgreSQL's app-plane tables, generated from the resource table (record_schema.hpp).
#include "store/postgres/record_schema.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <unordered_map>

#include "slab5/crypto.hpp"
#include "slab5/ids.hpp"
#include "slab5/time.hpp"
#include "store/postgres/migrations.hpp"
#include "store/postgres/record_store.hpp"

namespace slab5d {

namespace {

using PgKind = PgRecordColumn::Kind;

std::string pg_ident(std::string_view name) { return "\"" + std::string(name) + "\""; }

// One resource's schema in parts, so that a later start can add what is missing.
struct PgTableSql {
  std::string create;                // CREATE TABLE
  std::vector<std::string> indexes;  // CREATE INDEX IF NOT EXISTS …
  std::string text_column;           // the text-search column's definition ("" without text fields)
  std::string text_index;            // its GIN index
};

std::string pg_column_sql(const slab5::api::ResourceSpec& spec, const PgRecordColumn& c, bool in_create) {
  std::string sql = pg_ident(c.sql);
  switch (c.kind) {
    case PgKind::Integer:
      sql += " BIGINT";
      break;
    case PgKind::Boolean:
      sql += " BOOLEAN";
      break;
    case PgKind::Json:
      sql += " JSONB";
      break;
    default:
      sql += " TEXT";
      break;
  }
  if (in_create && c.sql == "id")
    sql += " PRIMARY KEY";
  else if (c.not_null && in_create)
    sql += " NOT NULL";
  if (c.sql == "workspace_id") sql += " REFERENCES workspaces(id) ON DELETE CASCADE";
  if (spec.is_child() && c.sql == spec.parent_field)
    sql += " REFERENCES " + slab5::api::find_resource(spec.parent)->table_name() + "(id) ON DELETE CASCADE";
  if (c.sql == "custom_fields") sql += in_create ? " DEFAULT '{}'" : " NOT NULL DEFAULT '{}'";
  return sql;
}

PgTableSql pg_table_sql(const slab5::api::ResourceSpec& spec) {
  PgTableSql out;
  auto t = spec.table_name();
  out.create = "CREATE TABLE " + t + " (\n";
  bool first = true;
  for (const auto& c : pg_record_columns(spec)) {
    out.create += (first ? "  " : ",\n  ") + pg_column_sql(spec, c, true);
    first = false;
  }
  if (!spec.text_fields.empty()) {
    std::string text;
    for (auto f : spec.text_fields)
      text += (text.empty() ? "" : " || ' ' || ") + ("coalesce(" + pg_ident(f) + "::text, '')");
    out.text_column = std::string(kPgTextColumn) +
                      " tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, slab5_text_words(" + text +
                      "))) STORED";
    out.text_index =
        "CREATE INDEX IF NOT EXISTS " + t + "_fts ON " + t + " USING gin (" + std::string(kPgTextColumn) + ");\n";
    out.create += ",\n  " + out.text_column;
  }
  if (!spec.unique_key.empty()) {
    out.create += ",\n  UNIQUE (workspace_id";
    for (auto f : spec.unique_key) out.create += ", " + pg_ident(f);
    out.create += ")";
  }
  out.create += ");\n";
  // The key stays on id and every index covers every row: `unique` and `sparse` are SQLite's
  // (docs/postgres.md, "App-plane keys and indexes").
  for (const auto& ix : record_indexes(spec)) {
    std::string cols;
    for (const auto& c : ix.columns)
      cols += (cols.empty() ? "" : ", ") + (c == "workspace_id" || c == "id" ? c : pg_ident(c));
    out.indexes.push_back("CREATE INDEX IF NOT EXISTS " + t + "_" + ix.name + " ON " + t + "(" + cols + ");\n");
  }
  return out;
}

}  // namespace

const std::vector<PgRecordColumn>& pg_record_columns(const slab5::api::ResourceSpec& spec) {
  // The same columns, in the same order, as SQLite's (record_store.cpp); the record's own
  // origin is "origin", since a lead has a `source` field of its own.
  static std::mutex mu;
  static std::map<const slab5::api::ResourceSpec*, std::vector<PgRecordColumn>> made;
  std::lock_guard lock(mu);
  if (auto it = made.find(&spec); it != made.end()) return it->second;
  std::vector<PgRecordColumn> c = {
      {"id", "id", PgKind::Text, true},
      {"workspace_id", "workspace_id", PgKind::Text, true},
      {"tenant_id", "tenant_id", PgKind::Text, true},
      {"created_at", "created_at", PgKind::Text, true},
      {"updated_at", "updated_at", PgKind::Text, true},
      {"version", "version", PgKind::Integer, true},
      {spec.field("source") ? "" : "source", "origin", PgKind::Text, true},
      {"created_by", "created_by_type", PgKind::ActorType, false},
      {"created_by", "created_by_id", PgKind::ActorId, false},
      {"last_agent_actor_id", "last_agent_actor_id", PgKind::Text, false},
      {"custom_fields", "custom_fields", PgKind::Json, true},
  };
  if (spec.is_child())
    c.push_back({std::string(spec.parent_field), std::string(spec.parent_field), PgKind::Text, true});
  using slab5::api::FieldType;
  for (const auto& f : spec.fields) {
    PgKind kind = f.type == FieldType::Object    ? PgKind::Json
                  : f.type == FieldType::Integer ? PgKind::Integer
                  : f.type == FieldType::Boolean ? PgKind::Boolean
                                                 : PgKind::Text;
    c.push_back({std::string(f.name), std::string(f.name), kind, false});
  }
  return made.emplace(&spec, std::move(c)).first->second;
}

std::string pg_record_tables_sql() {
  std::string sql;
  for (const auto& spec : slab5::api::resource_table()) {
    auto parts = pg_table_sql(spec);
    sql += parts.create;
    for (const auto& i : parts.indexes) sql += i;
    sql += parts.text_index;
  }
  return sql;
}

void pg_sync_record_tables(PgConn& conn) {
  auto wanted = slab5::sha256_hex(pg_record_tables_sql());
  auto current = [&] {
    auto r = conn.exec("SELECT value FROM meta WHERE key = 'record_tables'");
    return r.rows() ? r.text(0, 0) : std::string();
  };
  if (current() == wanted) return;  // the common case: nothing changed
  PgTx tx(conn, PgIsolation::ReadCommitted);
  (void)conn.exec("SELECT pg_advisory_xact_lock($1)", kPgMigrationLock);
  if (current() == wanted) return;  // another process did it while this one waited
  std::vector<const slab5::api::ResourceSpec*> created;
  for (const auto& spec : slab5::api::resource_table()) {
    auto t = spec.table_name();
    auto parts = pg_table_sql(spec);
    if (!conn.exec("SELECT to_regclass($1) IS NOT NULL", t).boolean(0, 0)) {
      conn.exec_script(parts.create);
      created.push_back(&spec);
    } else {
      std::vector<std::string> have;
      {
        auto r = conn.exec(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND "
            "table_name = $1",
            t);
        for (int i = 0; i < r.rows(); ++i) have.push_back(r.text(i, 0));
      }
      for (const auto& c : pg_record_columns(spec))
        if (std::find(have.begin(), have.end(), c.sql) == have.end())
          conn.exec_script("ALTER TABLE " + t + " ADD COLUMN " + pg_column_sql(spec, c, false));
      // The text fields may have changed: the generated column is made again (and with it
      // its index), as SQLite rebuilds its FTS5 table.
      conn.exec_script("ALTER TABLE " + t + " DROP COLUMN IF EXISTS " + kPgTextColumn);
      if (!parts.text_column.empty()) conn.exec_script("ALTER TABLE " + t + " ADD COLUMN " + parts.text_column);
    }
    for (const auto& i : parts.indexes) conn.exec_script(i);
    if (!parts.text_index.empty()) conn.exec_script(parts.text_index);
  }
  // Workspaces that existed before a table get its initial records now.
  for (const auto* spec : created) {
    if (spec->initial.empty()) continue;
    auto ws = conn.exec("SELECT id, tenant_id FROM workspaces ORDER BY id");
    PgRecordStore store(conn);
    for (int i = 0; i < ws.rows(); ++i)
      if (!insert_initial_records(store, *spec, ws.text(i, 0), ws.text(i, 1)))
        throw PgError("23000", "the initial records of " + spec->table_name() + " could not be written");
  }
  (void)conn.exec(
      "INSERT INTO meta (key, value) VALUES ('record_tables', $1) ON CONFLICT (key) DO UPDATE SET value = "
      "excluded.value",
      wanted);
  tx.commit();
}

const std::string& pg_record_insert_sql(const slab5::api::ResourceSpec& spec) {
  // Made once per thread (each thread has its own connection), as SQLite's is.
  thread_local std::unordered_map<const slab5::api::ResourceSpec*, std::string> made;
  auto [it, added] = made.try_emplace(&spec);
  if (added) {
    const auto& cols = pg_record_columns(spec);
    std::string names, marks;
    for (std::size_t i = 0; i < cols.size(); ++i) {
      names += (i ? ", " : "") + pg_ident(cols[i].sql);
      marks += (i ? ", $" : "$") + std::to_string(i + 1);
    }
    it->second = "INSERT INTO " + spec.table_name() + " (" + names + ") VALUES (" + marks + ")";
  }
  return it->second;
}

void pg_bind_record(PgParams& params, const slab5::api::ResourceSpec& spec, const nlohmann::json& record) {
  for (const auto& c : pg_record_columns(spec)) {
    if (c.json.empty()) {
      // The origin of a resource whose own field is `source` travels as "__origin".
      auto o = record.find("__origin");
      params.add(o != record.end() && o->is_string() ? o->get<std::string>() : std::string("api"));
      continue;
    }
    auto it = record.find(c.json);
    if (c.kind == PgKind::ActorType || c.kind == PgKind::ActorId) {
      const nlohmann::json* v = nullptr;
      if (it != record.end() && it->is_object()) {
        auto f = it->find(c.kind == PgKind::ActorType ? "type" : "id");
        if (f != it->end() && f->is_string()) v = &*f;
      }
      if (v)
        params.add(v->get<std::string>());
      else
        params.add(nullptr);
      continue;
    }
    if (it == record.end() || it->is_null()) {
      if (c.kind == PgKind::Json && c.not_null)
        params.add("{}");
      else
        params.add(nullptr);
      continue;
    }
    switch (c.kind) {
      case PgKind::Json:
        params.add(it->dump());
        break;
      case PgKind::Integer:
        if (it->is_boolean())
          params.add(std::int64_t(it->get<bool>() ? 1 : 0));
        else
          params.add(it->get<std::int64_t>());
        break;
      case PgKind::Boolean:
        params.add(it->is_boolean() ? it->get<bool>() : it->get<std::int64_t>() != 0);
        break;
      default:
        params.add(it->is_string() ? it->get<std::string>() : it->dump());
        break;
    }
  }
}

}  // namespace slab5d
