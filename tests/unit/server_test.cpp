// Unit tests for slab5d's router and store.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "router.hpp"
#include "store/db.hpp"
#include "store/migrations.hpp"

using namespace slab5d;

TEST_CASE("the router matches patterns, prefers literal segments and reports allowed methods") {
  Router r;
  r.add({.method = "GET", .pattern = "/v1/workspace/api-keys/{id}"});
  r.add({.method = "PATCH", .pattern = "/v1/workspace/api-keys/{id}"});
  r.add({.method = "GET", .pattern = "/v1/auth/sessions"});
  r.add({.method = "GET", .pattern = "/v1/auth/{x}"});
  auto m = r.match("GET", "/v1/workspace/api-keys/key_123");
  REQUIRE(m.route);
  CHECK(m.params["id"] == "key_123");
  CHECK(r.match("GET", "/v1/auth/sessions").route->pattern == "/v1/auth/sessions");
  auto wrong = r.match("DELETE", "/v1/workspace/api-keys/key_123");
  CHECK(wrong.route == nullptr);
  CHECK(wrong.allowed.size() == 2);
  CHECK(r.match("GET", "/v1/nothing").allowed.empty());
  CHECK(r.match("GET", "/v1/workspace/api-keys/key_1/").route);
}

TEST_CASE("migrations create the schema once and refuse a newer database") {
  auto path = (std::filesystem::temp_directory_path() / "slab5-unit-migrate.db").string();
  std::filesystem::remove(path);
  {
    auto db = Db::open(path, true);
    auto first = migrate(*db);
    CHECK(first.created);
    CHECK(first.to == latest_schema_version());
    auto again = migrate(*db);
    CHECK_FALSE(again.created);
    CHECK(again.from == latest_schema_version());
    db->exec("PRAGMA user_version = 999");
    CHECK_THROWS_AS(migrate(*db), std::runtime_error);
  }
  for (auto s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s);
}

TEST_CASE("migration 2 keeps every usage event and clusters them by workspace and id") {
  auto path = (std::filesystem::temp_directory_path() / "slab5-unit-migrate-usage.db").string();
  for (auto s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s);
  {
    auto db = Db::open(path, true);
    CHECK(migrate(*db, 1).to == 1);
    const char* insert =
        "INSERT INTO usage_events (id, workspace_id, credential_type, credential_id, route, status, units, kind, "
        "request_id, created_at) VALUES (?, ?, 'api_key', 'key_1', 'GET /v1/workspace', ?, 1, 'api_request', 'req_1', "
        "'2026-11-20T10:00:00.000Z')";
    db->query(insert, "use_2", "wrk_a", 200).run();
    db->query(insert, "use_1", "wrk_a", 404).run();
    db->query(insert, "use_3", "wrk_b", 200).run();
    auto m = migrate(*db);
    CHECK(m.from == 1);
    CHECK(m.to == latest_schema_version());
    auto q = db->query("SELECT workspace_id || ' ' || id || ' ' || status FROM usage_events");
    std::vector<std::string> rows;
    while (q.next()) rows.push_back(q.text(0));
    CHECK(rows == std::vector<std::string>{"wrk_a use_1 404", "wrk_a use_2 200", "wrk_b use_3 200"});
    CHECK(db->query(insert, "use_1", "wrk_a", 200).run() == 19);  // (workspace, id) stays unique
    CHECK_THROWS(db->exec("SELECT rowid FROM usage_events"));      // one b-tree, no rowid
    auto idx = db->query("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'usage_events'");
    REQUIRE(idx.next());
    CHECK(idx.integer(0) == 0);
  }
  for (auto s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s);
}

TEST_CASE("changed_since sees every commit: this connection's, another connection's, after a WAL restart") {
  auto path = (std::filesystem::temp_directory_path() / "slab5-unit-changes.db").string();
  for (auto s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s);
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
  for (auto s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s);
}

TEST_CASE("changed_since falls back to PRAGMA data_version outside WAL mode") {
  auto path = (std::filesystem::temp_directory_path() / "slab5-unit-changes-journal.db").string();
  for (auto s : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(path + s);
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
  for (auto s : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(path + s);
}

TEST_CASE("the store reports constraint hits as values and rolls back unfinished transactions") {
  auto path = (std::filesystem::temp_directory_path() / "slab5-unit-store.db").string();
  for (auto s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s);
  {
    auto db = Db::open(path, true);
    db->exec("CREATE TABLE t (k TEXT PRIMARY KEY)");
    CHECK(db->query("INSERT INTO t VALUES (?)", "a").run() == 101);
    CHECK(db->query("INSERT INTO t VALUES (?)", "a").run() == 19);  // SQLITE_CONSTRAINT
    {
      Tx tx(*db);
      db->query("INSERT INTO t VALUES (?)", "b").run();
    }  // no commit
    auto q = db->query("SELECT count(*) FROM t");
    REQUIRE(q.next());
    CHECK(q.integer(0) == 1);
  }
  for (auto s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s);
}
