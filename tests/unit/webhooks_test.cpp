// server/domain/webhooks.cpp: event type matching, the retry schedule, and the outbox rows a
// write leaves (and a rolled-back write does not).
#include <doctest/doctest.h>

#include "domain/webhooks.hpp"
#include "store/sqlite/migrations.hpp"
#include "temp_db.hpp"

using namespace slab5d;

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
  auto before = db->query("SELECT count(*) FROM sqlite_schema WHERE name LIKE 'webhook%'");
  REQUIRE(before.next());
  CHECK(before.integer(0) == 0);
  auto m = migrate(*db);
  CHECK(m.from == 4);
  CHECK(m.to == latest_schema_version());
  for (const char* t : {"webhook_endpoints", "webhook_deliveries", "webhook_sources", "inbound_messages"}) {
    auto q = db->query("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?", t);
    REQUIRE(q.next());
    CHECK_MESSAGE(q.integer(0) == 1, t);
  }
}
