// Unit tests for slab5d's schema migrations.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "store/sqlite/db.hpp"
#include "store/sqlite/migrations.hpp"
#include "temp_db.hpp"

using namespace slab5d;
using slab5d::testing::ScratchDir;

namespace {
// A new database at schema version `version`, with tenant ten_1 and its workspace wrk_1.
std::unique_ptr<Db> database_at(const ScratchDir& dir, int version) {
  auto db = Db::open(dir.path + "/m" + std::to_string(version) + ".db", true);
  REQUIRE(migrate(*db, version).to == version);
  db->exec(
      "INSERT INTO tenants VALUES ('ten_1', 't', '2026-01-01T00:00:00.000Z');"
      "INSERT INTO workspaces VALUES ('wrk_1', 'ten_1', 'w', 'W', '[]', '2026-01-01T00:00:00.000Z', "
      "'2026-01-01T00:00:00.000Z');");
  return db;
}
// The first column of every row `sql` reads.
std::vector<std::string> first_column(Db& db, const std::string& sql) {
  std::vector<std::string> out;
  auto q = db.query(sql);
  while (q.next()) out.push_back(q.text(0));
  return out;
}
}  // namespace

TEST_CASE("migrations create the schema once and refuse a newer database") {
  ScratchDir scratch;  // a directory of its own: concurrent runs never share a file
  auto path = scratch.path + "/slab5-unit-migrate.db";
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
}

TEST_CASE("migration 2 keeps every usage event and clusters them by workspace and id") {
  ScratchDir scratch;  // a directory of its own: concurrent runs never share a file
  auto path = scratch.path + "/slab5-unit-migrate-usage.db";
  {
    auto db = Db::open(path, true);
    CHECK(migrate(*db, 1).to == 1);
    const char* insert =
        "INSERT INTO usage_events (id, workspace_id, credential_type, credential_id, route, status, units, kind, "
        "request_id, created_at) VALUES (?, ?, 'api_key', 'key_1', 'GET /v1/workspace', ?, 1, 'api_request', 'req_1', "
        "'2026-11-20T10:00:00.000Z')";
    db->query(insert, "use_2", "wrk_a", 200).run_or_throw("test insert");
    db->query(insert, "use_1", "wrk_a", 404).run_or_throw("test insert");
    db->query(insert, "use_3", "wrk_b", 200).run_or_throw("test insert");
    auto m = migrate(*db);
    CHECK(m.from == 1);
    CHECK(m.to == latest_schema_version());
    auto q = db->query("SELECT workspace_id || ' ' || id || ' ' || status FROM usage_events");
    std::vector<std::string> rows;
    while (q.next()) rows.push_back(q.text(0));
    CHECK(rows == std::vector<std::string>{"wrk_a use_1 404", "wrk_a use_2 200", "wrk_b use_3 200"});
    CHECK(db->query(insert, "use_1", "wrk_a", 200).run() == 19);  // (workspace, id) stays unique
    // One b-tree, no rowid (the table is usage_event_rows since migration 10).
    CHECK_THROWS(db->exec("SELECT rowid FROM usage_event_rows"));
    auto idx = db->query("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'usage_event_rows'");
    REQUIRE(idx.next());
    CHECK(idx.integer(0) == 0);
  }
}

TEST_CASE("migration 3 links rotated credentials to their replacement and empties old mail tokens") {
  ScratchDir dir;
  auto db = database_at(dir, 2);
  db->exec(
      "INSERT INTO credentials (id, kind, workspace_id, name, prefix, token_hash, scopes, created_at, updated_at, "
      "expires_at, created_by_type, created_by_id) VALUES "
      "('key_old', 'api_key', 'wrk_1', 'k', 'p', 'h1', '[]', 'x', 'x', '2026-01-02T00:00:00.000Z', 'user', 'u'),"
      "('key_new', 'api_key', 'wrk_1', 'k', 'p', 'h2', '[]', 'x', 'x', NULL, 'user', 'u'),"
      "('mcp_one', 'mcp_client', 'wrk_1', 'm', 'p', 'h3', '[]', 'x', 'x', NULL, 'user', 'u');"
      "INSERT INTO audit_events (id, action, actor_type, actor_id, target_type, target_id, after_json, created_at) "
      "VALUES ('aud_1', 'api_key.rotated', 'user', 'u', 'api_key', 'key_old', "
      "'{\"rotated\":{\"id\":\"key_old\"},\"replacement\":{\"id\":\"key_new\"},\"overlap_seconds\":0}', "
      "'2026-01-01T00:00:00.000Z');"
      "INSERT INTO mail (id, to_addr, subject, kind, token, link, body, created_at) VALUES "
      "('msg_1', 'a@b.c', 's', 'invitation', 'tok-in-clear', 'http://x/?token=tok-in-clear', 'tok-in-clear', 'x');");
  auto m = migrate(*db);
  CHECK(m.from == 2);
  CHECK(m.to == latest_schema_version());
  auto q = db->query("SELECT id || ':' || coalesce(replaced_by, '-') FROM credentials ORDER BY id");
  std::vector<std::string> rows;
  while (q.next()) rows.push_back(q.text(0));
  CHECK(rows == std::vector<std::string>{"key_new:-", "key_old:key_new", "mcp_one:-"});
  auto mail = db->query("SELECT token || link || body || to_addr FROM mail");
  REQUIRE(mail.next());
  CHECK(mail.text(0) == "a@b.c");
}

TEST_CASE("migration 9 keeps every audit row and event, in order, without the key on id alone") {
  ScratchDir dir;
  auto db = database_at(dir, 8);
  db->exec(
      "INSERT INTO audit_events (id, workspace_id, action, actor_type, actor_id, after_json, created_at) VALUES "
      "('aud_2', 'wrk_1', 'contact.created', 'user', 'u', '{\"id\":\"con_1\"}', '2026-01-01T00:00:00.000Z'),"
      "('aud_1', NULL, 'user.signed_up', 'user', 'u', NULL, '2026-01-01T00:00:01.000Z');"
      "INSERT INTO events (id, workspace_id, type, data, created_at) VALUES "
      "('evt_2', 'wrk_1', 'contact.created', '{}', '2026-01-01T00:00:00.000Z'),"
      "('evt_1', 'wrk_1', 'deal.won', '{}', '2026-01-01T00:00:01.000Z');");
  auto m = migrate(*db, 9);
  CHECK(m.from == 8);
  CHECK(m.to == 9);
  auto rows = [&](const std::string& sql) { return first_column(*db, sql); };
  // The order of writing (rowid) survives, and so does everything in the rows.
  CHECK(rows("SELECT id || ' ' || coalesce(workspace_id, '-') || ' ' || coalesce(after_json, '-') FROM audit_events "
             "ORDER BY rowid") == std::vector<std::string>{"aud_2 wrk_1 {\"id\":\"con_1\"}", "aud_1 - -"});
  CHECK(rows("SELECT id || ' ' || type FROM events ORDER BY rowid") ==
        std::vector<std::string>{"evt_2 contact.created", "evt_1 deal.won"});
  // Only the (workspace, …) indexes are left, and the audit trail is still append-only.
  CHECK(rows("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name IN ('audit_events', 'events') "
             "ORDER BY name") == std::vector<std::string>{"audit_ws", "events_by_type", "events_by_workspace"});
  // An id taken in the workspace is still refused.
  CHECK_THROWS(
      db->exec("INSERT INTO events (id, workspace_id, type, data, created_at) VALUES "
               "('evt_1', 'wrk_1', 'deal.lost', '{}', '2026-01-01T00:00:02.000Z')"));
  CHECK_THROWS(
      db->exec("INSERT INTO audit_events (id, workspace_id, action, actor_type, actor_id, created_at) "
               "VALUES ('aud_2', 'wrk_1', 'x', 'user', 'u', '2026-01-01T00:00:02.000Z')"));
  CHECK_THROWS(db->exec("UPDATE audit_events SET action = 'x'"));
  CHECK_THROWS(db->exec("DELETE FROM audit_events"));
  // Reads by workspace and id use an index, not a scan of the table.
  auto plan = [&](const std::string& sql) {
    std::string out;
    auto q = db->query("EXPLAIN QUERY PLAN " + sql);
    while (q.next()) out += q.text(3) + ";";
    return out;
  };
  CHECK(plan("SELECT type FROM events WHERE id = 'evt_1' AND workspace_id = 'wrk_1'").find("events_by_workspace") !=
        std::string::npos);
  CHECK(plan("SELECT action FROM audit_events WHERE id = 'aud_2' AND workspace_id = 'wrk_1'").find("audit_ws") !=
        std::string::npos);
}

TEST_CASE("migration 10 keeps every event and usage event, read where they were, and changes no audit row") {
  ScratchDir dir;
  auto db = database_at(dir, 9);
  db->exec(
      "INSERT INTO audit_events (id, workspace_id, action, actor_type, actor_id, after_json, request_id, created_at) "
      "VALUES ('aud_01a', 'wrk_1', 'contact.created', 'api_key', 'key_1', '{\"id\":\"con_1\"}', 'req_1', "
      "'2026-01-01T00:00:00.000Z');"
      "INSERT INTO events (id, workspace_id, type, data, previous, request_id, created_at) VALUES "
      "('evt_01b', 'wrk_1', 'contact.created', '{\"id\":\"con_1\"}', NULL, 'req_1', '2026-01-01T00:00:00.000Z'),"
      "('evt_01c', 'wrk_1', 'contact.updated', '{\"id\":\"con_1\",\"name\":\"B\"}', '{\"name\":\"A\"}', NULL, "
      "'2026-01-01T00:00:01.000Z');"
      "INSERT INTO usage_events (id, workspace_id, credential_type, credential_id, route, status, units, kind, "
      "request_id, created_at) VALUES ('use_01d', 'wrk_1', 'api_key', 'key_1', 'POST /v1/contacts', 201, 1, "
      "'api_request', 'req_1', '2026-01-01T00:00:00.000Z');");
  auto m = migrate(*db);
  CHECK(m.from == 9);
  CHECK(m.to == latest_schema_version());
  auto rows = [&](const std::string& sql) { return first_column(*db, sql); };
  // The events, under their ids, with their data, previous values and requests, in order.
  CHECK(rows("SELECT id || ' ' || type || ' ' || data || ' ' || coalesce(previous, '-') || ' ' || request_id "
             "FROM events ORDER BY id") ==
        std::vector<std::string>{"evt_01b contact.created {\"id\":\"con_1\"} - req_1",
                                 "evt_01c contact.updated {\"id\":\"con_1\",\"name\":\"B\"} {\"name\":\"A\"} "});
  // The audit log shows what it showed; the events of their own are rows it does not show.
  CHECK(rows("SELECT id || ' ' || after_json FROM audit_events WHERE audited ORDER BY id") ==
        std::vector<std::string>{"aud_01a {\"id\":\"con_1\"}"});
  CHECK(rows("SELECT id || ' ' || usage_events.kind FROM usage_events") ==
        std::vector<std::string>{"use_01d api_request"});
  // The views take inserts as the tables did, with their constraints: a taken id, a workspace
  // that does not exist, an event id of another kind.
  db->exec(
      "INSERT INTO events (id, workspace_id, type, data, created_at) VALUES "
      "('evt_01e', 'wrk_1', 'webhook.test', '{}', '2026-01-01T00:00:02.000Z');"
      "INSERT INTO usage_events (id, workspace_id, credential_type, credential_id, route, status, kind, request_id, "
      "created_at) VALUES ('use_01f', 'wrk_1', 'api_key', 'key_1', 'GET /v1/contacts', 200, 'api_request', 'req_2', "
      "'2026-01-01T00:00:02.000Z');");
  CHECK(rows("SELECT count(*) FROM events") == std::vector<std::string>{"3"});
  CHECK(rows("SELECT count(*) || ' ' || sum(units) FROM usage_events") == std::vector<std::string>{"2 2"});
  CHECK_THROWS(
      db->exec("INSERT INTO events (id, workspace_id, type, data, created_at) VALUES "
               "('evt_01e', 'wrk_1', 'x', '{}', 'x')"));
  CHECK_THROWS(
      db->exec("INSERT INTO events (id, workspace_id, type, data, created_at) VALUES "
               "('evt_01g', 'wrk_gone', 'x', '{}', 'x')"));
  CHECK_THROWS(
      db->exec("INSERT INTO events (id, workspace_id, type, data, created_at) VALUES "
               "('aud_01h', 'wrk_1', 'x', '{}', 'x')"));
  CHECK_THROWS(
      db->exec("INSERT INTO usage_events (id, workspace_id, credential_type, credential_id, route, status, "
               "kind, request_id, created_at) VALUES ('use_01f', 'wrk_1', 'api_key', 'key_1', 'x', 200, "
               "'api_request', 'r', 'x')"));
  // Audited rows stay append-only; an event of its own may go (with its workspace).
  CHECK_THROWS(db->exec("DELETE FROM audit_events WHERE id = 'aud_01a'"));
  CHECK_THROWS(db->exec("UPDATE audit_events SET action = 'x' WHERE id = 'aud_01b'"));
  db->exec("DELETE FROM audit_events WHERE id = 'aud_01b'");
  CHECK(rows("SELECT count(*) FROM events") == std::vector<std::string>{"2"});
  // One b-tree fewer than before for events: they are read through the audit log's indexes.
  CHECK(rows("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'audit_events' ORDER BY name") ==
        std::vector<std::string>{"audit_by_action", "audit_ws"});
}
