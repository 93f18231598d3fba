#include "store/sqlite/text_index_upkeep.hpp"

#include <sqlite3.h>

#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "logger.hpp"
#include "slab5/api/resources.hpp"
#include "store/sqlite/db.hpp"

namespace slab5d {

namespace {

// Pages FTS5 writes in one merge step: a few milliseconds of work, so a write that arrives
// during a step waits about that long. The last step of a segment also deletes the merged
// segments' pages, which at 1,000,000 contacts takes up to ~150 ms once per merge.
constexpr int kTextMergePages = 64;
// A full merge is due once the rows indexed since the last one reach 1/kTextRewriteRatio of the
// table.
constexpr long long kTextRewriteRatio = 20;

struct TextIndexState {
  long long changed = 1;      // rows indexed since the last full merge; 1: look once after start
  long long rows_merged = 0;  // the table's rows at the last full merge (0: never merged here)
  bool merging = false;       // a merge has begun and not yet finished
  bool due() const { return merging || (changed > 0 && changed * kTextRewriteRatio >= rows_merged); }
};

struct TextIndexFile {
  std::mutex mu;
  std::unordered_map<std::string, TextIndexState> tables;  // every table with a text index
};

// One state per database file, keyed by the path as given, like the write gate.
TextIndexFile& text_index_file(const std::string& path) {
  static std::mutex registry_mu;
  static std::unordered_map<std::string, std::unique_ptr<TextIndexFile>> registry;
  std::lock_guard lk(registry_mu);
  auto& slot = registry[path];
  if (!slot) {
    slot = std::make_unique<TextIndexFile>();
    for (const auto& spec : slab5::api::resource_table())
      if (!spec.text_fields.empty()) slot->tables[spec.table_name()];
  }
  return *slot;
}

// Records the end of a step; whether any index is still due.
bool end_text_merge_step(TextIndexFile& s, const std::string& table, bool finished, long long rows) {
  std::lock_guard lk(s.mu);
  auto& st = s.tables[table];
  if (finished) {
    if (st.merging)
      logger().log(LogLevel::Debug, "text index in one segment", {{"table", table}, {"rows", std::to_string(rows)}});
    st.merging = false;
    st.rows_merged = rows;
  }
  for (const auto& [name, other] : s.tables)
    if (other.due()) return true;
  return false;
}

}  // namespace

void note_text_index_changes(Db& db, const char* table, long long rows) {
  if (rows <= 0) return;
  auto& s = text_index_file(db.path());
  std::lock_guard lk(s.mu);
  auto it = s.tables.find(table);
  if (it != s.tables.end()) it->second.changed += rows;
}

bool text_index_merge_due(Db& db) {
  auto& s = text_index_file(db.path());
  std::lock_guard lk(s.mu);
  for (const auto& [table, st] : s.tables)
    if (st.due()) return true;
  return false;
}

bool merge_text_index_step(Db& db) {
  auto& s = text_index_file(db.path());
  std::string table;
  bool starting = false;
  {
    std::lock_guard lk(s.mu);
    for (auto& [name, st] : s.tables)
      if (st.due()) {
        table = name;
        starting = !st.merging;
        st.merging = true;
        st.changed = 0;  // what is indexed from here on is merged by this merge or counted anew
        break;
      }
  }
  if (table.empty()) return false;
  auto count_rows = [&] {
    auto q = db.query("SELECT count(*) FROM " + table);
    return q.next() ? q.integer(0) : 0;
  };
  bool finished = true;
  long long rows = 0;
  if (starting) {
    // An index in one segment (or none) has nothing to merge: found without a write.
    long long segments = 2;
    try {
      auto q = db.query("SELECT count(DISTINCT segid) FROM " + table + "_fts_idx");
      if (q.next()) segments = q.integer(0);
      if (segments < 2) rows = count_rows();
    } catch (const std::exception&) {
      segments = 2;  // the merge below meets the same error and reports it
    }
    if (segments < 2) return end_text_merge_step(s, table, true, rows);
    logger().log(LogLevel::Debug, "merging a text index", {{"table", table}, {"segments", std::to_string(segments)}});
  }
  {
    std::unique_lock gate(db.write_gate());
    try {
      db.begin();
      auto before = sqlite3_total_changes64(db.handle());
      // A negative page count merges every segment, whatever their sizes, into one: repeated,
      // it ends where 'optimize' does, in steps. Fewer than two changes: nothing was left to merge.
      db.query("INSERT INTO " + table + "_fts (" + table + "_fts, rank) VALUES ('merge', ?)", -kTextMergePages)
          .run_or_throw("cannot merge a text index");
      finished = sqlite3_total_changes64(db.handle()) - before < 2;
      if (finished) rows = count_rows();
      db.commit();
    } catch (const std::exception& e) {
      try {
        db.exec("ROLLBACK");
      } catch (...) {
      }
      db.bump_stamp();
      // Not retried until the table's next changes: an index that cannot be merged now (a
      // full disk) still answers queries.
      logger().log(LogLevel::Warn, "merging a text index failed", {{"table", table}, {"error", e.what()}});
      std::lock_guard lk(s.mu);
      s.tables[table].merging = false;
      return false;
    }
  }
  return end_text_merge_step(s, table, finished, rows);
}

}  // namespace slab5d
