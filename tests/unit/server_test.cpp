// Unit tests for slab5d's router and store.
#include <doctest/doctest.h>

#include <filesystem>

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
