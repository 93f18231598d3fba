// Unit tests for the auth version (store/sqlite/auth_version.hpp): which tables move it, that
// the write path's tables do not, and that the triggers follow the schema at every start.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <algorithm>
#include <optional>
#include <set>
#include <string>

#include "credential_cache.hpp"
#include "slab5/api/resources.hpp"
#include "store/sqlite/auth_version.hpp"
#include "temp_db.hpp"

using namespace slab5d;
using slab5d::testing::ScratchDir;
using slab5d::testing::TempDb;

namespace {

std::int64_t version(Db& db) {
  auto v = read_auth_version(db);
  REQUIRE(v.has_value());
  return *v;
}

// Through a connection of its own, as the sqlite3 shell or another process would write.
void outside(const std::string& path, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &h, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
  sqlite3_busy_timeout(h, 5000);
  char* err = nullptr;
  int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err);
  std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(h);
  INFO(sql << ": " << msg);
  REQUIRE(rc == SQLITE_OK);
}

std::int64_t count(Db& db, const std::string& sql) {
  auto q = db.query(sql);
  q.next();
  return q.integer(0);
}

}  // namespace

TEST_CASE("every table authentication reads moves the auth version; the write path's tables do not") {
  TempDb t;
  auto tables = auth_version_tables(*t.db);
  std::set<std::string> covered(tables.begin(), tables.end());
  for (const char* name : {"credentials", "workspaces", "memberships", "users", "sessions", "signing_keys", "tenants",
                           "meta", "invitations", "webhook_endpoints", "webhook_sources"})
    CHECK_MESSAGE(covered.contains(name), name);
  for (const char* name : {"audit_events", "usage_event_rows", "webhook_outbox", "webhook_deliveries",
                           "idempotency_keys", "text_index_pending", "auth_version", "contacts", "contacts_fts",
                           "contacts_fts_data", "support_ticket_messages"})
    CHECK_MESSAGE(!covered.contains(name), name);
  // Every table of the schema is either covered or one of the kinds left out on purpose.
  std::set<std::string> app_plane;
  for (const auto& spec : slab5::api::resource_table()) app_plane.insert(spec.table_name());
  auto q =
      t.db->query("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'");
  while (q.next()) {
    auto name = q.text(0);
    bool app = std::any_of(app_plane.begin(), app_plane.end(),
                           [&](const std::string& a) { return name == a || name.rfind(a + "_fts", 0) == 0; });
    bool write_path = name == "audit_events" || name == "usage_event_rows" || name == "webhook_outbox" ||
                      name == "webhook_deliveries" || name == "idempotency_keys" || name == "text_index_pending" ||
                      name == "auth_version" || name == "inbound_messages";
    CHECK_MESSAGE(covered.contains(name) != (app || write_path), name);
  }
  // Three triggers per covered table.
  CHECK(count(*t.db,
              "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name LIKE 'auth\\_version\\_%' "
              "ESCAPE '\\'") == std::int64_t(3 * tables.size()));

  auto v0 = version(*t.db);
  // The write path of a create: its record, audit row, usage row and event leave it alone.
  outside(t.path,
          "INSERT INTO tenants (id, name, created_at) VALUES ('ten_a', 'A', 'x');"
          "INSERT INTO workspaces (id, tenant_id, slug, name, enabled_modules, created_at, updated_at) "
          "VALUES ('wrk_a', 'ten_a', 'a', 'A', '[]', 'x', 'x');");
  auto v1 = version(*t.db);
  CHECK(v1 != v0);
  outside(t.path,
          "INSERT INTO usage_events (id, workspace_id, credential_type, credential_id, route, status, kind, "
          "request_id, created_at) VALUES ('use_1', 'wrk_a', 'api_key', 'key_1', 'POST /v1/contacts', 201, "
          "'api_request', 'req_1', 'x');"
          "INSERT INTO audit_events (id, workspace_id, action, actor_type, actor_id, created_at) "
          "VALUES ('aud_1', 'wrk_a', 'contact.created', 'api_key', 'key_1', 'x');"
          "INSERT INTO events (id, workspace_id, type, data, created_at) "
          "VALUES ('evt_2', 'wrk_a', 'contact.created', '{}', 'x');"
          "INSERT INTO contacts (id, workspace_id, tenant_id, name, created_at, updated_at, version, origin) "
          "VALUES ('con_1', 'wrk_a', 'ten_a', 'Jane', 'x', 'x', 1, 'api');");
  CHECK(version(*t.db) == v1);
  // Each change to what authentication reads moves it, whoever makes it.
  outside(t.path, "UPDATE workspaces SET name = 'B' WHERE id = 'wrk_a'");
  auto v2 = version(*t.db);
  CHECK(v2 != v1);
  outside(t.path, "DELETE FROM workspaces WHERE id = 'wrk_a'");
  CHECK(version(*t.db) != v2);
  // A rolled-back change leaves it where it was.
  auto v3 = version(*t.db);
  {
    Tx tx(*t.db);
    t.db->exec("INSERT INTO tenants (id, name, created_at) VALUES ('ten_b', 'B', 'x')");
    CHECK(version(*t.db) != v3);  // inside: moved
  }
  CHECK(version(*t.db) == v3);
}

TEST_CASE("the auth-version triggers follow the schema at every start") {
  ScratchDir scratch;
  auto path = scratch.path + "/slab5.db";
  {
    auto db = Db::open(path, true);
    migrate(*db);
  }
  // A table added later is covered; a trigger lost (a table rebuilt by a migration) comes back.
  outside(path, "CREATE TABLE later (k INTEGER); DROP TRIGGER auth_version_credentials_update;");
  {
    auto db = Db::open(path, false);
    CHECK(count(*db, "SELECT count(*) FROM sqlite_schema WHERE name = 'auth_version_credentials_update'") == 0);
    migrate(*db);
    CHECK(count(*db, "SELECT count(*) FROM sqlite_schema WHERE name = 'auth_version_credentials_update'") == 1);
    CHECK(count(*db, "SELECT count(*) FROM sqlite_schema WHERE name LIKE 'auth\\_version\\_later\\_%' ESCAPE '\\'") ==
          3);
    auto v = version(*db);
    outside(path, "INSERT INTO later VALUES (1)");
    CHECK(version(*db) != v);
    // Nothing to do: the value stays (a start does not empty every cache of another process).
    v = version(*db);
    migrate(*db);
    CHECK(version(*db) == v);
  }
  // The row deleted by hand: no value, so every commit counts as a change, until the next start
  // puts it back.
  outside(path, "DELETE FROM auth_version");
  {
    auto db = Db::open(path, false);
    CHECK_FALSE(read_auth_version(*db).has_value());
    CHECK_FALSE(db->auth_version().has_value());
    migrate(*db);
    CHECK(db->auth_version().has_value());
  }
}

TEST_CASE("a database without the auth version has none") {
  ScratchDir scratch;
  auto db = Db::open(scratch.path + "/bare.db", true);
  CHECK_FALSE(db->auth_version().has_value());
}

TEST_CASE("the credential cache keeps its lookups across commits that leave the auth version alone") {
  TempDb t;
  constexpr std::uint64_t kGeneration = 7;
  credential_cache::validate(kGeneration, *t.db);
  auto epoch = credential_cache::epoch();
  auto auth_epoch = credential_cache::auth_epoch();
  credential_cache::validate(kGeneration, *t.db);  // nothing committed: nothing moves
  CHECK(credential_cache::epoch() == epoch);
  CHECK(credential_cache::auth_epoch() == auth_epoch);
  // A write-path commit (a usage row, as every write makes): the record caches start over,
  // the lookups stay.
  auto usage_row = [&](const std::string& n) {
    outside(t.path,
            "INSERT INTO usage_events (id, workspace_id, credential_type, credential_id, route, status, kind, "
            "request_id, created_at) VALUES ('use_" +
                n +
                "', 'wrk_a', 'api_key', 'key_1', 'POST /v1/contacts', 201, "
                "'api_request', 'req_" +
                n + "', 'x')");
  };
  usage_row("1");
  credential_cache::validate(kGeneration, *t.db);
  CHECK(credential_cache::epoch() != epoch);
  CHECK(credential_cache::auth_epoch() == auth_epoch);
  // A change to what authentication reads: the lookups are dropped.
  epoch = credential_cache::epoch();
  outside(t.path, "INSERT INTO tenants (id, name, created_at) VALUES ('ten_c', 'C', 'x')");
  credential_cache::validate(kGeneration, *t.db);
  CHECK(credential_cache::epoch() != epoch);
  CHECK(credential_cache::auth_epoch() != auth_epoch);
  // No auth version kept: every commit drops them.
  auth_epoch = credential_cache::auth_epoch();
  outside(t.path, "DELETE FROM auth_version");
  credential_cache::validate(kGeneration, *t.db);
  CHECK(credential_cache::auth_epoch() != auth_epoch);
  auth_epoch = credential_cache::auth_epoch();
  usage_row("2");
  credential_cache::validate(kGeneration, *t.db);
  CHECK(credential_cache::auth_epoch() != auth_epoch);
}

TEST_CASE("this process's own commits hand their auth version on; another process's are read from the file") {
  TempDb t;
  auto reader = Db::open(t.path, false);
  // How many times the reader's connection ran the query that reads the value.
  auto reads = [&] {
    return sqlite3_stmt_status(reader->cached_statement("SELECT v FROM auth_version WHERE id = 1"),
                               SQLITE_STMTSTATUS_RUN, 0);
  };
  auto commit = [&](const std::string& sql) {
    std::unique_lock gate(t.db->write_gate());
    t.db->begin();
    t.db->exec(sql);
    t.db->commit();
  };
  ChangeMark mark;
  reader->changed_since(mark);
  CHECK(reader->auth_version_at(mark) == read_auth_version(*t.db));

  // A commit that moves it, through this process's writer: the reader gets the new value
  // without reading it.
  commit("INSERT INTO tenants (id, name, created_at) VALUES ('ten_n', 'N', 'x')");
  REQUIRE(reader->changed_since(mark));
  auto before = reads();
  auto moved = reader->auth_version_at(mark);
  CHECK(reads() == before);
  CHECK(moved == read_auth_version(*t.db));
  // One that leaves it alone: the same value, still without a read.
  commit(
      "INSERT INTO usage_events (id, workspace_id, credential_type, credential_id, route, status, kind, "
      "request_id, created_at) VALUES ('use_n', 'wrk_a', 'api_key', 'key_1', 'POST /v1/contacts', 201, "
      "'api_request', 'req_n', 'x')");
  REQUIRE(reader->changed_since(mark));
  CHECK(reader->auth_version_at(mark) == moved);
  CHECK(reads() == before);

  // Another process's commit moves it: the reader reads the file, and sees the move.
  outside(t.path, "UPDATE tenants SET name = 'M' WHERE id = 'ten_n'");
  REQUIRE(reader->changed_since(mark));
  auto outer = reader->auth_version_at(mark);
  CHECK(reads() == before + 1);
  CHECK(outer != moved);
  CHECK(outer == read_auth_version(*t.db));
  // This process's commit right after another's, with nothing between: handed on again.
  commit("UPDATE tenants SET name = 'L' WHERE id = 'ten_n'");
  REQUIRE(reader->changed_since(mark));
  before = reads();
  CHECK(reader->auth_version_at(mark) == read_auth_version(*t.db));
  CHECK(reads() == before);
  // A read-only transaction notes nothing: another process's commit inside it is read.
  {
    std::unique_lock gate(t.db->write_gate());
    t.db->exec("BEGIN");
    t.db->exec("SELECT count(*) FROM tenants");
    outside(t.path, "UPDATE tenants SET name = 'K' WHERE id = 'ten_n'");
    t.db->commit();
  }
  REQUIRE(reader->changed_since(mark));
  before = reads();
  auto after_outer = reader->auth_version_at(mark);
  CHECK(reads() == before + 1);
  CHECK(after_outer == read_auth_version(*t.db));
  // A mark at an older state than the last noted one is not given the noted value.
  ChangeMark old = mark;
  commit("UPDATE tenants SET name = 'J' WHERE id = 'ten_n'");
  before = reads();
  CHECK(reader->auth_version_at(old) == read_auth_version(*t.db));
  CHECK(reads() == before + 1);
}
