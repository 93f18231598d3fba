// Unit tests for slab5d's SQLite store: change detection, file modes, constraint errors, transactions.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "store/sqlite/db.hpp"
#include "store/sqlite/migrations.hpp"
#include "temp_db.hpp"

using namespace slab5d;
using slab5d::testing::ScratchDir;

TEST_CASE("changed_since sees every commit: this connection's, another connection's, after a WAL restart") {
  ScratchDir scratch;  // a directory of its own: concurrent runs never share a file
  auto path = scratch.path + "/slab5-unit-changes.db";
  {
    auto a = Db::open(path, true);
    auto b = Db::open(path, false);
    a->exec("CREATE TABLE t (k INTEGER)");
    Db::ChangeMark mark;
    CHECK(a->reads_wal_index());
    CHECK(a->changed_since(mark));  // never taken
    CHECK_FALSE(a->changed_since(mark));
    auto count = [&] {
      auto q = a->query("SELECT count(*) FROM t");
      q.next();
      return q.integer(0);
    };
    CHECK(count() == 0);  // reads do not count as changes
    CHECK_FALSE(a->changed_since(mark));
    b->exec("INSERT INTO t VALUES (1)");
    CHECK(a->changed_since(mark));
    CHECK_FALSE(a->changed_since(mark));
    a->exec("INSERT INTO t VALUES (2)");
    CHECK(a->changed_since(mark));
    // A checkpoint that empties the WAL, then a commit that starts it over from frame 1.
    b->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    a->changed_since(mark);
    b->exec("INSERT INTO t VALUES (3)");
    CHECK(a->changed_since(mark));
    // A connection in another process: the sqlite3 shell.
    CHECK_FALSE(a->changed_since(mark));
    REQUIRE(std::system(("sqlite3 " + path + " 'INSERT INTO t VALUES (4)'").c_str()) == 0);
    CHECK(a->changed_since(mark));
    CHECK(count() == 4);
  }
}

namespace {
// What another process sees of the byte at `offset` of `file`: true when this process holds
// a lock on it (F_GETLK from a child, which cannot see its own parent's locks as its own).
bool locked_by_this_process(const std::string& file, off_t offset) {
  pid_t parent = ::getpid();
  pid_t child = ::fork();
  if (child == 0) {
    int fd = ::open(file.c_str(), O_RDWR | O_CLOEXEC);
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = offset;
    fl.l_len = 1;
    if (fd < 0 || ::fcntl(fd, F_GETLK, &fl) != 0) ::_exit(2);
    ::_exit(fl.l_type != F_UNLCK && fl.l_pid == parent ? 0 : 1);
  }
  int st = 0;
  ::waitpid(child, &st, 0);
  return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}
}  // namespace

TEST_CASE("reading the WAL index leaves SQLite's locks on the -shm file alone") {
  ScratchDir dir;
  std::string path = dir.path + "/locks.db";
  auto a = Db::open(path, true);
  a->exec("CREATE TABLE t (k INTEGER)");
  // SQLite's "dead man switch": every process using the WAL index holds a shared lock on
  // byte 128 of the -shm file; a process that finds it free truncates and rebuilds the file.
  constexpr off_t kDmsByte = 128;
  REQUIRE(locked_by_this_process(path + "-shm", kDmsByte));
  Db::ChangeMark mark;
  CHECK(a->reads_wal_index());
  CHECK(a->changed_since(mark));
  auto b = Db::open(path, false);  // another connection maps the index too
  CHECK(b->reads_wal_index());
  b->exec("INSERT INTO t VALUES (1)");
  CHECK(a->changed_since(mark));
  CHECK(locked_by_this_process(path + "-shm", kDmsByte));
  // The sqlite3 shell opening the file leaves the index in place for this process.
  REQUIRE(std::system(("sqlite3 " + path + " 'INSERT INTO t VALUES (2)'").c_str()) == 0);
  CHECK(a->changed_since(mark));
  CHECK_FALSE(a->changed_since(mark));
  auto q = a->query("SELECT count(*) FROM t");
  REQUIRE(q.next());
  CHECK(q.integer(0) == 2);
}

TEST_CASE("changed_since follows the connection out of WAL mode and back") {
  ScratchDir dir;
  std::string path = dir.path + "/modes.db";
  auto a = Db::open(path, true);
  a->exec("CREATE TABLE t (k INTEGER)");
  Db::ChangeMark mark;
  CHECK(a->reads_wal_index());
  a->changed_since(mark);
  a->exec("PRAGMA journal_mode=DELETE");
  CHECK_FALSE(a->reads_wal_index());  // the index went with the WAL
  CHECK_FALSE(std::filesystem::exists(path + "-shm"));
  REQUIRE(std::system(("sqlite3 " + path + " 'INSERT INTO t VALUES (1)'").c_str()) == 0);
  CHECK(a->changed_since(mark));
  CHECK_FALSE(a->changed_since(mark));
  a->exec("PRAGMA journal_mode=WAL");
  CHECK(a->reads_wal_index());
  a->changed_since(mark);
  CHECK_FALSE(a->changed_since(mark));
  REQUIRE(std::system(("sqlite3 " + path + " 'INSERT INTO t VALUES (2)'").c_str()) == 0);
  CHECK(a->changed_since(mark));
}

TEST_CASE("a new database file is 0600; an existing one loses group and other bits") {
  ScratchDir dir;
  std::string path = dir.path + "/modes.db";
  auto mode = [](const std::string& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
  };
  {
    auto db = Db::open(path, true);
    db->exec("CREATE TABLE t (k INTEGER); INSERT INTO t VALUES (1)");
    CHECK(mode(path) == 0600);
    CHECK(mode(path + "-wal") == 0600);
    CHECK(mode(path + "-shm") == 0600);
  }
  REQUIRE(::chmod(path.c_str(), 0664) == 0);
  {
    auto reader = Db::open(path, false);  // opening without create changes nothing
    CHECK(mode(path) == 0664);
  }
  auto db = Db::open(path, true);
  CHECK(mode(path) == 0600);
  auto q = db->query("SELECT count(*) FROM t");
  REQUIRE(q.next());
  CHECK(q.integer(0) == 1);
}

TEST_CASE("changed_since falls back to PRAGMA data_version outside WAL mode") {
  ScratchDir scratch;  // a directory of its own: concurrent runs never share a file
  auto path = scratch.path + "/slab5-unit-changes-journal.db";
  {
    auto a = Db::open(path, true);
    a->exec("CREATE TABLE t (k INTEGER); PRAGMA journal_mode=DELETE");
    CHECK_FALSE(a->reads_wal_index());
    Db::ChangeMark mark;
    CHECK(a->changed_since(mark));
    CHECK_FALSE(a->changed_since(mark));
    REQUIRE(std::system(("sqlite3 " + path + " 'INSERT INTO t VALUES (1)'").c_str()) == 0);
    CHECK(a->changed_since(mark));  // another process
    CHECK_FALSE(a->changed_since(mark));
    a->exec("INSERT INTO t VALUES (2)");
    CHECK(a->changed_since(mark));  // this connection
  }
}

TEST_CASE("the store reports constraint hits as values and rolls back unfinished transactions") {
  ScratchDir scratch;  // a directory of its own: concurrent runs never share a file
  auto path = scratch.path + "/slab5-unit-store.db";
  {
    auto db = Db::open(path, true);
    db->exec("CREATE TABLE t (k TEXT PRIMARY KEY)");
    CHECK(db->query("INSERT INTO t VALUES (?)", "a").run() == 101);
    CHECK(db->query("INSERT INTO t VALUES (?)", "a").run() == 19);  // SQLITE_CONSTRAINT
    {
      Tx tx(*db);
      db->query("INSERT INTO t VALUES (?)", "b").run_or_throw("test insert");
    }  // no commit
    auto q = db->query("SELECT count(*) FROM t");
    REQUIRE(q.next());
    CHECK(q.integer(0) == 1);
  }
}
