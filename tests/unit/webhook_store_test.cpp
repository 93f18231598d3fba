// server/store/sqlite/webhook_store: the WebhookStore cases shared with PostgreSQL
// (store_cases/webhook_cases.hpp, pg_webhook_store_test.cpp). webhooks_test.cpp and
// webhook_sources_test.cpp test the same store through the domain.
#include <doctest/doctest.h>

#include "store_cases/webhook_cases.hpp"
#include "store_cases/webhook_env_sqlite.hpp"

using namespace slab5d;
using store_cases::SqliteWebhookEnv;

#define SQLITE_WEBHOOK_CASE(title, fn)      \
  TEST_CASE("SqliteWebhookStore: " title) { \
    SqliteWebhookEnv env;                   \
    store_cases::fn(env);                   \
  }

SQLITE_WEBHOOK_CASE("endpoints are written, read, listed, updated and deleted", webhook_endpoint_case)
SQLITE_WEBHOOK_CASE("a transaction's active endpoints follow its writes and savepoints", webhook_active_endpoints_case)
SQLITE_WEBHOOK_CASE("deliveries are written, read, listed with filters and updated", webhook_delivery_case)
SQLITE_WEBHOOK_CASE("due deliveries: each active endpoint's oldest due one", webhook_due_case)
SQLITE_WEBHOOK_CASE("the outbox queues an event once per endpoint and names heads with room", webhook_outbox_case)
SQLITE_WEBHOOK_CASE("inbound sources are written, read, listed and deleted", webhook_source_case)
SQLITE_WEBHOOK_CASE("an inbound message id is claimed once within the horizon", webhook_claim_message_case)
