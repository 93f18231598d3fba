// server/domain/webhooks.cpp: event type matching, the retry schedule, and the outbox rows a
// write leaves (and a rolled-back write does not).
#include <doctest/doctest.h>

#include <cstdio>

#include "domain/webhooks.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/webhook_store.hpp"
#include "store/sqlite/workspace_store.hpp"
#include "temp_db.hpp"

using namespace slab5d;

namespace {
constexpr const char* kNow = "2026-01-01T00:00:00.000Z";

// A migrated database with one workspace, wrk_a.
std::unique_ptr<Db> db_with_workspace(const std::string& path) {
  auto db = Db::open(path, true);
  migrate(*db);
  REQUIRE(db->query("INSERT INTO tenants (id, name, created_at) VALUES ('ten_t', 't', ?)", kNow).run() == 101);
  REQUIRE(db->query("INSERT INTO workspaces (id, tenant_id, slug, name, enabled_modules, created_at, updated_at) "
                    "VALUES ('wrk_a', 'ten_t', 'a', 'A', '[]', ?, ?)",
                    kNow, kNow)
              .run() == 101);
  return db;
}

// A pending delivery dlv_1, written without its workspace or endpoint (what a migration must
// keep, whatever else the file holds).
void insert_bare_delivery(Db& db) {
  db.exec("PRAGMA foreign_keys = OFF");
  REQUIRE(db.query("INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_id, status, max_attempts, "
                   "next_attempt_at, created_at, updated_at) VALUES ('dlv_1', 'wrk_a', 'whk_1', 'evt_1', 'pending', 5, "
                   "1, ?, ?)",
                   kNow, kNow)
              .run() == 101);
  db.exec("PRAGMA foreign_keys = ON");
}
}  // namespace

TEST_CASE("an endpoint's event types match exactly, by prefix, or all") {
  CHECK(event_type_matches({"*"}, "contact.created"));
  CHECK(event_type_matches({"deal.*"}, "deal.updated"));
  CHECK_FALSE(event_type_matches({"deal.*"}, "deal_stage.created"));
  CHECK_FALSE(event_type_matches({"deal.*"}, "contact.created"));
  CHECK(event_type_matches({"contact.created"}, "contact.created"));
  CHECK_FALSE(event_type_matches({"contact.created"}, "contact.updated"));
  CHECK(event_type_matches({"company.created", "contact.*"}, "contact.deleted"));
  CHECK_FALSE(event_type_matches({}, "contact.created"));
}

TEST_CASE("retries wait 1 s, 2 s, 4 s … capped at 1 h, with at most 10% jitter") {
  for (int n = 1; n <= 20; ++n) {
    std::int64_t base = std::min<std::int64_t>(3600000, 1000LL << std::min(n - 1, 30));
    auto d = retry_delay_ms(n);
    CHECK(d >= base);
    CHECK(d <= base + base / 10);
  }
}

TEST_CASE("an endpoint body is checked field by field") {
  auto ok =
      parse_webhook_input({{"name", " n "}, {"url", "https://x.example/h"}, {"event_types", {"deal.*"}}}, false, false);
  REQUIRE(ok);
  CHECK(*ok->name == "n");
  auto bad =
      parse_webhook_input({{"url", "http://10.0.0.1/"}, {"event_types", {"Deal"}}, {"max_attempts", 0}}, false, true);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().extra["field_errors"].size() == 4);
  auto patch = parse_webhook_input({{"metadata", nullptr}}, true, false);
  REQUIRE(patch);
  CHECK(patch->metadata->is_null());
}

TEST_CASE("migration 5 adds the webhook tables to a database at version 4") {
  slab5d::testing::ScratchDir dir;
  auto db = Db::open(dir.path + "/slab5.db", true);
  CHECK(migrate(*db, 4).to == 4);
  {
    auto before = db->query("SELECT count(*) FROM sqlite_schema WHERE name LIKE 'webhook%'");
    REQUIRE(before.next());
    CHECK(before.integer(0) == 0);
  }  // reset before the migrations change the schema
  auto m = migrate(*db);
  CHECK(m.from == 4);
  CHECK(m.to == latest_schema_version());
  for (const char* t : {"webhook_endpoints", "webhook_deliveries", "webhook_sources", "inbound_messages"}) {
    auto q = db->query("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?", t);
    REQUIRE(q.next());
    CHECK_MESSAGE(q.integer(0) == 1, t);
  }
}

TEST_CASE("a write transaction sees every change to the active endpoints, its own and rolled-back ones") {
  // SqliteWebhookStore keeps a workspace's active endpoints for the rest of a transaction.
  slab5d::testing::ScratchDir dir;
  auto db = db_with_workspace(dir.path + "/slab5.db");
  auto now = std::string(kNow);
  SqliteWebhookStore store(*db);
  auto active = [&] { return store.active_endpoints("wrk_a")->size(); };
  WebhookEndpoint e{.id = "whk_1",
                    .workspace_id = "wrk_a",
                    .name = "n",
                    .url = "https://x.example/h",
                    .event_types = {"*"},
                    .secret_sealed = "s",
                    .created_at = now,
                    .updated_at = now};
  Tx outer(*db);
  CHECK(active() == 0);
  REQUIRE(store.insert_endpoint(e));
  CHECK(active() == 1);
  e.status = "paused";
  REQUIRE(store.update_endpoint(e));
  CHECK(active() == 0);
  e.status = "active";
  REQUIRE(store.update_endpoint(e));
  CHECK(active() == 1);
  {
    // A savepoint that deletes it and is rolled back: the endpoint is back.
    Tx inner(*db);
    REQUIRE(store.delete_endpoint("wrk_a", "whk_1"));
    CHECK(active() == 0);
  }
  CHECK(active() == 1);
  {
    // One that adds a second and is rolled back: it is gone again.
    Tx inner(*db);
    auto f = e;
    f.id = "whk_2";
    REQUIRE(store.insert_endpoint(f));
    CHECK(active() == 2);
  }
  CHECK(active() == 1);
  // Changed behind the store's back by another statement of the same transaction: the
  // workspace's deletion takes its endpoints with it.
  REQUIRE(SqliteWorkspaceStore(*db).remove("wrk_a"));
  CHECK(active() == 0);
}

TEST_CASE("migration 7 drops the due-time index nothing reads, and keeps the deliveries") {
  slab5d::testing::ScratchDir dir;
  auto db = Db::open(dir.path + "/slab5.db", true);
  CHECK(migrate(*db, 6).to == 6);
  auto has_index = [&] {
    auto q = db->query("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'webhook_deliveries_due'");
    q.next();
    return q.integer(0) == 1;
  };
  CHECK(has_index());
  insert_bare_delivery(*db);
  CHECK(migrate(*db).to == latest_schema_version());
  CHECK_FALSE(has_index());
  auto q = db->query("SELECT status FROM webhook_deliveries WHERE id = 'dlv_1'");
  REQUIRE(q.next());
  CHECK(q.text(0) == "pending");
}

TEST_CASE("a matched event is queued in its write's transaction; release makes the oldest deliveries, up to 100") {
  slab5d::testing::ScratchDir dir;
  auto db = db_with_workspace(dir.path + "/slab5.db");
  auto now = std::string(kNow);
  SqliteWebhookStore store(*db);
  WebhookEndpoint all{.id = "whk_1",
                      .workspace_id = "wrk_a",
                      .name = "n",
                      .url = "https://x.example/h",
                      .event_types = {"*"},
                      .max_attempts = 3,
                      .secret_sealed = "s",
                      .created_at = now,
                      .updated_at = now};
  WebhookEndpoint deals = all;
  deals.id = "whk_2";
  deals.event_types = {"deal.*"};
  REQUIRE(store.insert_endpoint(all));
  REQUIRE(store.insert_endpoint(deals));
  auto count = [&](const char* sql) {
    auto q = db->query(sql);
    q.next();
    return q.integer(0);
  };
  auto event_id = [](int i) {
    char id[16];
    std::snprintf(id, sizeof id, "evt_%03d", i);
    return std::string(id);
  };
  {
    Tx tx(*db);  // rolled back: nothing queued
    CHECK(enqueue_deliveries(*db, "wrk_a", "evt_000", "deal.created") == 2);
  }
  CHECK(count("SELECT count(*) FROM webhook_outbox") == 0);
  {
    Tx tx(*db);
    for (int i = 1; i <= 120; ++i) CHECK(enqueue_deliveries(*db, "wrk_a", event_id(i), "contact.created") == 1);
    CHECK(enqueue_deliveries(*db, "wrk_a", event_id(121), "deal.won") == 2);
    tx.commit();
  }
  CHECK(count("SELECT count(*) FROM webhook_outbox") == 122);
  CHECK(count("SELECT count(*) FROM webhook_deliveries") == 0);  // none yet: the write made queue rows only

  // whk_1 gets its 100 oldest, whk_2 its one; each delivery in the order of its event.
  CHECK(release_queued_deliveries(*db, 5000) == 101);
  {
    auto q = db->query(
        "SELECT event_id, status, max_attempts, next_attempt_at FROM webhook_deliveries "
        "WHERE endpoint_id = 'whk_1' ORDER BY id");
    int i = 0;
    while (q.next()) {
      ++i;
      CHECK(q.text(0) == event_id(i));
      CHECK(q.text(1) == "pending");
      CHECK(q.integer(2) == 3);
      CHECK(q.integer(3) == 5000);
    }
    CHECK(i == 100);
  }
  CHECK(count("SELECT count(*) FROM webhook_outbox WHERE endpoint_id = 'whk_1'") == 21);
  CHECK(count("SELECT count(*) FROM webhook_outbox WHERE endpoint_id = 'whk_2'") == 0);
  CHECK(release_queued_deliveries(*db, 5000) == 0);  // whk_1 has no room: 100 are open

  // Once some are done there is room again, and the rest follow in order.
  db->exec("UPDATE webhook_deliveries SET status = 'succeeded', next_attempt_at = NULL WHERE event_id <= 'evt_030'");
  CHECK(release_queued_deliveries(*db, 6000) == 21);
  CHECK(count("SELECT count(*) FROM webhook_outbox") == 0);
  {
    auto q = db->query("SELECT event_id FROM webhook_deliveries WHERE endpoint_id = 'whk_1' ORDER BY id");
    int i = 0;
    while (q.next()) CHECK(q.text(0) == event_id(++i));
    CHECK(i == 121);
  }

  // An endpoint's deletion takes its queue with it.
  CHECK(enqueue_deliveries(*db, "wrk_a", event_id(122), "deal.lost") == 2);
  REQUIRE(store.delete_endpoint("wrk_a", "whk_2"));
  CHECK(count("SELECT count(*) FROM webhook_outbox") == 1);
  CHECK(count("SELECT count(*) FROM webhook_outbox WHERE endpoint_id = 'whk_1'") == 1);
}

TEST_CASE("migration 8 adds the outbox queue to a database at version 7, keeping the deliveries") {
  slab5d::testing::ScratchDir dir;
  auto db = Db::open(dir.path + "/slab5.db", true);
  CHECK(migrate(*db, 7).to == 7);
  insert_bare_delivery(*db);
  {
    auto q = db->query("SELECT count(*) FROM sqlite_schema WHERE name = 'webhook_outbox'");
    q.next();
    CHECK(q.integer(0) == 0);
  }
  CHECK(migrate(*db).to == latest_schema_version());
  {
    auto q = db->query("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'webhook_outbox'");
    q.next();
    CHECK(q.integer(0) == 1);
  }
  auto q = db->query("SELECT status FROM webhook_deliveries WHERE id = 'dlv_1'");
  REQUIRE(q.next());
  CHECK(q.text(0) == "pending");
}
