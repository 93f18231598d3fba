// WebhookStore's behaviour, the same on every backend: called by webhook_store_test.cpp
// (SQLite) and pg_webhook_store_test.cpp (PostgreSQL) with their WebhookEnv (webhook_env.hpp).
#pragma once
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "store_cases/event_cases.hpp"
#include "store_cases/webhook_env.hpp"

namespace slab5d::store_cases {

inline constexpr const char* kAt = "2026-01-01T00:00:00.000Z";

inline WebhookEndpoint endpoint_of(const std::string& id, const std::string& ws = "wrk_a") {
  return WebhookEndpoint{.id = id,
                         .workspace_id = ws,
                         .name = "hook " + id,
                         .url = "https://x.example/" + id,
                         .event_types = {"contact.created", "deal.*"},
                         .secret_sealed = "sealed-" + id,
                         .created_at = kAt,
                         .updated_at = kAt};
}

inline WebhookDelivery delivery_of(const std::string& id, const std::string& endpoint, const std::string& event,
                                   std::int64_t next_attempt_at = 1000, const std::string& ws = "wrk_a") {
  return WebhookDelivery{.id = id,
                         .workspace_id = ws,
                         .endpoint_id = endpoint,
                         .event_id = event,
                         .next_attempt_at = next_attempt_at,
                         .created_at = kAt,
                         .updated_at = kAt};
}

template <class T>
std::vector<std::string> ids_of(const std::vector<T>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.id);
  return out;
}

inline void check_same_endpoint(const WebhookEndpoint& a, const WebhookEndpoint& b) {
  CHECK(a.id == b.id);
  CHECK(a.workspace_id == b.workspace_id);
  CHECK(a.name == b.name);
  CHECK(a.url == b.url);
  CHECK(a.event_types == b.event_types);
  CHECK(a.status == b.status);
  CHECK(a.max_attempts == b.max_attempts);
  CHECK(a.metadata == b.metadata);
  CHECK(a.secret_sealed == b.secret_sealed);
  CHECK(a.previous_secret_sealed == b.previous_secret_sealed);
  CHECK(a.previous_secret_expires_at == b.previous_secret_expires_at);
  CHECK(a.failed_deliveries_in_row == b.failed_deliveries_in_row);
  CHECK(a.disabled_at == b.disabled_at);
  CHECK(a.created_at == b.created_at);
  CHECK(a.updated_at == b.updated_at);
}

inline void check_same_delivery(const WebhookDelivery& a, const WebhookDelivery& b) {
  CHECK(a.id == b.id);
  CHECK(a.workspace_id == b.workspace_id);
  CHECK(a.endpoint_id == b.endpoint_id);
  CHECK(a.event_id == b.event_id);
  CHECK(a.status == b.status);
  CHECK(a.attempt_count == b.attempt_count);
  CHECK(a.max_attempts == b.max_attempts);
  CHECK(a.next_attempt_at == b.next_attempt_at);
  CHECK(a.last_status_code == b.last_status_code);
  CHECK(a.last_error == b.last_error);
  CHECK(a.last_response_body == b.last_response_body);
  CHECK(a.attempts == b.attempts);
  CHECK(a.created_at == b.created_at);
  CHECK(a.updated_at == b.updated_at);
}

// Endpoints: every field written and read back, in and only in their workspace; listed newest
// first (limit+1 rows, `after` pages); updated and deleted, or resource_not_found when gone; a
// taken id or an unknown workspace is `conflict`.
inline void webhook_endpoint_case(WebhookEnv& env) {
  auto& s = env.webhooks();
  auto e = endpoint_of("whk_2");
  e.metadata = nlohmann::json{{"team", "crm"}, {"n", 2}, {"nested", {{"z", nullptr}}}};
  e.previous_secret_sealed = "old-sealed";
  e.previous_secret_expires_at = 1767225600123;
  REQUIRE(s.insert_endpoint(e));
  REQUIRE(s.insert_endpoint(endpoint_of("whk_1")));
  REQUIRE(s.insert_endpoint(endpoint_of("whk_3")));
  REQUIRE(s.insert_endpoint(endpoint_of("whk_9", "wrk_b")));

  auto got = s.endpoint("wrk_a", "whk_2").value();
  REQUIRE(got);
  check_same_endpoint(*got, e);
  CHECK_FALSE(s.endpoint("wrk_b", "whk_2").value());
  CHECK_FALSE(s.endpoint("wrk_a", "whk_none").value());
  auto any = s.endpoint_by_id("whk_9").value();
  REQUIRE(any);
  CHECK(any->workspace_id == "wrk_b");
  CHECK_FALSE(any->metadata);
  CHECK_FALSE(s.endpoint_by_id("whk_none").value());

  CHECK(ids_of(s.list_endpoints("wrk_a", std::nullopt, 2).value()) ==
        std::vector<std::string>{"whk_3", "whk_2", "whk_1"});
  CHECK(ids_of(s.list_endpoints("wrk_a", "whk_2", 2).value()) == std::vector<std::string>{"whk_1"});
  CHECK(ids_of(s.list_endpoints("wrk_a", std::nullopt, 0).value()) == std::vector<std::string>{"whk_3"});
  CHECK(ids_of(s.list_endpoints("wrk_b", std::nullopt, 25).value()) == std::vector<std::string>{"whk_9"});

  // Every mutable field changes.
  e.name = "renamed";
  e.url = "https://y.example/h";
  e.event_types = {"*"};
  e.status = "disabled";
  e.max_attempts = 9;
  e.metadata.reset();
  e.secret_sealed = "new-sealed";
  e.previous_secret_sealed.reset();
  e.previous_secret_expires_at.reset();
  e.failed_deliveries_in_row = 20;
  e.disabled_at = "2026-01-03T00:00:00.000Z";
  e.updated_at = "2026-01-03T00:00:00.000Z";
  REQUIRE(s.update_endpoint(e));
  check_same_endpoint(*s.endpoint("wrk_a", "whk_2").value(), e);
  CHECK(ids_of(s.active_endpoints("wrk_a").value()) == std::vector<std::string>{"whk_1", "whk_3"});

  auto gone = endpoint_of("whk_none");
  check_fails(s.update_endpoint(gone), "resource_not_found");
  auto elsewhere = endpoint_of("whk_9");  // wrk_b's, updated as wrk_a's
  check_fails(s.update_endpoint(elsewhere), "resource_not_found");
  CHECK(s.endpoint_by_id("whk_9").value()->workspace_id == "wrk_b");

  auto taken = s.insert_endpoint(endpoint_of("whk_1"));
  check_fails(taken, "conflict");
  CHECK(taken.error().message == "The webhook endpoint cannot be written: its id is taken.");
  check_fails(s.insert_endpoint(endpoint_of("whk_x", "wrk_gone")), "conflict");
  CHECK_FALSE(s.endpoint_by_id("whk_x").value());

  check_fails(s.delete_endpoint("wrk_b", "whk_1"), "resource_not_found");
  REQUIRE(s.delete_endpoint("wrk_a", "whk_1"));
  CHECK_FALSE(s.endpoint_by_id("whk_1").value());
  auto again = s.delete_endpoint("wrk_a", "whk_1");
  check_fails(again, "resource_not_found");
  CHECK(again.error().message == "No webhook endpoint whk_1.");
}

// Inside one transaction active_endpoints sees every change through the store: its own writes,
// and savepoints rolled back.
inline void webhook_active_endpoints_case(WebhookEnv& env) {
  auto& s = env.webhooks();
  auto active = [&] { return ids_of(s.active_endpoints("wrk_a").value()); };
  using V = std::vector<std::string>;
  auto e = endpoint_of("whk_1");
  env.begin();
  CHECK(active().empty());
  REQUIRE(s.insert_endpoint(e));
  CHECK(active() == V{"whk_1"});
  e.status = "paused";
  REQUIRE(s.update_endpoint(e));
  CHECK(active().empty());
  e.status = "active";
  REQUIRE(s.update_endpoint(e));
  CHECK(active() == V{"whk_1"});
  env.begin();
  REQUIRE(s.delete_endpoint("wrk_a", "whk_1"));
  CHECK(active().empty());
  env.rollback();
  CHECK(active() == V{"whk_1"});
  env.begin();
  REQUIRE(s.insert_endpoint(endpoint_of("whk_0")));
  CHECK(active() == V{"whk_0", "whk_1"});
  env.rollback();
  CHECK(active() == V{"whk_1"});
  env.commit();
  CHECK(active() == V{"whk_1"});
  CHECK(ids_of(s.active_endpoints("wrk_b").value()).empty());
}

// Deliveries: every field read back; listed newest first per endpoint with the status, event
// and `after` filters; updated, or resource_not_found; a taken id or an unknown endpoint is
// `conflict`; an endpoint's deletion takes its deliveries.
inline void webhook_delivery_case(WebhookEnv& env) {
  auto& s = env.webhooks();
  REQUIRE(s.insert_endpoint(endpoint_of("whk_1")));
  REQUIRE(s.insert_endpoint(endpoint_of("whk_2")));
  auto d = delivery_of("dlv_1", "whk_1", "evt_1");
  REQUIRE(s.insert_delivery(d));
  REQUIRE(s.insert_delivery(delivery_of("dlv_2", "whk_1", "evt_2")));
  auto done = delivery_of("dlv_3", "whk_1", "evt_1");
  done.status = "succeeded";
  done.next_attempt_at.reset();
  REQUIRE(s.insert_delivery(done));
  REQUIRE(s.insert_delivery(delivery_of("dlv_4", "whk_2", "evt_1")));

  check_same_delivery(*s.delivery("wrk_a", "dlv_1").value(), d);
  CHECK_FALSE(s.delivery("wrk_b", "dlv_1").value());
  check_same_delivery(*s.delivery_by_id("dlv_3").value(), done);
  CHECK_FALSE(s.delivery_by_id("dlv_none").value());

  DeliveryQuery q{.workspace_id = "wrk_a", .endpoint_id = "whk_1", .limit = 25};
  CHECK(ids_of(s.list_deliveries(q).value()) == std::vector<std::string>{"dlv_3", "dlv_2", "dlv_1"});
  q.limit = 1;
  CHECK(ids_of(s.list_deliveries(q).value()) == std::vector<std::string>{"dlv_3", "dlv_2"});
  q.after = "dlv_2";
  CHECK(ids_of(s.list_deliveries(q).value()) == std::vector<std::string>{"dlv_1"});
  q = {.workspace_id = "wrk_a", .endpoint_id = "whk_1", .status = "pending", .limit = 25};
  CHECK(ids_of(s.list_deliveries(q).value()) == std::vector<std::string>{"dlv_2", "dlv_1"});
  q.event_id = "evt_1";
  CHECK(ids_of(s.list_deliveries(q).value()) == std::vector<std::string>{"dlv_1"});
  q.status.reset();
  CHECK(ids_of(s.list_deliveries(q).value()) == std::vector<std::string>{"dlv_3", "dlv_1"});
  q.workspace_id = "wrk_b";
  CHECK(s.list_deliveries(q).value().empty());

  d.status = "retrying";
  d.attempt_count = 1;
  d.max_attempts = 7;
  d.next_attempt_at = 5000;
  d.last_status_code = 503;
  d.last_error = "the endpoint answered 503";
  d.last_response_body = "{\"busy\": true}";
  d.attempts.push_back({{"at", kAt}, {"status_code", 503}, {"duration_ms", 12}, {"error", "x\x01"}});
  d.updated_at = "2026-01-02T00:00:00.000Z";
  REQUIRE(s.update_delivery(d));
  check_same_delivery(*s.delivery_by_id("dlv_1").value(), d);
  d.last_status_code.reset();
  d.last_response_body.reset();
  REQUIRE(s.update_delivery(d));
  check_same_delivery(*s.delivery_by_id("dlv_1").value(), d);

  auto missing = delivery_of("dlv_none", "whk_1", "evt_1");
  auto upd = s.update_delivery(missing);
  check_fails(upd, "resource_not_found");
  CHECK(upd.error().message == "No webhook delivery dlv_none.");

  auto taken = s.insert_delivery(delivery_of("dlv_1", "whk_2", "evt_9"));
  check_fails(taken, "conflict");
  CHECK(taken.error().message == "The webhook delivery cannot be written: its id is taken.");
  check_fails(s.insert_delivery(delivery_of("dlv_9", "whk_none", "evt_9")), "conflict");
  CHECK_FALSE(s.delivery_by_id("dlv_9").value());

  REQUIRE(s.delete_endpoint("wrk_a", "whk_1"));
  CHECK_FALSE(s.delivery_by_id("dlv_1").value());
  CHECK(s.delivery_by_id("dlv_4").value());
}

// due_deliveries: for each active endpoint its oldest open delivery whose time has come,
// oldest first, at most `limit`; due_delivery_of: one endpoint's. Not handed out: finished
// deliveries, ones not yet due, those of paused or disabled endpoints (due_delivery_of does
// not look at the endpoint). Asking again gives the same answer (on PostgreSQL the process's
// own claims do not shut it out).
inline void webhook_due_case(WebhookEnv& env) {
  auto& s = env.webhooks();
  for (const char* id : {"whk_1", "whk_2", "whk_3", "whk_4"}) REQUIRE(s.insert_endpoint(endpoint_of(id)));
  auto paused = endpoint_of("whk_3");
  paused.status = "paused";
  REQUIRE(s.update_endpoint(paused));
  auto finished = delivery_of("dlv_10", "whk_1", "evt_0");
  finished.status = "failed";
  finished.next_attempt_at = 0;
  REQUIRE(s.insert_delivery(finished));
  REQUIRE(s.insert_delivery(delivery_of("dlv_12", "whk_1", "evt_2", 1000)));
  REQUIRE(s.insert_delivery(delivery_of("dlv_11", "whk_1", "evt_1", 2000)));  // older, not due before 2000
  auto retry = delivery_of("dlv_13", "whk_1", "evt_3", 500);
  retry.status = "retrying";
  REQUIRE(s.insert_delivery(retry));
  REQUIRE(s.insert_delivery(delivery_of("dlv_05", "whk_2", "evt_5", 1500)));
  REQUIRE(s.insert_delivery(delivery_of("dlv_01", "whk_3", "evt_1", 0)));
  REQUIRE(s.insert_delivery(delivery_of("dlv_20", "whk_4", "evt_1", 100)));
  REQUIRE(s.insert_delivery(delivery_of("dlv_21", "whk_4", "evt_2", 100)));

  auto due = [&](std::int64_t now, int limit) {
    std::vector<std::string> out;
    auto got = s.due_deliveries(now, limit).value();  // kept: the loop must not outlive it
    for (const auto& d : got) out.push_back(d.endpoint_id + ":" + d.id);
    return out;
  };
  using V = std::vector<std::string>;
  CHECK(due(99, 10).empty());
  CHECK(due(1000, 10) == V{"whk_1:dlv_12", "whk_4:dlv_20"});
  CHECK(due(1000, 10) == V{"whk_1:dlv_12", "whk_4:dlv_20"});
  CHECK(due(1000, 1) == V{"whk_1:dlv_12"});
  CHECK(due(2000, 10) == V{"whk_2:dlv_05", "whk_1:dlv_11", "whk_4:dlv_20"});

  auto of = [&](const std::string& endpoint, std::int64_t now) -> std::string {
    auto d = s.due_delivery_of(endpoint, now).value();
    if (!d) return "";
    CHECK(d->endpoint_id == endpoint);
    return d->id;
  };
  CHECK(of("whk_1", 499) == "");
  CHECK(of("whk_1", 500) == "dlv_13");
  CHECK(of("whk_1", 1000) == "dlv_12");
  CHECK(of("whk_3", 0) == "dlv_01");  // paused: the caller checks the endpoint
  CHECK(of("whk_none", 9999) == "");

  // Delivered: the next one of the endpoint is due.
  auto sent = *s.delivery_by_id("dlv_20").value();
  sent.status = "succeeded";
  sent.next_attempt_at.reset();
  sent.attempt_count = 1;
  REQUIRE(s.update_delivery(sent));
  CHECK(due(1000, 10) == V{"whk_1:dlv_12", "whk_4:dlv_21"});
  CHECK(of("whk_4", 1000) == "dlv_21");
  // A retry put off: not due until its time.
  auto later = *s.delivery_by_id("dlv_21").value();
  later.status = "retrying";
  later.next_attempt_at = 3000;
  REQUIRE(s.update_delivery(later));
  CHECK(due(1000, 10) == V{"whk_1:dlv_12"});
  CHECK(of("whk_4", 2999) == "");
  CHECK(of("whk_4", 3000) == "dlv_21");
}

// The outbox: an event is queued once per endpoint (again is `conflict`); queued_heads names
// the endpoints with queued events and room below the open limit; queued_events gives the
// oldest first, with the event's time while it is kept; unqueue removes one.
inline void webhook_outbox_case(WebhookEnv& env) {
  auto& s = env.webhooks();
  REQUIRE(s.insert_endpoint(endpoint_of("whk_1")));
  REQUIRE(s.insert_endpoint(endpoint_of("whk_2")));
  REQUIRE(s.insert_endpoint(endpoint_of("whk_3")));
  REQUIRE(env.events().append(new_event("evt_2", "contact.created", "2026-01-02T00:00:00.000Z")));
  REQUIRE(env.events().append(new_event("evt_1", "contact.created", "2026-01-01T00:00:00.000Z")));

  auto heads = [&](int open_limit, int min_room) {
    std::vector<std::string> out;
    auto got = s.queued_heads(open_limit, min_room).value();
    for (const auto& h : got) out.push_back(h.endpoint_id + ":" + std::to_string(h.room));
    std::sort(out.begin(), out.end());
    return out;
  };
  using V = std::vector<std::string>;
  CHECK(heads(100, 1).empty());

  REQUIRE(s.queue_delivery("whk_1", "evt_2"));
  REQUIRE(s.queue_delivery("whk_1", "evt_1"));
  REQUIRE(s.queue_delivery("whk_1", "evt_gone"));  // an event past its retention
  REQUIRE(s.queue_delivery("whk_2", "evt_1"));
  auto twice = s.queue_delivery("whk_1", "evt_1");
  check_fails(twice, "conflict");
  CHECK(twice.error().message == "The webhook delivery cannot be queued: the event is queued for it already.");
  check_fails(s.queue_delivery("whk_none", "evt_1"), "conflict");

  CHECK(heads(3, 1) == V{"whk_1:3", "whk_2:3"});
  // Open deliveries take room; finished ones do not; a queue-less endpoint is never named.
  REQUIRE(s.insert_delivery(delivery_of("dlv_1", "whk_1", "evt_0")));
  auto retrying = delivery_of("dlv_2", "whk_1", "evt_0");
  retrying.status = "retrying";
  REQUIRE(s.insert_delivery(retrying));
  auto done = delivery_of("dlv_3", "whk_2", "evt_0");
  done.status = "succeeded";
  REQUIRE(s.insert_delivery(done));
  REQUIRE(s.insert_delivery(delivery_of("dlv_4", "whk_3", "evt_0")));
  CHECK(heads(3, 1) == V{"whk_1:1", "whk_2:3"});
  CHECK(heads(3, 2) == V{"whk_2:3"});
  CHECK(heads(2, 1) == V{"whk_2:2"});
  CHECK(heads(1, 0) == V{"whk_1:0", "whk_2:1"});

  auto events = s.queued_events("whk_1", 10).value();
  REQUIRE(events.size() == 3);
  CHECK(events[0].event_id == "evt_1");
  CHECK(events[0].created_at == "2026-01-01T00:00:00.000Z");
  CHECK(events[1].event_id == "evt_2");
  CHECK(events[1].created_at == "2026-01-02T00:00:00.000Z");
  CHECK(events[2].event_id == "evt_gone");
  CHECK_FALSE(events[2].created_at);
  auto first = s.queued_events("whk_1", 1).value();
  REQUIRE(first.size() == 1);
  CHECK(first[0].event_id == "evt_1");
  CHECK(s.queued_events("whk_3", 10).value().empty());

  REQUIRE(s.unqueue("whk_1", "evt_1"));
  REQUIRE(s.unqueue("whk_1", "evt_1"));  // already gone: nothing to do
  CHECK(s.queued_events("whk_1", 10).value().size() == 2);
  REQUIRE(s.queue_delivery("whk_1", "evt_1"));  // queued anew once released

  // An endpoint's deletion takes its queue.
  REQUIRE(s.delete_endpoint("wrk_a", "whk_1"));
  CHECK(heads(3, 1) == V{"whk_2:3"});
  CHECK(s.queued_events("whk_1", 10).value().empty());
}

// Inbound sources: read back in their workspace, listed newest first, deleted or
// resource_not_found; a taken id or unknown workspace is `conflict`.
inline void webhook_source_case(WebhookEnv& env) {
  auto& s = env.webhooks();
  auto src = [](const std::string& id, const std::string& ws = "wrk_a") {
    return WebhookSource{.id = id,
                         .workspace_id = ws,
                         .name = "source " + id,
                         .kind = "slab5",
                         .activity_type = "call",
                         .secret_sealed = "sealed-" + id,
                         .created_at = kAt,
                         .updated_at = "2026-01-02T00:00:00.000Z"};
  };
  REQUIRE(s.insert_source(src("src_1")));
  REQUIRE(s.insert_source(src("src_3")));
  REQUIRE(s.insert_source(src("src_2")));
  REQUIRE(s.insert_source(src("src_9", "wrk_b")));
  auto got = s.source("wrk_a", "src_1").value();
  REQUIRE(got);
  CHECK(got->name == "source src_1");
  CHECK(got->kind == "slab5");
  CHECK(got->activity_type == "call");
  CHECK(got->secret_sealed == "sealed-src_1");
  CHECK(got->created_at == kAt);
  CHECK(got->updated_at == "2026-01-02T00:00:00.000Z");
  CHECK_FALSE(s.source("wrk_b", "src_1").value());
  CHECK(s.source_by_id("src_9").value()->workspace_id == "wrk_b");
  CHECK_FALSE(s.source_by_id("src_none").value());

  CHECK(ids_of(s.list_sources("wrk_a", std::nullopt, 1).value()) == std::vector<std::string>{"src_3", "src_2"});
  CHECK(ids_of(s.list_sources("wrk_a", "src_2", 25).value()) == std::vector<std::string>{"src_1"});

  auto taken = s.insert_source(src("src_1"));
  check_fails(taken, "conflict");
  CHECK(taken.error().message == "The webhook source cannot be written: its id is taken.");
  check_fails(s.insert_source(src("src_x", "wrk_gone")), "conflict");

  check_fails(s.delete_source("wrk_b", "src_1"), "resource_not_found");
  REQUIRE(s.delete_source("wrk_a", "src_1"));
  auto again = s.delete_source("wrk_a", "src_1");
  check_fails(again, "resource_not_found");
  CHECK(again.error().message == "No webhook source src_1.");
}

// Inbound message ids: claimed once per source; seen again within the horizon is false; older
// claims are forgotten; a claim rolls back with its transaction; an unknown source throws.
inline void webhook_claim_message_case(WebhookEnv& env) {
  auto& s = env.webhooks();
  for (const char* id : {"src_1", "src_2"})
    REQUIRE(s.insert_source(WebhookSource{
        .id = id, .workspace_id = "wrk_a", .name = id, .secret_sealed = "x", .created_at = kAt, .updated_at = kAt}));
  CHECK(s.claim_message("src_1", "msg_1", 1000, 0).value());
  CHECK_FALSE(s.claim_message("src_1", "msg_1", 2000, 0).value());
  CHECK(s.claim_message("src_2", "msg_1", 2000, 0).value());
  CHECK(s.claim_message("src_1", "msg_2", 2000, 0).value());
  // msg_1 (received at 1000) is forgotten once the horizon passes it; msg_2 is not.
  CHECK(s.claim_message("src_1", "msg_1", 5000, 1001).value());
  CHECK_FALSE(s.claim_message("src_1", "msg_2", 5000, 1001).value());

  env.begin();
  CHECK(s.claim_message("src_1", "msg_3", 6000, 0).value());
  CHECK_FALSE(s.claim_message("src_1", "msg_3", 6000, 0).value());
  env.rollback();
  env.begin();
  CHECK(s.claim_message("src_1", "msg_3", 7000, 0).value());
  // An unknown source throws, and the transaction goes on.
  CHECK_THROWS(s.claim_message("src_none", "msg_1", 7000, 0).value());
  CHECK(s.claim_message("src_2", "msg_3", 7000, 0).value());
  env.commit();
  CHECK_FALSE(s.claim_message("src_1", "msg_3", 8000, 0).value());
  CHECK_FALSE(s.claim_message("src_2", "msg_3", 8000, 0).value());

  // A source's deletion takes its claims.
  REQUIRE(s.delete_source("wrk_a", "src_2"));
  REQUIRE(s.insert_source(WebhookSource{.id = "src_2",
                                        .workspace_id = "wrk_a",
                                        .name = "again",
                                        .secret_sealed = "x",
                                        .created_at = kAt,
                                        .updated_at = kAt}));
  CHECK(s.claim_message("src_2", "msg_3", 9000, 0).value());
}

}  // namespace slab5d::store_cases
