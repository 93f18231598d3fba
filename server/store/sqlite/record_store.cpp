// SQLite storage of app-plane records, generated from the resource table.
#include "store/sqlite/record_store.hpp"

#include "logger.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>

#include <map>
#include <mutex>
#include <unordered_map>

#include "slab5/crypto.hpp"
#include "slab5/ids.hpp"
#include "slab5/time.hpp"

namespace slab5d {

using Json = nlohmann::json;
using slab5::api::FieldType;
using slab5::api::ResourceSpec;

namespace {

// How a record's JSON maps to a table's columns.
struct Column {
  std::string json;  // key in the record JSON ("source" for the record's origin)
  std::string sql;   // column name
  enum class Kind { Text, Integer, Json, ActorType, ActorId } kind = Kind::Text;
  bool not_null = false;
};

std::string quote(std::string_view name) { return "\"" + std::string(name) + "\""; }

bool is_integer(FieldType t) { return t == FieldType::Integer || t == FieldType::Boolean; }

// The columns of a resource's table, in table order. The record's own origin is stored as
// "origin": a lead has a `source` field of its own.
const std::vector<Column>& columns(const ResourceSpec& spec) {
  static std::mutex mu;
  static std::map<const ResourceSpec*, std::vector<Column>> cache;
  std::lock_guard lock(mu);
  auto it = cache.find(&spec);
  if (it != cache.end()) return it->second;
  std::vector<Column> c = {
      {"id", "id", Column::Kind::Text, true},
      {"workspace_id", "workspace_id", Column::Kind::Text, true},
      {"tenant_id", "tenant_id", Column::Kind::Text, true},
      {"created_at", "created_at", Column::Kind::Text, true},
      {"updated_at", "updated_at", Column::Kind::Text, true},
      {"version", "version", Column::Kind::Integer, true},
      {spec.field("source") ? "" : "source", "origin", Column::Kind::Text, true},
      {"created_by", "created_by_type", Column::Kind::ActorType, false},
      {"created_by", "created_by_id", Column::Kind::ActorId, false},
      {"last_agent_actor_id", "last_agent_actor_id", Column::Kind::Text, false},
      {"custom_fields", "custom_fields", Column::Kind::Json, true},
  };
  if (spec.is_child())
    c.push_back({std::string(spec.parent_field), std::string(spec.parent_field), Column::Kind::Text, true});
  for (const auto& f : spec.fields) {
    Column::Kind kind = f.type == FieldType::Object ? Column::Kind::Json
                        : is_integer(f.type)        ? Column::Kind::Integer
                                                    : Column::Kind::Text;
    c.push_back({std::string(f.name), std::string(f.name), kind, false});
  }
  return cache.emplace(&spec, std::move(c)).first->second;
}

std::string select_list(const ResourceSpec& spec) {
  std::string out;
  for (const auto& c : columns(spec)) out += (out.empty() ? "" : ", ") + quote(c.sql);
  return out;
}

Json row_to_json(const ResourceSpec& spec, const Query& q) {
  Json r = Json::object();
  int i = 0;
  std::string actor_type;
  for (const auto& c : columns(spec)) {
    int col = i++;
    if (c.json.empty()) continue;  // the origin column of a resource whose field is `source`
    switch (c.kind) {
      case Column::Kind::Text:
        r[c.json] = q.is_null(col) ? Json(nullptr) : Json(q.text(col));
        break;
      case Column::Kind::Integer: {
        const auto* f = spec.field(c.json);
        if (q.is_null(col))
          r[c.json] = nullptr;
        else if (f && f->type == FieldType::Boolean)
          r[c.json] = q.integer(col) != 0;
        else
          r[c.json] = q.integer(col);
        break;
      }
      case Column::Kind::Json: {
        if (q.is_null(col)) {
          r[c.json] = nullptr;
        } else {
          auto parsed = Json::parse(q.text(col), nullptr, false);
          r[c.json] = parsed.is_discarded() ? Json(nullptr) : parsed;
        }
        break;
      }
      case Column::Kind::ActorType:
        actor_type = q.is_null(col) ? "" : q.text(col);
        break;
      case Column::Kind::ActorId:
        r[c.json] = actor_type.empty() ? Json(nullptr) : Json{{"type", actor_type}, {"id", q.text(col)}};
        break;
    }
  }
  return r;
}

// Binds one record value to parameter `i` of `q`.
void bind_value(Query& q, int i, const Column& c, const Json& record) {
  if (c.json.empty()) {
    // The origin of a resource whose own field is `source` travels as "__origin".
    auto o = record.find("__origin");
    q.bind(i, o != record.end() && o->is_string() ? std::string_view(o->get_ref<const std::string&>())
                                                  : std::string_view("api"));
    return;
  }
  auto it = record.find(c.json);
  if (c.kind == Column::Kind::ActorType || c.kind == Column::Kind::ActorId) {
    if (it == record.end() || !it->is_object()) {
      q.bind(i, Null{});
      return;
    }
    const auto& v = (*it)[c.kind == Column::Kind::ActorType ? "type" : "id"];
    if (v.is_string())
      q.bind(i, v.get_ref<const std::string&>());
    else
      q.bind(i, Null{});
    return;
  }
  if (it == record.end() || it->is_null()) {
    if (c.kind == Column::Kind::Json && c.not_null)
      q.bind(i, std::string("{}"));
    else
      q.bind(i, Null{});
    return;
  }
  switch (c.kind) {
    case Column::Kind::Json:
      q.bind(i, it->dump());
      break;
    case Column::Kind::Integer:
      if (it->is_boolean())
        q.bind(i, it->get<bool>());
      else
        q.bind(i, it->get<std::int64_t>());
      break;
    default:
      if (it->is_string())
        q.bind(i, it->get_ref<const std::string&>());
      else
        q.bind(i, it->dump());
      break;
  }
}

// The text a column holds for `record` once bind_value has stored it (NULL: nullopt).
std::optional<std::string> stored_text(const Column& c, const Json& record) {
  auto it = record.find(c.json);
  if (it == record.end() || it->is_null()) {
    if (c.kind == Column::Kind::Json && c.not_null) return "{}";
    return std::nullopt;
  }
  if (it->is_string()) return it->get<std::string>();
  if (it->is_boolean()) return it->get<bool>() ? "1" : "0";
  return it->dump();
}

slab5::Status constraint_error(const ResourceSpec& spec, Db& db) {
  std::string msg = sqlite3_errmsg(db.handle());
  // "UNIQUE constraint failed: contacts.workspace_id, contacts.id" (or "contacts.id"): the id.
  auto id_column = spec.table_name() + ".id";
  if (msg.find("UNIQUE") != std::string::npos && msg.size() >= id_column.size() &&
      msg.compare(msg.size() - id_column.size(), id_column.size(), id_column) == 0)
    return slab5::fail("conflict", "A " + std::string(spec.singular) + " with this id already exists.");
  if (msg.find("UNIQUE") != std::string::npos && !spec.unique_key.empty()) {
    std::string fields;
    for (auto f : spec.unique_key) fields += (fields.empty() ? "" : " and ") + std::string(f);
    return slab5::fail("conflict", "A " + std::string(spec.singular) + " with this " + fields + " already exists.");
  }
  // A foreign key (the workspace or the parent went) or another constraint: never a 2xx.
  return slab5::fail("conflict",
                     "The " + std::string(spec.singular) + " cannot be written: what it belongs to no longer exists.");
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

}  // namespace

namespace {
// Below this many FTS matches a text query is answered from the matches (docs/performance.md).
constexpr int kFtsDriveLimit = 2000;
}  // namespace

std::string fts_query(std::string_view text) {
  std::string out, word;
  auto flush = [&] {
    if (word.empty()) return;
    out += (out.empty() ? "" : " AND ") + std::string("\"") + word + "\"*";
    word.clear();
  };
  for (unsigned char ch : text) {
    if (std::isalnum(ch) || ch >= 0x80)
      word += static_cast<char>(ch);
    else
      flush();
  }
  flush();
  return out;
}

namespace {

// One resource's schema in three parts, so a later start can add what is missing.
struct TableSql {
  struct Index {
    std::string name, sql;  // sql as SQLite keeps it in sqlite_schema (no "IF NOT EXISTS", no ';')
  };
  std::string create;          // CREATE TABLE
  std::vector<Index> indexes;  // CREATE [UNIQUE] INDEX …
  std::string fts;             // FTS5 table and its triggers ("" without text fields)
  std::string fts_drop;        // what removes them again
};

std::string column_sql(const ResourceSpec& spec, const Column& c, bool in_create) {
  std::string sql = quote(c.sql) + (c.kind == Column::Kind::Integer ? " INTEGER" : " TEXT");
  if (in_create && c.sql == "id")
    sql += record_keyed_by_id(spec) ? " PRIMARY KEY" : " NOT NULL";
  else if (c.not_null && in_create)
    sql += " NOT NULL";
  if (c.sql == "workspace_id") sql += " REFERENCES workspaces(id) ON DELETE CASCADE";
  if (spec.is_child() && c.sql == spec.parent_field)
    sql += " REFERENCES " + slab5::api::find_resource(spec.parent)->table_name() + "(id) ON DELETE CASCADE";
  if (c.sql == "custom_fields") sql += in_create ? " DEFAULT '{}'" : " NOT NULL DEFAULT '{}'";
  return sql;
}

TableSql table_sql(const ResourceSpec& spec) {
  TableSql out;
  auto t = spec.table_name();
  out.create = "CREATE TABLE " + t + " (\n";
  bool first = true;
  for (const auto& c : columns(spec)) {
    out.create += (first ? "  " : ",\n  ") + column_sql(spec, c, true);
    first = false;
  }
  if (!spec.unique_key.empty()) {
    out.create += ",\n  UNIQUE (workspace_id";
    for (auto f : spec.unique_key) out.create += ", " + quote(f);
    out.create += ")";
  }
  out.create += ");\n";
  for (const auto& ix : record_indexes(spec)) {
    std::string cols;
    for (const auto& c : ix.columns)
      cols += (cols.empty() ? "" : ", ") + (c == "workspace_id" || c == "id" ? c : quote(c));
    out.indexes.push_back(
        {t + "_" + ix.name, std::string(ix.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ") + t + "_" + ix.name +
                                " ON " + t + "(" + cols + ")" +
                                (ix.sparse.empty() ? "" : " WHERE " + quote(ix.sparse) + " IS NOT NULL")});
  }
  if (!spec.text_fields.empty()) {
    std::string cols, news, olds;
    for (auto f : spec.text_fields) {
      cols += (cols.empty() ? "" : ", ") + quote(f);
      news += ", new." + quote(f);
      olds += ", old." + quote(f);
    }
    auto fts = t + "_fts";
    // columnsize=0: no per-row token counts (the %_docsize table), which only ranking
    // functions read; lists are ordered by the sort, never by rank.
    out.fts = "CREATE VIRTUAL TABLE " + fts + " USING fts5(" + cols + ", content='" + t +
              "', content_rowid='rowid', columnsize=0, tokenize='unicode61 remove_diacritics 2');\n";
    // A record slab5d inserts is handed to flush_text_index by the record store itself
    // (Db::queue_text_insert): no trigger runs for it. The triggers queue the changes of
    // deletes and updates (text_index_pending), which flush_text_index applies after the
    // inserts, just before the transaction commits.
    auto queue = [&](const char* op, const char* row, const std::string& vals) {
      return "INSERT INTO text_index_pending (tbl, op, rid, vals) VALUES ('" + t + "', " + op + ", " + row +
             ".rowid, json_array(" + vals.substr(2) + ")); ";
    };
    std::string changed;
    for (auto f : spec.text_fields)
      changed += (changed.empty() ? "" : " OR ") + std::string("old.") + quote(f) + " IS NOT new." + quote(f);
    out.fts += "CREATE TRIGGER " + t + "_fts_delete AFTER DELETE ON " + t + " BEGIN " + queue("'delete'", "old", olds) +
               "END;\n";
    out.fts += "CREATE TRIGGER " + t + "_fts_update AFTER UPDATE ON " + t + " WHEN " + changed + " BEGIN " +
               queue("'delete'", "old", olds) + queue("NULL", "new", news) + "END;\n";
    out.fts_drop = "DROP TRIGGER IF EXISTS " + t + "_fts_insert; DROP TRIGGER IF EXISTS " + t +
                   "_fts_delete; DROP TRIGGER IF EXISTS " + t + "_fts_update; DROP TABLE IF EXISTS " + fts + ";\n";
  }
  return out;
}

}  // namespace

// The queue of text-index changes (flush_text_index): one row per content row inserted or
// deleted (an update is both), with the text fields as a JSON array.
constexpr const char* kTextQueueSql =
    "CREATE TABLE IF NOT EXISTS text_index_pending (\n"
    "  seq INTEGER PRIMARY KEY,\n"
    "  tbl TEXT NOT NULL,\n"
    "  op TEXT,\n"
    "  rid INTEGER NOT NULL,\n"
    "  vals TEXT NOT NULL);\n";

std::string record_tables_sql() {
  std::string sql = kTextQueueSql;
  for (const auto& spec : slab5::api::resource_table()) {
    auto parts = table_sql(spec);
    sql += parts.create;
    for (const auto& i : parts.indexes) sql += i.sql + ";\n";
    sql += parts.fts;
  }
  return sql;
}

namespace {

// A table whose key changed (record_keyed_by_id) is made again under the wanted definition,
// every row kept with its rowid (the text index's key). Dropping the old table drops its
// indexes and triggers (before its rows, so no trigger fires); the caller makes them again.
void rebuild_table(Db& db, const ResourceSpec& spec, const std::string& create) {
  auto t = spec.table_name(), tmp = t + "_rebuild";
  std::string cols;
  for (const auto& c : columns(spec)) cols += (cols.empty() ? "" : ", ") + quote(c.sql);
  db.exec("DROP TABLE IF EXISTS " + tmp);
  db.exec("CREATE TABLE " + tmp + create.substr(("CREATE TABLE " + t).size()));
  db.exec("INSERT INTO " + tmp + " (rowid, " + cols + ") SELECT rowid, " + cols + " FROM " + t);
  db.exec("DROP TABLE " + t);
  db.exec("ALTER TABLE " + tmp + " RENAME TO " + t);
}

// Each wanted index made, or made again where its definition changed (SQLite keeps the text of
// CREATE INDEX in sqlite_schema); the table's indexes by_… that are no longer wanted dropped.
void sync_indexes(Db& db, const std::string& t, const std::vector<TableSql::Index>& wanted) {
  std::map<std::string, std::string> have;
  {
    auto q =
        db.query("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", t);
    while (q.next()) have.emplace(q.text(0), q.text(1));
  }
  for (const auto& entry : have) {
    const std::string& name = entry.first;
    if (name.rfind(t + "_by_", 0) == 0 &&
        std::none_of(wanted.begin(), wanted.end(), [&](const TableSql::Index& i) { return i.name == name; }))
      db.exec("DROP INDEX " + name);
  }
  for (const auto& i : wanted) {
    auto it = have.find(i.name);
    if (it != have.end() && it->second == i.sql) continue;
    if (it != have.end()) db.exec("DROP INDEX " + i.name);
    db.exec(i.sql);
  }
}

}  // namespace

void sync_record_tables(Db& db) {
  auto wanted = slab5::sha256_hex(record_tables_sql());
  {
    auto q = db.query("SELECT value FROM meta WHERE key = 'record_tables'");
    if (q.next() && q.text(0) == wanted) return;  // the common case: nothing changed
  }
  Tx tx(db);
  {
    auto q = db.query("SELECT value FROM meta WHERE key = 'record_tables'");  // re-read under the lock
    if (q.next() && q.text(0) == wanted) return;
  }
  db.exec(kTextQueueSql);
  std::vector<const ResourceSpec*> created;
  for (const auto& spec : slab5::api::resource_table()) {
    auto t = spec.table_name();
    auto parts = table_sql(spec);
    bool exists = false;
    {
      auto q = db.query("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?", t);
      exists = q.next();
    }
    if (!exists) {
      db.exec(parts.create);
      created.push_back(&spec);
    } else {
      std::vector<std::string> have;
      {
        auto q = db.query("SELECT name FROM pragma_table_info(?)", t);
        while (q.next()) have.push_back(q.text(0));
      }
      for (const auto& c : columns(spec))
        if (std::find(have.begin(), have.end(), c.sql) == have.end())
          db.exec("ALTER TABLE " + t + " ADD COLUMN " + column_sql(spec, c, false));
      bool keyed = false;
      {
        auto q = db.query("SELECT 1 FROM pragma_index_list(?) WHERE origin = 'pk'", t);
        keyed = q.next();
      }
      if (keyed != record_keyed_by_id(spec)) rebuild_table(db, spec, parts.create);
    }
    sync_indexes(db, t, parts.indexes);
    // The text index is rebuilt whenever the text fields may have changed.
    if (!parts.fts_drop.empty()) {
      // What is still queued for it is in the rebuilt index already.
      db.query("DELETE FROM text_index_pending WHERE tbl = ?", t).run_or_throw("cannot empty the text-index queue");
      db.exec(parts.fts_drop);
      db.exec(parts.fts);
      db.exec("INSERT INTO " + t + "_fts(" + t + "_fts) VALUES ('rebuild')");
    }
  }
  // Workspaces that existed before a table get its initial records now.
  for (const auto* spec : created) {
    if (spec->initial.empty()) continue;
    std::vector<std::pair<std::string, std::string>> workspaces;
    {
      auto q = db.query("SELECT id, tenant_id FROM workspaces");
      while (q.next()) workspaces.emplace_back(q.text(0), q.text(1));
    }
    for (const auto& [ws, tenant] : workspaces)
      if (!insert_initial_records(db.records(), *spec, ws, tenant))
        throw DbError(SQLITE_CONSTRAINT, "the initial records could not be written");
  }
  auto mark = db.query(
      "INSERT INTO meta (key, value) VALUES ('record_tables', ?) ON CONFLICT (key) DO UPDATE SET value = "
      "excluded.value",
      wanted);
  if (mark.run() != SQLITE_DONE) throw DbError(SQLITE_CONSTRAINT, "cannot record the app-plane schema");
  tx.commit();
}

namespace {
// A write outside any transaction (a test, a tool) has committed already; its queued
// text-index change is applied in a transaction of its own right after it.
void settle_text_index(Db& db) {
  if (db.in_transaction()) return;
  Tx tx(db);
  tx.commit();
}
}  // namespace

namespace {
// What indexes one inserted record's text fields: made once per thread, like record_insert_sql.
const std::string& text_insert_sql(const ResourceSpec& spec) {
  thread_local std::unordered_map<const ResourceSpec*, std::string> made;
  auto [it, added] = made.try_emplace(&spec);
  if (added) {
    std::string cols, marks;
    for (auto f : spec.text_fields) {
      cols += ", " + quote(f);
      marks += ", ?";
    }
    auto t = spec.table_name();
    it->second = "INSERT INTO " + t + "_fts (rowid" + cols + ") VALUES (?" + marks + ")";
  }
  return it->second;
}

// The positions in columns(spec) of its text fields, in the order of spec.text_fields.
const std::vector<std::size_t>& text_columns(const ResourceSpec& spec) {
  thread_local std::unordered_map<const ResourceSpec*, std::vector<std::size_t>> made;
  auto [it, added] = made.try_emplace(&spec);
  if (added) {
    const auto& cols = columns(spec);
    for (auto f : spec.text_fields)
      for (std::size_t i = 0; i < cols.size(); ++i)
        if (cols[i].sql == f) it->second.push_back(i);
  }
  return it->second;
}
}  // namespace

std::vector<std::pair<std::string, long long>> flush_text_index(Db& db) {
  std::vector<std::pair<std::string, long long>> applied;
  auto& inserts = db.text_inserts();
  if (!db.text_queue_exists()) {
    inserts.clear();  // a file whose triggers index every change themselves (below)
    return applied;
  }
  std::vector<std::string> tables;
  try {
    auto q = db.query("SELECT DISTINCT tbl FROM text_index_pending");
    while (q.next()) tables.push_back(q.text(0));
  } catch (const DbError&) {
    // The file was replaced under this connection by one without the queue (a state saved
    // by an earlier slab5d, restored): its triggers write the text indexes themselves, and
    // the migration that follows the restore rebuilds them.
    db.forget_text_queue();
    if (db.text_queue_exists()) throw;
    inserts.clear();
    return applied;
  }
  // The records inserted in this transaction first: a delete or update of one of them, queued
  // by a trigger, names the values it was inserted with.
  if (!inserts.empty()) {
    const ResourceSpec* last = nullptr;
    for (const auto& e : inserts) {
      auto q = db.query(text_insert_sql(*e.spec));
      q.bind(1, e.rowid);
      for (std::size_t i = 0; i < e.values.size(); ++i) q.bind(int(i + 2), e.values[i]);
      q.run_or_throw("cannot update a text index");
      if (e.spec != last) applied.emplace_back(e.spec->table_name(), 0);
      last = e.spec;
      ++applied.back().second;
    }
    inserts.clear();
  }
  if (tables.empty()) return applied;
  for (const auto& t : tables) {
    const ResourceSpec* spec = nullptr;
    for (const auto& s : slab5::api::resource_table())
      if (s.table_name() == t && !s.text_fields.empty()) spec = &s;
    if (!spec) {
      // Only something other than slab5d writes such a row (the sqlite3 shell); failing every
      // commit on it would stop all writes. It is dropped with the rest of the queue below.
      logger().log(LogLevel::Warn, "text-index queue row for a table without a text index dropped", {{"table", t}});
      continue;
    }
    std::string cols, vals;
    int i = 0;
    for (auto f : spec->text_fields) {
      cols += ", " + quote(f);
      vals += ", vals ->> " + std::to_string(i++);
    }
    // In queue order, so an update's delete comes before its insert.
    db.query("INSERT INTO " + t + "_fts (" + t + "_fts, rowid" + cols + ") SELECT op, rid" + vals +
                 " FROM text_index_pending WHERE tbl = ? ORDER BY seq",
             t)
        .run_or_throw("cannot update a text index");
    applied.emplace_back(t, db.changes());
  }
  db.query("DELETE FROM text_index_pending").run_or_throw("cannot empty the text-index queue");
  return applied;
}

namespace {
// A resource's INSERT statement, made once per thread (each thread has its own connection
// and statement cache; this saves building the text on every create).
const std::string& record_insert_sql(const ResourceSpec& spec) {
  thread_local std::unordered_map<const ResourceSpec*, std::string> made;
  auto [it, added] = made.try_emplace(&spec);
  if (added) {
    const auto& cols = columns(spec);
    std::string names, marks;
    for (std::size_t i = 0; i < cols.size(); ++i) {
      names += (i ? ", " : "") + quote(cols[i].sql);
      marks += (i ? ", ?" : "?");
    }
    it->second = "INSERT INTO " + spec.table_name() + " (" + names + ") VALUES (" + marks + ")";
  }
  return it->second;
}
}  // namespace

slab5::Status SqliteRecordStore::insert(const ResourceSpec& spec, const Json& record) {
  const auto& cols = columns(spec);
  auto q = db_.query(record_insert_sql(spec));
  for (std::size_t i = 0; i < cols.size(); ++i) bind_value(q, int(i + 1), cols[i], record);
  if (q.run() != SQLITE_DONE) return constraint_error(spec, db_);
  if (!spec.text_fields.empty()) {
    Db::TextInsert e{&spec, db_.last_insert_rowid(), {}};
    for (auto i : text_columns(spec)) e.values.push_back(stored_text(cols[i], record));
    db_.queue_text_insert(std::move(e));
  }
  settle_text_index(db_);
  return {};
}

slab5::Result<std::optional<Json>> SqliteRecordStore::get(const ResourceSpec& spec, const std::string& workspace_id,
                                                          const std::string& id) {
  auto q =
      db_.query("SELECT " + select_list(spec) + " FROM " + spec.table_name() + " WHERE id = ? AND workspace_id = ?", id,
                workspace_id);
  if (!q.next()) return std::optional<Json>{};
  return std::optional<Json>{row_to_json(spec, q)};
}

slab5::Status SqliteRecordStore::update(const ResourceSpec& spec, const Json& record, std::int64_t expected_version) {
  const auto& cols = columns(spec);
  std::string sets;
  std::vector<const Column*> bound;
  for (const auto& c : cols) {
    // Identity, creation time and origin never change.
    if (c.sql == "id" || c.sql == "workspace_id" || c.sql == "tenant_id" || c.sql == "created_at" ||
        c.sql == "origin" || c.sql == "created_by_type" || c.sql == "created_by_id")
      continue;
    sets += (sets.empty() ? "" : ", ") + quote(c.sql) + " = ?";
    bound.push_back(&c);
  }
  auto q =
      db_.query("UPDATE " + spec.table_name() + " SET " + sets + " WHERE id = ? AND workspace_id = ? AND version = ?");
  int i = 1;
  for (const auto* c : bound) bind_value(q, i++, *c, record);
  q.bind(i++, record.at("id").get<std::string>());
  q.bind(i++, record.at("workspace_id").get<std::string>());
  q.bind(i++, expected_version);
  if (q.run() != SQLITE_DONE) return constraint_error(spec, db_);
  if (db_.changes() != 1)
    return slab5::fail("precondition_failed", "The " + std::string(spec.singular) + " changed since it was read.");
  settle_text_index(db_);
  return {};
}

slab5::Status SqliteRecordStore::remove(const ResourceSpec& spec, const std::string& workspace_id,
                                        const std::string& id) {
  auto q = db_.query("DELETE FROM " + spec.table_name() + " WHERE id = ? AND workspace_id = ?", id, workspace_id);
  if (q.run() != SQLITE_DONE) return constraint_error(spec, db_);
  if (db_.changes() != 1) return slab5::fail("resource_not_found");
  settle_text_index(db_);
  return {};
}

slab5::Result<RecordPage> SqliteRecordStore::list(const ResourceSpec& spec, const RecordQuery& rq) {
  auto t = spec.table_name();
  // A text query drives the plan from the FTS index when it matches few rows (the page is
  // sorted from those), and from the sort index otherwise (dense matches are met within a
  // few thousand rows of the index). Either way a page costs about the same at 1,000 rows as
  // at 1,000,000 (docs/performance.md); SQLite alone would always walk the sort index.
  std::string match;
  bool fts_driven = false;
  std::string matched_rowids;  // "[1,5,9]": the matches, when there are fewer than kFtsDriveLimit
  if (rq.text) {
    match = fts_query(*rq.text);
    if (match.empty() || spec.text_fields.empty()) return RecordPage{};
    // One pass over the index for both questions: are the matches few, and which are they.
    auto c = db_.query(
        "SELECT rowid FROM " + t + "_fts WHERE " + t + "_fts MATCH ? LIMIT " + std::to_string(kFtsDriveLimit), match);
    int n = 0;
    matched_rowids = "[";
    while (c.next()) {
      if (n++) matched_rowids += ',';
      matched_rowids += std::to_string(c.integer(0));
    }
    matched_rowids += ']';
    if (n == 0) return RecordPage{};
    fts_driven = n < kFtsDriveLimit;
  }
  // "+column" keeps SQLite from using an index for that term.
  const char* unindexed = fts_driven ? "+" : "";
  std::string where = std::string(unindexed) + "workspace_id = ?";
  std::vector<Json> args{rq.workspace_id};
  if (spec.is_child()) {
    where += " AND " + quote(spec.parent_field) + " = ?";
    args.push_back(rq.parent_id.value_or(""));
  }
  for (const auto& f : rq.filters) {
    if (f.column.rfind("custom_fields.", 0) == 0) {
      auto path = "$.\"" + f.column.substr(14) + "\"";
      where +=
          " AND (CASE json_type(custom_fields, ?) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE "
          "CAST(json_extract(custom_fields, ?) AS TEXT) END) = ?";
      args.push_back(path);
      args.push_back(path);
      args.push_back(f.value);
      continue;
    }
    if (!spec.field(f.column)) return slab5::fail("invalid_request", "Unknown filter: " + f.column);
    const char* op = f.op == RecordFilter::Op::Eq ? " = ?" : f.op == RecordFilter::Op::Lt ? " < ?" : " >= ?";
    where += " AND " + quote(f.column) + op;
    args.push_back(f.value);
  }
  if (rq.created_after) where += " AND created_at > ?", args.push_back(*rq.created_after);
  if (rq.created_before) where += " AND created_at < ?", args.push_back(*rq.created_before);
  if (rq.updated_since) where += " AND updated_at >= ?", args.push_back(*rq.updated_since);
  if (fts_driven) {
    // Bound as one JSON array, so the statement's text (and its cache entry) stays the same.
    where += " AND rowid IN (SELECT value FROM json_each(?))";
    args.push_back(matched_rowids);
  } else if (rq.text) {
    where += " AND rowid IN (SELECT rowid FROM " + t + "_fts WHERE " + t + "_fts MATCH ?)";
    args.push_back(match);
  }
  auto sort = sort_column(rq.sort);
  bool asc = ascending(rq.sort);
  if (rq.after) {
    bool numeric = rq.sort == RecordSort::Position || rq.sort == RecordSort::PositionDesc;
    if (sort.empty()) {
      where += asc ? " AND id > ?" : " AND id < ?";
      args.push_back(rq.after->second);
    } else {
      where += " AND (" + quote(sort) + ", id) " + (asc ? ">" : "<") + " (?, ?)";
      if (numeric) {
        try {
          args.push_back(std::stoll(rq.after->first));
        } catch (const std::exception&) {
          return slab5::fail("invalid_request", "The cursor is not valid for this list.");
        }
      } else {
        args.push_back(rq.after->first);
      }
      args.push_back(rq.after->second);
    }
  }
  std::string dir = asc ? " ASC" : " DESC";
  std::string order = sort.empty() ? unindexed + std::string("id") + dir
                                   : unindexed + quote(sort) + dir + ", " + unindexed + "id" + dir;
  auto q = db_.query("SELECT " + select_list(spec) + " FROM " + t + " WHERE " + where + " ORDER BY " + order +
                     " LIMIT " + std::to_string(rq.limit + 1));
  int i = 1;
  for (const auto& a : args) {
    if (a.is_string())
      q.bind(i++, a.get<std::string>());
    else if (a.is_boolean())
      q.bind(i++, a.get<bool>());
    else if (a.is_number_integer())
      q.bind(i++, a.get<std::int64_t>());
    else
      q.bind(i++, a.dump());
  }
  RecordPage page;
  while (q.next()) {
    if (int(page.records.size()) == rq.limit) {
      page.more = true;
      break;
    }
    page.records.push_back(row_to_json(spec, q));
  }
  if (!page.records.empty()) {
    const auto& last = page.records.back();
    std::string key;
    if (!sort.empty()) key = last[sort].is_string() ? last[sort].get<std::string>() : last[sort].dump();
    page.last = {key, last["id"].get<std::string>()};
  }
  return page;
}

slab5::Result<std::int64_t> SqliteRecordStore::count_referencing(const ResourceSpec& spec, const std::string& column,
                                                                 const std::string& workspace_id,
                                                                 const std::string& id) {
  if (!spec.field(column)) return slab5::fail("internal_error");
  auto q =
      db_.query("SELECT count(*) FROM " + spec.table_name() + " WHERE workspace_id = ? AND " + quote(column) + " = ?",
                workspace_id, id);
  q.next();
  return q.integer(0);
}

slab5::Result<std::int64_t> SqliteRecordStore::count(const ResourceSpec& spec, const std::string& workspace_id,
                                                     const std::string& column, const std::string& value) {
  if (column.empty()) {
    auto q = db_.query("SELECT count(*) FROM " + spec.table_name() + " WHERE workspace_id = ?", workspace_id);
    q.next();
    return q.integer(0);
  }
  return count_referencing(spec, column, workspace_id, value);
}

slab5::Result<std::vector<Json>> SqliteRecordStore::clear_references(const ResourceSpec& spec,
                                                                     const std::string& column,
                                                                     const std::string& workspace_id,
                                                                     const std::string& id, const std::string& now) {
  if (!spec.field(column)) return slab5::fail("internal_error");
  std::vector<Json> before;
  {
    auto q = db_.query("SELECT " + select_list(spec) + " FROM " + spec.table_name() + " WHERE workspace_id = ? AND " +
                           quote(column) + " = ?",
                       workspace_id, id);
    while (q.next()) before.push_back(row_to_json(spec, q));
  }
  if (before.empty()) return before;
  auto u = db_.query("UPDATE " + spec.table_name() + " SET " + quote(column) +
                         " = NULL, version = version + 1, updated_at = ? WHERE workspace_id = ? AND " + quote(column) +
                         " = ?",
                     now, workspace_id, id);
  if (u.run() != SQLITE_DONE) return tl::unexpected(constraint_error(spec, db_).error());
  settle_text_index(db_);
  return before;
}

slab5::Result<bool> SqliteRecordStore::is_member(const std::string& workspace_id, const std::string& user_id) {
  auto q = db_.query("SELECT 1 FROM memberships WHERE workspace_id = ? AND user_id = ?", workspace_id, user_id);
  return q.next();
}

}  // namespace slab5d
