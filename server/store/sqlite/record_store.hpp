// RecordStore on SQLite: one table per resource of the resource table, with an index for
// every filter, reference and sort order and an FTS5 index over the text fields, all
// generated from the table (record_tables_sql) rather than written per resource.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "store/record_store.hpp"
#include "store/sqlite/db.hpp"

namespace slab5d {

// The schema of every app-plane table: CREATE TABLE, indexes, FTS5 tables and the triggers
// that keep them in step.
std::string record_tables_sql();

// Brings the app-plane tables in line with the resource table after the numbered migrations
// have run: creates missing tables, adds missing columns and indexes, rebuilds the text
// indexes. Additive changes to the table need no hand-written migration; removing or
// renaming a field does (a numbered migration in store/migrations.cpp). Cheap when nothing
// changed: a hash of the generated schema is kept in `meta`.
// A table created here for the first time also gets, for every existing workspace, the
// records the resource table says each workspace starts with.
void sync_record_tables(Db& db);

// Applies the text-index changes of this transaction to the FTS5 tables: first the records
// inserted through SqliteRecordStore::insert, held by the connection (Db::queue_text_insert),
// then the updates and deletes the app-plane tables' triggers queued in text_index_pending.
// Nothing writes the FTS5 table at once: FTS5 writes what it holds in memory as a new index
// segment at every savepoint, so a write batch (a savepoint per request) made one segment per
// record and merged them again and again. Flushed once before each COMMIT (Tx::commit, the
// write batch), the batch makes one segment. Nothing is left behind by a commit: the queue is
// emptied in the same transaction.
// Returns how many changes each table's index received, for the caller to report once the
// transaction has committed (note_text_index_changes).
std::vector<std::pair<std::string, long long>> flush_text_index(Db& db);

// "jan doe" → "\"jan\"* AND \"doe\"*" (FTS5 prefix queries over whole words); "" when the
// text holds no word.
std::string fts_query(std::string_view text);

class SqliteRecordStore final : public RecordStore {
 public:
  explicit SqliteRecordStore(Db& db) : db_(db) {}
  slab5::Status insert(const slab5::api::ResourceSpec& spec, const nlohmann::json& record) override;
  slab5::Result<std::optional<nlohmann::json>> get(const slab5::api::ResourceSpec& spec,
                                                   const std::string& workspace_id, const std::string& id) override;
  slab5::Status update(const slab5::api::ResourceSpec& spec, const nlohmann::json& record,
                       std::int64_t expected_version) override;
  slab5::Status remove(const slab5::api::ResourceSpec& spec, const std::string& workspace_id,
                       const std::string& id) override;
  slab5::Result<RecordPage> list(const slab5::api::ResourceSpec& spec, const RecordQuery& q) override;
  slab5::Result<std::int64_t> count_referencing(const slab5::api::ResourceSpec& spec, const std::string& column,
                                                const std::string& workspace_id, const std::string& id) override;
  slab5::Result<std::int64_t> count(const slab5::api::ResourceSpec& spec, const std::string& workspace_id,
                                    const std::string& column, const std::string& value) override;
  slab5::Result<std::vector<nlohmann::json>> clear_references(const slab5::api::ResourceSpec& spec,
                                                              const std::string& column,
                                                              const std::string& workspace_id, const std::string& id,
                                                              const std::string& now) override;
  slab5::Result<bool> is_member(const std::string& workspace_id, const std::string& user_id) override;

 private:
  Db& db_;
};

}  // namespace slab5d
