// store/sqlite/snapshot and change_tracker: a restore of the copy the database last matched
// rewrites only the rows changed since, and leaves the database exactly equal to the copy —
// every table, rowids included, the full-text index and AUTOINCREMENT's counters — or copies
// the whole file when it cannot know every change (another process wrote, the schema moved,
// too many rows changed).
#include <doctest/doctest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "store/sqlite/change_tracker.hpp"
#include "store/sqlite/snapshot.hpp"
#include "temp_db.hpp"

using namespace slab5d;
using slab5d::testing::ScratchDir;

namespace {

// Every kind of table the server's schema has: a rowid table keyed by text, one with an
// INTEGER PRIMARY KEY and AUTOINCREMENT, a WITHOUT ROWID table with a two-column key, a child
// with ON DELETE CASCADE, an append-only table guarded by triggers, and an external-content
// FTS5 index kept by triggers.
const char* kSchema = R"sql(
CREATE TABLE parents (id TEXT PRIMARY KEY, name TEXT NOT NULL, body TEXT);
CREATE TABLE children (id TEXT PRIMARY KEY, parent_id TEXT NOT NULL REFERENCES parents(id) ON DELETE CASCADE, n INTEGER);
CREATE TABLE counters (seq INTEGER PRIMARY KEY AUTOINCREMENT, label TEXT);
CREATE TABLE usage (ws TEXT NOT NULL, id TEXT NOT NULL, units INTEGER, PRIMARY KEY (ws, id)) WITHOUT ROWID;
CREATE TABLE log (id TEXT PRIMARY KEY, what TEXT);
CREATE TRIGGER log_no_delete BEFORE DELETE ON log BEGIN SELECT RAISE(ABORT, 'append-only'); END;
CREATE TRIGGER log_no_update BEFORE UPDATE ON log BEGIN SELECT RAISE(ABORT, 'append-only'); END;
CREATE VIRTUAL TABLE parents_fts USING fts5(name, body, content='parents', content_rowid='rowid');
CREATE TRIGGER parents_ai AFTER INSERT ON parents BEGIN
  INSERT INTO parents_fts(rowid, name, body) VALUES (new.rowid, new.name, new.body); END;
CREATE TRIGGER parents_ad AFTER DELETE ON parents BEGIN
  INSERT INTO parents_fts(parents_fts, rowid, name, body) VALUES ('delete', old.rowid, old.name, old.body); END;
CREATE TRIGGER parents_au AFTER UPDATE ON parents BEGIN
  INSERT INTO parents_fts(parents_fts, rowid, name, body) VALUES ('delete', old.rowid, old.name, old.body);
  INSERT INTO parents_fts(rowid, name, body) VALUES (new.rowid, new.name, new.body); END;
)sql";

const std::vector<std::string> kTables = {"parents",
                                          "children",
                                          "counters",
                                          "usage",
                                          "log",
                                          "sqlite_sequence",
                                          "parents_fts_data",
                                          "parents_fts_idx",
                                          "parents_fts_docsize",
                                          "parents_fts_config"};

struct SnapshotFixture {
  ScratchDir scratch;
  std::string path = scratch.path + "/live.db";
  std::string copy = scratch.path + "/copy.db";
  std::unique_ptr<Db> live = Db::open(path, true);
  std::unique_ptr<Db> other = nullptr;  // another thread's connection, opened after the schema

  SnapshotFixture() {
    live->exec(kSchema);
    other = Db::open(path, false);
    Tx tx(*live);
    for (int i = 0; i < 300; ++i) {
      std::string id = "p" + std::to_string(i);
      live->query("INSERT INTO parents (id, name, body) VALUES (?, ?, ?)", id, "name " + std::to_string(i),
                  std::string(i % 7 == 0 ? "quarterly invoice" : "routine note"))
          .run_or_throw("parent");
      live->query("INSERT INTO children (id, parent_id, n) VALUES (?, ?, ?)", "c" + std::to_string(i), id, i)
          .run_or_throw("child");
      live->query("INSERT INTO counters (label) VALUES (?)", id).run_or_throw("counter");
      live->query("INSERT INTO usage (ws, id, units) VALUES (?, ?, ?)", "w" + std::to_string(i % 3), id, i)
          .run_or_throw("usage");
      live->query("INSERT INTO log (id, what) VALUES (?, ?)", "l" + std::to_string(i), "made " + id)
          .run_or_throw("log");
    }
    tx.commit();
  }

  // Rows of `table` in the live database that the copy does not have, and the other way round.
  std::int64_t differences(const std::string& table) {
    auto h = live->handle();
    std::string attach = "ATTACH '" + copy + "' AS snap";
    sqlite3_exec(h, attach.c_str(), nullptr, nullptr, nullptr);
    bool rowid = table != "usage" && table != "parents_fts_idx" && table != "parents_fts_config";
    std::string cols = rowid ? "rowid, *" : "*";
    std::string sql = "SELECT (SELECT count(*) FROM (SELECT " + cols + " FROM main." + table + " EXCEPT SELECT " +
                      cols + " FROM snap." + table + ")) + (SELECT count(*) FROM (SELECT " + cols + " FROM snap." +
                      table + " EXCEPT SELECT " + cols + " FROM main." + table + "))";
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    std::int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_exec(h, "DETACH snap", nullptr, nullptr, nullptr);
    return n;
  }
  void check_equal_to_copy(std::int64_t invoices = 43) {
    for (const auto& t : kTables) CHECK_MESSAGE(differences(t) == 0, t);
    // The full-text index agrees with its content table, and answers as it did.
    CHECK_NOTHROW(live->exec("INSERT INTO parents_fts(parents_fts) VALUES ('integrity-check')"));
    auto q = live->query("SELECT count(*) FROM parents_fts WHERE parents_fts MATCH 'invoice'");
    q.next();
    CHECK(q.integer(0) == invoices);
    auto ok = live->query("PRAGMA integrity_check");
    ok.next();
    CHECK(ok.text(0) == "ok");
  }

  // Changes of every kind, from a connection other than the one that restores.
  void change_things(int round) {
    Db& db = *other;
    Tx tx(db);
    std::string r = std::to_string(round);
    db.query("INSERT INTO parents (id, name, body) VALUES (?, 'new', 'another invoice')", "new" + r)
        .run_or_throw("insert");
    db.query("UPDATE parents SET body = 'no longer', name = ? WHERE id = 'p7'", "renamed " + r).run_or_throw("update");
    db.query("DELETE FROM parents WHERE id = 'p14'").run_or_throw("delete, cascading to c14");
    db.query("UPDATE parents SET rowid = rowid + 100000 WHERE id = 'p21'").run_or_throw("move a rowid");
    db.query("INSERT INTO counters (label) VALUES ('more')").run_or_throw("counter");
    db.query("DELETE FROM counters WHERE seq = 3").run_or_throw("counter gone");
    db.query("UPDATE usage SET units = units + 1 WHERE ws = 'w1'").run_or_throw("usage");
    db.query("INSERT INTO usage (ws, id, units) VALUES ('w\"9', ?, 1)", "u\n" + r).run_or_throw("usage key");
    db.query("DELETE FROM usage WHERE ws = 'w2' AND id = 'p2'").run_or_throw("usage gone");
    db.query("INSERT INTO log (id, what) VALUES (?, 'later')", "later" + r).run_or_throw("log");
    tx.commit();
  }
};

}  // namespace

TEST_CASE("a restore of the last synced copy rewrites only the changed rows, and matches it exactly") {
  SnapshotFixture f;
  save_database_copy(*f.live, f.copy);
  for (int round = 0; round < 3; ++round) {
    f.change_things(round);
    CHECK(f.differences("parents") > 0);
    CHECK(restore_database_copy(*f.live, f.copy) == RestoreWay::changed_rows);
    f.check_equal_to_copy();
  }
  // The other connection sees the restored state too.
  auto q = f.other->query("SELECT count(*) FROM parents WHERE id = 'p14'");
  q.next();
  CHECK(q.integer(0) == 1);
}

TEST_CASE("a restore of another copy, or after a schema change, copies the whole database") {
  SnapshotFixture f;
  std::string second = f.scratch.path + "/second.db";
  save_database_copy(*f.live, f.copy);
  f.change_things(0);
  save_database_copy(*f.live, second);  // now synced with `second`
  f.change_things(1);
  CHECK(restore_database_copy(*f.live, f.copy) == RestoreWay::whole_copy);
  f.check_equal_to_copy();
  f.change_things(2);
  CHECK(restore_database_copy(*f.live, f.copy) == RestoreWay::changed_rows);
  f.check_equal_to_copy();

  f.other->exec("CREATE TABLE later (x)");
  CHECK(restore_database_copy(*f.live, f.copy) == RestoreWay::whole_copy);
  f.check_equal_to_copy();
}

TEST_CASE("a write by another process since the sync makes the restore copy the whole database") {
  SnapshotFixture f;
  save_database_copy(*f.live, f.copy);
  f.change_things(0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    int code = 0;
    try {
      auto db = Db::open(f.path, false);
      db->exec("UPDATE parents SET name = 'from elsewhere' WHERE id = 'p30'");
    } catch (...) {
      code = 1;
    }
    ::_exit(code);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  CHECK(restore_database_copy(*f.live, f.copy) == RestoreWay::whole_copy);
  f.check_equal_to_copy();
  // Alone again: the next restore is row-wise.
  f.change_things(1);
  CHECK(restore_database_copy(*f.live, f.copy) == RestoreWay::changed_rows);
  f.check_equal_to_copy();
}

TEST_CASE("past the tracked-row limit a restore copies the whole database") {
  SnapshotFixture f;
  save_database_copy(*f.live, f.copy);
  {
    Tx tx(*f.other);
    for (std::size_t i = 0; i <= ChangeTracker::kMaxTrackedRows; ++i)
      f.other->query("INSERT INTO counters (label) VALUES ('bulk')").run_or_throw("bulk");
    tx.commit();
  }
  CHECK(restore_database_copy(*f.live, f.copy) == RestoreWay::whole_copy);
  f.check_equal_to_copy();
}

TEST_CASE("a copy rewritten behind the tracker's back is restored whole") {
  SnapshotFixture f;
  save_database_copy(*f.live, f.copy);
  f.change_things(0);
  {
    // The same name saved again by another process: another file under the name.
    auto elsewhere = Db::open(f.scratch.path + "/elsewhere.db", true);
    elsewhere->exec(kSchema);
    save_database_copy(*elsewhere, f.copy);
  }
  CHECK(restore_database_copy(*f.live, f.copy) == RestoreWay::whole_copy);
  f.check_equal_to_copy(0);
}
