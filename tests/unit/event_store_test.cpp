// server/store/sqlite/event_store: the EventStore cases shared with PostgreSQL
// (store_cases/event_cases.hpp, pg_event_store_test.cpp).
#include <doctest/doctest.h>

#include "store_cases/event_cases.hpp"
#include "store_cases/webhook_env_sqlite.hpp"

using namespace slab5d;
using store_cases::SqliteWebhookEnv;

#define SQLITE_EVENT_CASE(title, fn)      \
  TEST_CASE("SqliteEventStore: " title) { \
    SqliteWebhookEnv env;                 \
    store_cases::fn(env);                 \
  }

SQLITE_EVENT_CASE("events read back as written, in their workspace and horizon", event_round_trip_case)
SQLITE_EVENT_CASE("a taken id or an unknown workspace is conflict", event_constraint_case)
SQLITE_EVENT_CASE("ids order events byte by byte, oldest first after an id, newest first in a list", event_order_case)
SQLITE_EVENT_CASE("list filters by exact type, type prefix, since and horizon", event_filter_case)
SQLITE_EVENT_CASE("an event rolls back with its transaction", event_transaction_case)
