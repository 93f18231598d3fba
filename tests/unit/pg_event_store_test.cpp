// server/store/postgres/event_store: the EventStore cases shared with SQLite
// (store_cases/event_cases.hpp, event_store_test.cpp), and what keeps its order the same as
// SQLite's whatever the database's locale.
#include <doctest/doctest.h>

#include "store_cases/event_cases.hpp"
#include "store_cases/webhook_env_pg.hpp"

using namespace slab5d;
using store_cases::PgWebhookEnv;

#define PG_EVENT_CASE(title, fn)      \
  TEST_CASE("PgEventStore: " title) { \
    PgWebhookEnv env;                 \
    store_cases::fn(env);             \
  }

PG_EVENT_CASE("events read back as written, in their workspace and horizon", event_round_trip_case)
PG_EVENT_CASE("a taken id or an unknown workspace is conflict", event_constraint_case)
PG_EVENT_CASE("ids order events byte by byte, oldest first after an id, newest first in a list", event_order_case)
PG_EVENT_CASE("list filters by exact type, type prefix, since and horizon", event_filter_case)
PG_EVENT_CASE("an event rolls back with its transaction", event_transaction_case)

TEST_CASE("PgEventStore: ids, types and times compare byte by byte whatever the database's collation") {
  // The test cluster has no locale, so the order cases pass there either way: the columns
  // themselves must say "C", as a server with en_US.UTF-8 would otherwise sort "evt_a" before
  // "evt_B" and ignore the punctuation of "deal." and "deal/".
  PgWebhookEnv env;
  for (const char* column : {"id", "type", "created_at"}) {
    CAPTURE(column);
    auto r = env.conn().exec(
        "SELECT collation_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND "
        "table_name = 'events' AND column_name = $1",
        std::string(column));
    REQUIRE(r.rows() == 1);
    CHECK(r.text(0, 0) == "C");
  }
  auto data = env.conn().exec(
      "SELECT data_type::text FROM information_schema.columns WHERE table_schema = current_schema() AND "
      "table_name = 'events' AND column_name IN ('data', 'previous')");
  REQUIRE(data.rows() == 2);
  CHECK(data.text(0, 0) == "text");
  CHECK(data.text(1, 0) == "text");
}
