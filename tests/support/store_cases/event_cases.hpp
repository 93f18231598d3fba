// EventStore's behaviour, the same on every backend: called by event_store_test.cpp (SQLite)
// and pg_event_store_test.cpp (PostgreSQL) with their WebhookEnv (webhook_env.hpp).
#pragma once
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "store_cases/webhook_env.hpp"

namespace slab5d::store_cases {

inline NewEvent new_event(const std::string& id, const std::string& type, const std::string& at,
                          const std::string& ws = "wrk_a") {
  return NewEvent{.id = id,
                  .workspace_id = ws,
                  .type = type,
                  .data = {{"id", id}, {"n", 1}},
                  .request_id = "req_" + id,
                  .created_at = at};
}

inline std::vector<std::string> event_ids(const std::vector<nlohmann::json>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e["id"].get<std::string>());
  return out;
}

// Written events read back whole: data as written (data_text when given), previous, the
// request id; get() only in its workspace and within the retention horizon.
inline void event_round_trip_case(WebhookEnv& env) {
  auto& ev = env.events();
  auto e = new_event("evt_01", "contact.updated", "2026-01-02T00:00:00.000Z");
  e.previous = nlohmann::json{{"name", "old"}};
  REQUIRE(ev.append(e));
  auto f = new_event("evt_02", "contact.created", "2026-01-02T00:00:01.000Z");
  // Stored instead of `data`: a NUL character escaped in a string, nested keys.
  f.data_text = std::make_shared<const std::string>(R"({"b":{"z":1,"a":[1,2.5,"x\u0000y"]},"a":null})");
  f.request_id = "";
  REQUIRE(ev.append(f));

  auto got = ev.get("wrk_a", "evt_01", "2026-01-01T00:00:00.000Z").value();
  REQUIRE(got);
  CHECK((*got)["id"] == "evt_01");
  CHECK((*got)["type"] == "contact.updated");
  CHECK((*got)["created_at"] == "2026-01-02T00:00:00.000Z");
  CHECK((*got)["workspace_id"] == "wrk_a");
  CHECK((*got)["data"] == e.data);
  CHECK((*got)["previous"] == *e.previous);
  CHECK((*got)["request_id"] == "req_evt_01");

  auto g = ev.get("wrk_a", "evt_02", "").value();
  REQUIRE(g);
  CHECK((*g)["data"] == nlohmann::json::parse(*f.data_text));
  CHECK((*g)["data"]["b"]["a"][2].get<std::string>() == std::string("x\0y", 3));
  CHECK_FALSE(g->contains("previous"));
  CHECK((*g)["request_id"] == "");

  CHECK_FALSE(ev.get("wrk_b", "evt_01", "").value());                          // another workspace's
  CHECK_FALSE(ev.get("wrk_a", "evt_01", "2026-01-02T00:00:00.001Z").value());  // past retention
  CHECK_FALSE(ev.get("wrk_a", "evt_99", "").value());
  CHECK_FALSE(ev.get("wrk_a", "aud_01", "").value());  // the id of the row it may share
  CHECK_FALSE(ev.get("wrk_a", "01", "").value());
}

// A taken id and an unknown workspace are `conflict`; nothing is written.
inline void event_constraint_case(WebhookEnv& env) {
  auto& ev = env.events();
  REQUIRE(ev.append(new_event("evt_01", "contact.created", "2026-01-02T00:00:00.000Z")));
  auto again = ev.append(new_event("evt_01", "deal.created", "2026-01-03T00:00:00.000Z"));
  check_fails(again, "conflict");
  CHECK(again.error().message == "The event cannot be written: its id is taken.");
  check_fails(ev.append(new_event("evt_02", "contact.created", "2026-01-02T00:00:00.000Z", "wrk_gone")), "conflict");
  CHECK(event_ids(ev.after("wrk_a", "", 10).value()) == std::vector<std::string>{"evt_01"});
  CHECK((*ev.get("wrk_a", "evt_01", "").value())["type"] == "contact.created");
  CHECK(ev.after("wrk_gone", "", 10).value().empty());
}

// Ids order events byte by byte (as SQLite compares TEXT): an upper-case letter before a
// lower-case one, '_' (0x5F) between them. after() reads oldest first, list() newest first
// with limit+1 rows, each within its workspace.
inline void event_order_case(WebhookEnv& env) {
  auto& ev = env.events();
  // Appended out of order.
  for (const char* id : {"evt_b", "evt_B", "evt__", "evt_A0", "evt_a"})
    REQUIRE(ev.append(new_event(id, "contact.created", "2026-01-02T00:00:00.000Z")));
  REQUIRE(ev.append(new_event("evt_Z", "contact.created", "2026-01-02T00:00:00.000Z", "wrk_b")));
  const std::vector<std::string> oldest_first{"evt_A0", "evt_B", "evt__", "evt_a", "evt_b"};

  CHECK(event_ids(ev.after("wrk_a", "", 100).value()) == oldest_first);
  CHECK(event_ids(ev.after("wrk_a", "evt_B", 2).value()) == std::vector<std::string>{"evt__", "evt_a"});
  CHECK(event_ids(ev.after("wrk_a", "evt_b", 10).value()).empty());
  CHECK(event_ids(ev.after("wrk_a", "evt_", 1).value()) == std::vector<std::string>{"evt_A0"});
  CHECK(ev.newest_id("wrk_a").value() == "evt_b");
  CHECK(ev.newest_id("wrk_b").value() == "evt_Z");
  CHECK(ev.newest_id("wrk_none").value() == "");

  EventQuery q{.workspace_id = "wrk_a", .not_before = "", .limit = 2};
  auto page = ev.list(q).value();
  CHECK(event_ids(page) == std::vector<std::string>{"evt_b", "evt_a", "evt__"});  // limit + 1
  q.after = "evt__";
  CHECK(event_ids(ev.list(q).value()) == std::vector<std::string>{"evt_B", "evt_A0"});
  q.after = "evt_A0";
  CHECK(ev.list(q).value().empty());
}

// list()'s filters: an exact type, a prefix ("deal.*": "deal.x" and "deal.x.y", not "deal",
// "dealer.x" or "deal/x"), since, and the retention horizon.
inline void event_filter_case(WebhookEnv& env) {
  auto& ev = env.events();
  REQUIRE(ev.append(new_event("evt_1", "deal.created", "2026-01-01T00:00:00.000Z")));
  REQUIRE(ev.append(new_event("evt_2", "deal.stage.changed", "2026-01-02T00:00:00.000Z")));
  REQUIRE(ev.append(new_event("evt_3", "dealer.created", "2026-01-03T00:00:00.000Z")));
  REQUIRE(ev.append(new_event("evt_4", "deal", "2026-01-04T00:00:00.000Z")));
  REQUIRE(ev.append(new_event("evt_5", "deal/x", "2026-01-05T00:00:00.000Z")));
  REQUIRE(ev.append(new_event("evt_6", "contact.created", "2026-01-06T00:00:00.000Z")));
  REQUIRE(ev.append(new_event("evt_7", "deal.deleted", "2026-01-07T00:00:00.000Z", "wrk_b")));

  EventQuery q{.workspace_id = "wrk_a", .type = "deal.*", .not_before = "", .limit = 10};
  CHECK(event_ids(ev.list(q).value()) == std::vector<std::string>{"evt_2", "evt_1"});
  q.type = "deal";
  CHECK(event_ids(ev.list(q).value()) == std::vector<std::string>{"evt_4"});
  q.type = "DEAL.*";
  CHECK(ev.list(q).value().empty());
  q.type = std::nullopt;
  q.since = "2026-01-05T00:00:00.000Z";
  CHECK(event_ids(ev.list(q).value()) == std::vector<std::string>{"evt_6", "evt_5"});
  q.since = std::nullopt;
  q.not_before = "2026-01-06T00:00:00.000Z";
  CHECK(event_ids(ev.list(q).value()) == std::vector<std::string>{"evt_6"});
  q.not_before = "";
  q.type = "deal.*";
  q.since = "2026-01-02T00:00:00.000Z";
  CHECK(event_ids(ev.list(q).value()) == std::vector<std::string>{"evt_2"});
  q.workspace_id = "wrk_b";
  q.since = std::nullopt;
  CHECK(event_ids(ev.list(q).value()) == std::vector<std::string>{"evt_7"});
}

// An event appended in a transaction that rolls back is gone; committed, it stays.
inline void event_transaction_case(WebhookEnv& env) {
  auto& ev = env.events();
  env.begin();
  REQUIRE(ev.append(new_event("evt_1", "contact.created", "2026-01-02T00:00:00.000Z")));
  CHECK(ev.newest_id("wrk_a").value() == "evt_1");
  env.rollback();
  CHECK(ev.newest_id("wrk_a").value() == "");
  env.begin();
  REQUIRE(ev.append(new_event("evt_2", "contact.created", "2026-01-02T00:00:00.000Z")));
  // A duplicate inside the transaction is `conflict` and leaves it usable.
  check_fails(ev.append(new_event("evt_2", "contact.created", "2026-01-02T00:00:00.000Z")), "conflict");
  REQUIRE(ev.append(new_event("evt_3", "contact.created", "2026-01-02T00:00:00.000Z")));
  env.commit();
  CHECK(event_ids(ev.after("wrk_a", "", 10).value()) == std::vector<std::string>{"evt_2", "evt_3"});
}

}  // namespace slab5d::store_cases
