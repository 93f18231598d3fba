// Unit tests for the VFS that writes a WAL commit's frames in one go (store/sqlite/wal_vfs.hpp):
// every commit is in the file when it is published, whatever its size; rolled-back and spilled
// frames leave nothing wrong behind; the files stay readable by plain SQLite.
#include <doctest/doctest.h>

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "store/sqlite/db.hpp"
#include "store/sqlite/wal_vfs.hpp"
#include "temp_db.hpp"

using namespace slab5d;
using slab5d::testing::ScratchDir;

namespace {

std::int64_t scalar(Db& db, const std::string& sql) {
  auto q = db.query(sql);
  REQUIRE(q.next());
  return q.integer(0);
}

void check_integrity(Db& db) {
  auto q = db.query("PRAGMA integrity_check");
  REQUIRE(q.next());
  CHECK(q.text(0) == "ok");
}

// Opens `path` with SQLite's own unix VFS, as the sqlite3 shell or a backup tool would.
struct PlainSqlite {
  sqlite3* h = nullptr;
  explicit PlainSqlite(const std::string& path) {
    REQUIRE(sqlite3_open_v2(path.c_str(), &h, SQLITE_OPEN_READWRITE, "unix") == SQLITE_OK);
  }
  ~PlainSqlite() { sqlite3_close(h); }
  std::string text(const char* sql) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(h, sql, -1, &st, nullptr) == SQLITE_OK);
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
  }
};

// A transaction of `rows` rows of `bytes` bytes each: about one WAL frame per row when the
// rows are page-sized.
void insert_rows(Db& db, int rows, int bytes) {
  db.exec("BEGIN IMMEDIATE");
  for (int i = 0; i < rows; ++i) db.exec("INSERT INTO t (v) VALUES (randomblob(" + std::to_string(bytes) + "))");
  db.exec("COMMIT");
}

}  // namespace

TEST_CASE("WAL VFS: slab5d's connections use it, and another connection sees every commit at once") {
  ScratchDir scratch;
  auto path = scratch.path + "/vfs.db";
  auto writer = Db::open(path, true);
  auto reader = Db::open(path, false);
  {
    auto q = writer->query("PRAGMA main.journal_mode");
    REQUIRE(q.next());
    CHECK(q.text(0) == "wal");
  }
  sqlite3_vfs* vfs = nullptr;
  REQUIRE(sqlite3_file_control(writer->handle(), "main", SQLITE_FCNTL_VFS_POINTER, &vfs) == SQLITE_OK);
  REQUIRE(vfs != nullptr);
  CHECK(std::string(vfs->zName) == wal_vfs_name());
  writer->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
  std::int64_t expected = 0;
  // Sizes around the unix VFS's 128 KiB write limit and past the 8 MiB a gather holds: one
  // frame, a few, ~31 and ~32 frames (one write's worth), hundreds, and a few thousand.
  for (int rows : {1, 3, 31, 32, 33, 64, 300, 2500}) {
    CAPTURE(rows);
    insert_rows(*writer, rows, 4000);
    expected += rows;
    CHECK(scalar(*reader, "SELECT count(*) FROM t") == expected);
    CHECK(scalar(*reader, "SELECT count(*) FROM t WHERE length(v) = 4000") == expected);
  }
  check_integrity(*reader);
}

TEST_CASE("WAL VFS: frames spilled by a transaction that rolls back, then a commit over them") {
  ScratchDir scratch;
  auto path = scratch.path + "/spill.db";
  auto writer = Db::open(path, true);
  auto reader = Db::open(path, false);
  writer->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
  insert_rows(*writer, 10, 100);
  // A cache of 20 pages makes a large transaction write frames to the WAL before its COMMIT.
  writer->exec("PRAGMA cache_size = 20");
  writer->exec("BEGIN IMMEDIATE");
  for (int i = 0; i < 200; ++i) writer->exec("INSERT INTO t (v) VALUES (randomblob(3000))");
  CHECK(scalar(*writer, "SELECT count(*) FROM t") == 210);
  writer->exec("ROLLBACK");
  CHECK(scalar(*reader, "SELECT count(*) FROM t") == 10);
  insert_rows(*writer, 50, 3000);
  // The same spilling, committed this time, and pages changed again after they spilled.
  writer->exec("BEGIN IMMEDIATE");
  for (int i = 0; i < 200; ++i) writer->exec("INSERT INTO t (v) VALUES (randomblob(3000))");
  writer->exec("UPDATE t SET v = zeroblob(10) WHERE id <= 10");
  writer->exec("COMMIT");
  CHECK(scalar(*reader, "SELECT count(*) FROM t") == 260);
  CHECK(scalar(*reader, "SELECT count(*) FROM t WHERE id <= 10 AND length(v) = 10") == 10);
  check_integrity(*reader);
}

TEST_CASE("WAL VFS: a process that dies after its commits leaves them in the WAL for plain SQLite") {
  ScratchDir scratch;
  auto path = scratch.path + "/crash.db";
  {
    auto db = Db::open(path, true);
    db->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
  }
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // No checkpoint, no close: the process ends the moment its last COMMIT returns, with
    // the frames of an uncommitted transaction in the VFS's hands too.
    auto db = Db::open(path, false);
    db->disable_auto_checkpoint();
    for (int i = 0; i < 20; ++i) insert_rows(*db, 40, 4000);
    db->exec("BEGIN IMMEDIATE");
    db->exec("INSERT INTO t (v) VALUES (randomblob(4000))");
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  PlainSqlite plain(path);
  CHECK(plain.text("SELECT count(*) FROM t") == "800");
  CHECK(plain.text("PRAGMA integrity_check") == "ok");
}

TEST_CASE("WAL VFS: synchronous=FULL without powersafe overwrite, whose commits are padded and split at a sync") {
  // psow=0 makes SQLite repeat each commit frame up to a sector boundary and split the write
  // that crosses it around an fsync; the repeated frames are what readers then read.
  ScratchDir scratch;
  auto uri = "file:" + scratch.path + "/full.db?psow=0";
  auto open = [&](sqlite3** h) {
    REQUIRE(sqlite3_open_v2(uri.c_str(), h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI,
                            wal_vfs_name()) == SQLITE_OK);
  };
  auto exec = [](sqlite3* h, const std::string& sql) {
    REQUIRE(sqlite3_exec(h, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  };
  auto count = [](sqlite3* h, const char* sql) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(h, sql, -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    auto n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
  };
  sqlite3 *writer = nullptr, *reader = nullptr;
  open(&writer);
  open(&reader);
  exec(writer, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
  exec(writer, "PRAGMA wal_autocheckpoint=0");
  std::int64_t expected = 0;
  for (int round = 0; round < 40; ++round) {
    int rows = 1 + round % 7;
    exec(writer, "BEGIN IMMEDIATE");
    for (int i = 0; i < rows; ++i)
      exec(writer, "INSERT INTO t (v) VALUES (randomblob(" + std::to_string(900 + round * 37) + "))");
    exec(writer, "COMMIT");
    expected += rows;
    CHECK(count(reader, "SELECT count(*) FROM t") == expected);
    CHECK(count(reader, "SELECT count(*) FROM t WHERE v IS NOT NULL AND length(v) > 0") == expected);
  }
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(reader, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "ok");
  sqlite3_finalize(st);
  sqlite3_close(reader);
  sqlite3_close(writer);
}
