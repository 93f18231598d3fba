// The app-plane tables on PostgreSQL, generated from the resource table as
// store/sqlite/record_store.cpp generates them for SQLite: the same table, column and index
// names, one table per resource, an index for every filter, reference and sort order. The text
// fields are indexed by a generated tsvector column (kPgTextColumn) under a GIN index named
// <table>_fts, where SQLite has an FTS5 table of that name; a search is
// `text_search @@ slab5_text_query($1)` (both SQL functions are made by migration 1: words
// split where fts_query splits them, diacritics removed, prefix matches of whole words).
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "slab5/api/resources.hpp"
#include "store/postgres/pg.hpp"

namespace slab5d {

// The generated text-search column of a table with text fields.
inline constexpr const char* kPgTextColumn = "text_search";

// How a record's JSON maps to a column, in table order.
struct PgRecordColumn {
  std::string json;  // key in the record JSON ("" for the origin of a resource whose own field is `source`)
  std::string sql;   // column name
  enum class Kind { Text, Integer, Boolean, Json, ActorType, ActorId } kind = Kind::Text;
  bool not_null = false;
};
const std::vector<PgRecordColumn>& pg_record_columns(const slab5::api::ResourceSpec& spec);

// The schema of every app-plane table: CREATE TABLE (with its text-search column) and indexes.
std::string pg_record_tables_sql();

// Brings the app-plane tables in line with the resource table after the numbered migrations,
// as sync_record_tables does for SQLite: creates missing tables, adds missing columns and
// indexes, regenerates the text-search columns. Cheap when nothing changed (a hash of the
// generated schema is kept in `meta`). A table created for the first time gets, for every
// existing workspace, the records the resource table says each workspace starts with. Runs in
// one transaction under the migration lock (kPgMigrationLock).
void pg_sync_record_tables(PgConn& conn);

// The INSERT of one record of `spec`, and its parameters in the same order.
const std::string& pg_record_insert_sql(const slab5::api::ResourceSpec& spec);
void pg_bind_record(PgParams& params, const slab5::api::ResourceSpec& spec, const nlohmann::json& record);

}  // namespace slab5d
