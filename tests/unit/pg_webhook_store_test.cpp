// server/store/postgres/webhook_store: the WebhookStore cases shared with SQLite
// (store_cases/webhook_cases.hpp, webhook_store_test.cpp), and what only PostgreSQL has to
// do: several slab5d processes on one database, each with a delivery worker, take each due
// delivery and each queued event once.
#include <doctest/doctest.h>

#include <atomic>
#include <latch>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "store_cases/webhook_cases.hpp"
#include "store_cases/webhook_env_pg.hpp"

using namespace slab5d;
using store_cases::delivery_of;
using store_cases::endpoint_of;
using store_cases::PgWebhookEnv;

#define PG_WEBHOOK_CASE(title, fn)      \
  TEST_CASE("PgWebhookStore: " title) { \
    PgWebhookEnv env;                   \
    store_cases::fn(env);               \
  }

PG_WEBHOOK_CASE("endpoints are written, read, listed, updated and deleted", webhook_endpoint_case)
PG_WEBHOOK_CASE("a transaction's active endpoints follow its writes and savepoints", webhook_active_endpoints_case)
PG_WEBHOOK_CASE("deliveries are written, read, listed with filters and updated", webhook_delivery_case)
PG_WEBHOOK_CASE("due deliveries: each active endpoint's oldest due one", webhook_due_case)
PG_WEBHOOK_CASE("the outbox queues an event once per endpoint and names heads with room", webhook_outbox_case)
PG_WEBHOOK_CASE("inbound sources are written, read, listed and deleted", webhook_source_case)
PG_WEBHOOK_CASE("an inbound message id is claimed once within the horizon", webhook_claim_message_case)

namespace {

// `endpoints` active endpoints whk_000… with `per_endpoint` deliveries each, all due at 1000.
void add_due_deliveries(WebhookStore& s, int endpoints, int per_endpoint) {
  char id[32];
  for (int e = 0; e < endpoints; ++e) {
    std::snprintf(id, sizeof id, "whk_%03d", e);
    std::string endpoint = id;
    REQUIRE(s.insert_endpoint(endpoint_of(endpoint)));
    for (int d = 0; d < per_endpoint; ++d) {
      std::snprintf(id, sizeof id, "dlv_%03d_%d", e, d);
      REQUIRE(s.insert_delivery(delivery_of(id, endpoint, "evt_" + std::to_string(d), 1000)));
    }
  }
}

void finish(WebhookStore& s, const std::string& delivery_id) {
  auto d = *s.delivery_by_id(delivery_id).value();
  d.status = "succeeded";
  d.next_attempt_at.reset();
  d.attempt_count += 1;
  REQUIRE(s.update_delivery(d));
}

}  // namespace

TEST_CASE("PgWebhookStore: a due delivery claimed by one process is not handed to another") {
  PgWebhookEnv env;
  auto other_conn = env.db().connect();
  PgWebhookStore a(env.conn(), "instance-a"), b(*other_conn, "instance-b");
  REQUIRE(a.insert_endpoint(endpoint_of("whk_1")));
  REQUIRE(a.insert_endpoint(endpoint_of("whk_2")));
  REQUIRE(a.insert_delivery(delivery_of("dlv_1", "whk_1", "evt_1")));
  REQUIRE(a.insert_delivery(delivery_of("dlv_2", "whk_1", "evt_2")));
  REQUIRE(a.insert_delivery(delivery_of("dlv_3", "whk_2", "evt_1")));

  auto got = a.due_deliveries(1000, 1).value();
  REQUIRE(got.size() == 1);
  CHECK(got[0].id == "dlv_1");
  // B gets the other endpoint's, not whk_1's next: one delivery at a time per endpoint.
  auto rest = b.due_deliveries(1000, 10).value();
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].id == "dlv_3");
  CHECK(b.due_deliveries(1000, 10).value().size() == 1);  // its own again
  CHECK(a.due_deliveries(1000, 10).value().size() == 1);  // A: only its own dlv_1
  CHECK_FALSE(b.due_delivery_of("whk_1", 1000).value());
  CHECK_FALSE(a.due_delivery_of("whk_2", 1000).value());
  CHECK(a.due_delivery_of("whk_1", 1000).value()->id == "dlv_1");
  // Nothing about the delivery as read changed.
  auto d1 = *a.delivery_by_id("dlv_1").value();
  CHECK(d1.status == "pending");
  CHECK(d1.next_attempt_at == 1000);

  // A records its attempt: the claim ends and whk_1's next delivery is anyone's.
  finish(a, "dlv_1");
  auto next = b.due_delivery_of("whk_1", 2000).value();
  REQUIRE(next);
  CHECK(next->id == "dlv_2");
  CHECK_FALSE(a.due_delivery_of("whk_1", 2000).value());

  // A process that stopped half-way: its claim lapses after kPgDeliveryClaimMs.
  CHECK(b.due_deliveries(2000, 10).value().size() == 2);  // dlv_2 and dlv_3, B's
  CHECK(a.due_deliveries(2000 + kPgDeliveryClaimMs - 1, 10).value().empty());
  auto taken_over = a.due_deliveries(2000 + kPgDeliveryClaimMs, 10).value();
  REQUIRE(taken_over.size() == 2);
  CHECK(taken_over[0].id == "dlv_2");
  CHECK(taken_over[1].id == "dlv_3");
  CHECK(b.due_deliveries(2000 + kPgDeliveryClaimMs, 10).value().empty());

  // A deleted delivery takes its claim with it.
  REQUIRE(a.delete_endpoint("wrk_a", "whk_2"));
  CHECK(env.conn().exec("SELECT count(*) FROM slab5_worker.delivery_claims").integer(0, 0) == 1);
}

TEST_CASE("PgWebhookStore: two processes taking due deliveries at once never take one twice") {
  PgWebhookEnv env;
  constexpr int kEndpoints = 60, kPerEndpoint = 4;
  add_due_deliveries(env.webhooks(), kEndpoints, kPerEndpoint);

  std::mutex mu;
  std::map<std::string, std::string> taken_by;  // delivery → claimant
  std::vector<std::string> twice;
  std::atomic<int> done{0};
  // Both connect first, then start together; each "send" takes a moment, as a real one does,
  // so that neither can take all the work before the other begins (even on a loaded machine).
  std::latch ready(2);
  auto worker = [&](const std::string& claimant) {
    auto conn = env.db().connect();
    PgWebhookStore s(*conn, claimant);
    ready.arrive_and_wait();
    int idle = 0;
    // As the delivery worker does: take due ones, send each (here: mark it succeeded) and go
    // on with the endpoint's next one while it has one.
    while (done.load() < kEndpoints * kPerEndpoint && idle < 200) {
      auto due = s.due_deliveries(5000, 7).value();
      if (due.empty()) {
        ++idle;
        std::this_thread::yield();
        continue;
      }
      idle = 0;
      for (auto job : due) {
        for (;;) {
          {
            std::lock_guard lock(mu);
            auto [it, fresh] = taken_by.emplace(job.id, claimant);
            if (!fresh) twice.push_back(job.id + " by " + it->second + " and " + claimant);
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
          finish(s, job.id);
          done.fetch_add(1);
          auto next = s.due_delivery_of(job.endpoint_id, 5000).value();
          if (!next) break;
          job = *next;
        }
      }
    }
  };
  std::thread t1(worker, "instance-1"), t2(worker, "instance-2");
  t1.join();
  t2.join();
  CHECK(twice.empty());
  CHECK(taken_by.size() == std::size_t(kEndpoints * kPerEndpoint));
  std::set<std::string> claimants;
  for (const auto& [id, who] : taken_by) claimants.insert(who);
  CHECK(claimants.size() == 2);  // both took part
  CHECK(env.conn().exec("SELECT count(*) FROM webhook_deliveries WHERE status <> 'succeeded'").integer(0, 0) == 0);
}

TEST_CASE("PgWebhookStore: claims made at the same moment by two processes are disjoint") {
  // Without sending anything: each process asks many times; the deliveries each gets (its
  // own again included) never overlap the other's, and together they are every head.
  PgWebhookEnv env;
  constexpr int kEndpoints = 80;
  add_due_deliveries(env.webhooks(), kEndpoints, 2);
  std::set<std::string> got[2];
  auto worker = [&](int n) {
    auto conn = env.db().connect();
    PgWebhookStore s(*conn, "instance-" + std::to_string(n));
    for (int round = 0; round <= 30; ++round) {
      int limit = round < 30 ? 1 + round % 9 : 1000;  // at last, all that is left
      for (const auto& d : std::vector<DueDelivery>(s.due_deliveries(5000, limit).value())) got[n].insert(d.id);
    }
  };
  std::thread t0(worker, 0), t1(worker, 1);
  t0.join();
  t1.join();
  for (const auto& id : got[0]) CHECK_FALSE(got[1].count(id));
  std::set<std::string> all(got[0].begin(), got[0].end());
  all.insert(got[1].begin(), got[1].end());
  CHECK(all.size() == std::size_t(kEndpoints));
  for (const auto& id : all) CHECK(id.substr(id.size() - 2) == "_0");  // each endpoint's oldest
}

TEST_CASE("PgWebhookStore: two releases at once make one delivery per queued event") {
  PgWebhookEnv env;
  auto& s = env.webhooks();
  REQUIRE(s.insert_endpoint(endpoint_of("whk_1")));
  REQUIRE(s.insert_endpoint(endpoint_of("whk_2")));
  for (int i = 0; i < 6; ++i) {
    REQUIRE(s.queue_delivery("whk_1", "evt_" + std::to_string(i)));
    REQUIRE(s.queue_delivery("whk_2", "evt_" + std::to_string(i)));
  }
  auto other_conn = env.db().connect();
  PgWebhookStore b(*other_conn, "instance-b");

  PgTx ta(env.conn());
  auto heads_a = s.queued_heads(100, 1).value();
  CHECK(heads_a.size() == 2);
  auto first = s.queued_events("whk_1", 4).value();
  REQUIRE(first.size() == 4);
  CHECK(first[0].event_id == "evt_0");
  {
    PgTx tb(*other_conn);
    // A holds both endpoints and whk_1's four oldest events: B is given none of them.
    CHECK(b.queued_heads(100, 1).value().empty());
    auto rest = b.queued_events("whk_1", 10).value();
    REQUIRE(rest.size() == 2);
    CHECK(rest[0].event_id == "evt_4");
    CHECK(rest[1].event_id == "evt_5");
    CHECK(b.queued_events("whk_2", 10).value().size() == 6);
  }
  for (const auto& q : first) {
    REQUIRE(s.insert_delivery(delivery_of("dlv_" + q.event_id, "whk_1", q.event_id)));
    REQUIRE(s.unqueue("whk_1", q.event_id));
  }
  ta.commit();
  // Once A has committed, its events are gone from the queue for everyone.
  PgTx tb(*other_conn);
  auto left = b.queued_events("whk_1", 10).value();
  REQUIRE(left.size() == 2);
  CHECK(left[0].event_id == "evt_4");
  auto heads_b = b.queued_heads(100, 1).value();
  REQUIRE(heads_b.size() == 2);
  CHECK(heads_b[0].endpoint_id == "whk_1");
  CHECK(heads_b[0].room == 96);
}

TEST_CASE("PgWebhookStore: active endpoints are read anew, so another connection's change shows at once") {
  PgWebhookEnv env;
  auto& s = env.webhooks();
  REQUIRE(s.insert_endpoint(endpoint_of("whk_1")));
  PgTx tx(env.conn());
  CHECK(s.active_endpoints("wrk_a").value().size() == 1);
  {
    auto other = env.db().connect();
    PgWebhookStore o(*other);
    REQUIRE(o.insert_endpoint(endpoint_of("whk_2")));
  }
  CHECK(s.active_endpoints("wrk_a").value().size() == 2);  // READ COMMITTED: the next statement sees it
  env.conn().exec("DELETE FROM workspaces WHERE id = 'wrk_a'");
  CHECK(s.active_endpoints("wrk_a").value().empty());
}

TEST_CASE("PgWebhookStore: ids compare byte by byte and JSON is kept as text") {
  PgWebhookEnv env;
  auto r = env.conn().exec(
      "SELECT table_name::text || '.' || column_name::text, coalesce(collation_name::text, ''), data_type::text "
      "FROM information_schema.columns WHERE table_schema = current_schema() AND table_name IN "
      "('webhook_endpoints', 'webhook_deliveries', 'webhook_sources', 'webhook_outbox', 'inbound_messages') "
      "AND (column_name IN ('id', 'endpoint_id', 'event_id', 'source_id') OR column_name IN ('event_types', "
      "'metadata', 'attempts'))");
  std::map<std::string, std::pair<std::string, std::string>> cols;
  for (int i = 0; i < r.rows(); ++i) cols[r.text(i, 0)] = {r.text(i, 1), r.text(i, 2)};
  for (const char* c : {"webhook_endpoints.id", "webhook_deliveries.id", "webhook_deliveries.endpoint_id",
                        "webhook_deliveries.event_id", "webhook_sources.id", "webhook_outbox.endpoint_id",
                        "webhook_outbox.event_id", "inbound_messages.source_id"}) {
    CAPTURE(c);
    REQUIRE(cols.count(c));
    CHECK(cols[c].first == "C");
  }
  for (const char* c : {"webhook_endpoints.event_types", "webhook_endpoints.metadata", "webhook_deliveries.attempts"}) {
    CAPTURE(c);
    REQUIRE(cols.count(c));
    CHECK(cols[c].second == "text");
  }
}
