// AuditStore cases shared by the SQLite and PostgreSQL unit tests.
#pragma once
#include <doctest/doctest.h>

#include <memory>

#include "store_cases/workspace_cases.hpp"

namespace slab5d::store_cases {

inline AuditEvent audit_event(const std::string& workspace_id, const std::string& action,
                              const std::string& actor_id = "usr_1", const std::string& target_id = "con_1",
                              const std::string& request_id = "req_1") {
  AuditEvent ev;
  ev.workspace_id = workspace_id;
  ev.tenant_id = "ten_1";
  ev.action = action;
  ev.actor_type = "user";
  ev.actor_id = actor_id;
  ev.target_type = "contact";
  ev.target_id = target_id;
  ev.route = "POST /v1/contacts";
  ev.status = 201;
  ev.request_id = request_id;
  return ev;
}

inline void audit_cases(MakeEnv make) {
  auto ids = [](const std::vector<slab5::Json>& evs) {
    std::vector<std::string> out;
    for (auto& ev : evs) out.push_back(ev["id"].get<std::string>());
    return out;
  };

  SUBCASE("an event reads back as its api.md object, every field") {
    auto e = make();
    AuditEvent ev = audit_event("wrk_1", "contact.updated");
    ev.source = "mcp";
    ev.correlation_id = "cor_1";
    ev.ip = "192.0.2.1";
    ev.user_agent = "curl/8";
    ev.input_hash = "sha256:abc";
    ev.before = slab5::Json{{"name", "Old"}, {"tags", {"a", "b"}}};
    ev.after = slab5::Json{{"name", "New"}, {"n", 3}};
    REQUIRE(e->audit().append("aud_1", ev, "2026-01-01T00:00:00.000Z"));
    auto got = e->audit().get("wrk_1", "aud_1").value();
    REQUIRE(got);
    slab5::Json want = {{"id", "aud_1"},
                        {"workspace_id", "wrk_1"},
                        {"tenant_id", "ten_1"},
                        {"action", "contact.updated"},
                        {"actor", {{"type", "user"}, {"id", "usr_1"}}},
                        {"target", {{"type", "contact"}, {"id", "con_1"}}},
                        {"source", "mcp"},
                        {"route", "POST /v1/contacts"},
                        {"status", 201},
                        {"request_id", "req_1"},
                        {"correlation_id", "cor_1"},
                        {"ip", "192.0.2.1"},
                        {"user_agent", "curl/8"},
                        {"input_hash", "sha256:abc"},
                        {"before", {{"name", "Old"}, {"tags", {"a", "b"}}}},
                        {"after", {{"name", "New"}, {"n", 3}}},
                        {"created_at", "2026-01-01T00:00:00.000Z"}};
    CHECK(*got == want);
    CHECK_FALSE(e->audit().get("wrk_2", "aud_1").value());  // another workspace's event
    CHECK_FALSE(e->audit().get("wrk_1", "aud_2").value());
  }

  SUBCASE("no workspace, tenant or target reads back as null; absent before and after are null") {
    auto e = make();
    AuditEvent ev;
    ev.action = "system.started";
    REQUIRE(e->audit().append("aud_1", ev, "2026-01-01T00:00:00.000Z"));
    CHECK(e->count("SELECT count(*) FROM audit_events WHERE workspace_id IS NULL AND tenant_id IS NULL "
                   "AND before_json IS NULL AND after_json IS NULL") == 1);
    // Not readable through a workspace; the row is there all the same.
    CHECK_FALSE(e->audit().get("", "aud_1").value());
    AuditEvent ws_ev;
    ws_ev.workspace_id = "wrk_1";
    ws_ev.action = "workspace.created";
    REQUIRE(e->audit().append("aud_2", ws_ev, "2026-01-01T00:00:00.000Z"));
    auto got = e->audit().get("wrk_1", "aud_2").value().value();
    CHECK(got["tenant_id"].is_null());
    CHECK(got["target"].is_null());
    CHECK(got["before"].is_null());
    CHECK(got["after"].is_null());
    CHECK(got["actor"] == slab5::Json{{"type", "system"}, {"id", "system"}});
    CHECK(got["source"] == "api");
    CHECK(got["status"] == 0);
  }

  SUBCASE("after_text is stored in place of after; documents read back equal, odd strings and numbers included") {
    auto e = make();
    AuditEvent ev = audit_event("wrk_1", "contact.created");
    ev.after = slab5::Json{{"ignored", true}};
    ev.after_text = std::make_shared<const std::string>(R"({"z":1,"a":{"y":[1,2,{"x":null}]},"s":"t"})");
    REQUIRE(e->audit().append("aud_1", ev, "2026-01-01T00:00:00.000Z"));
    auto got = e->audit().get("wrk_1", "aud_1").value().value();
    CHECK(got["after"] == slab5::Json::parse(R"({"z":1,"a":{"y":[1,2,{"x":null}]},"s":"t"})"));
    // A NUL character inside a string (\u0000), other control characters, astral-plane
    // characters, big and fractional numbers: what a record may hold, its audit row holds too.
    slab5::Json odd = {{"nul", std::string("a\0b", 3)},
                       {"ctl", "\x01\x1f\t\n"},
                       {"emoji", "\xF0\x9F\x98\x80 \xC3\xA9"},
                       {"big", 9007199254740993LL},
                       {"neg", -9223372036854775807LL},
                       {"frac", 0.1},
                       {"tiny", 1e-300},
                       {"empty", slab5::Json::object()},
                       {"list", slab5::Json::array()}};
    AuditEvent ev2 = audit_event("wrk_1", "contact.updated");
    ev2.before = odd;
    ev2.after_text = std::make_shared<const std::string>(odd.dump());
    REQUIRE(e->audit().append("aud_2", ev2, "2026-01-01T00:00:00.000Z"));
    auto got2 = e->audit().get("wrk_1", "aud_2").value().value();
    CHECK(got2["before"] == odd);
    CHECK(got2["after"] == odd);
    CHECK(got2["before"].dump() == odd.dump());
  }

  SUBCASE("a taken id is conflict and the first event stays") {
    auto e = make();
    REQUIRE(e->audit().append("aud_1", audit_event("wrk_1", "a.one"), "2026-01-01T00:00:00.000Z"));
    auto again = e->audit().append("aud_1", audit_event("wrk_1", "a.two"), "2026-01-02T00:00:00.000Z");
    REQUIRE_FALSE(again);
    CHECK(again.error().code == "conflict");
    CHECK(e->audit().get("wrk_1", "aud_1").value().value()["action"] == "a.one");
    CHECK(e->count("SELECT count(*) FROM audit_events") == 1);
  }

  SUBCASE("list: newest id first, each filter, below `after`, at most `limit`") {
    auto e = make();
    auto add = [&](const std::string& id, const AuditEvent& ev, const std::string& at) {
      REQUIRE(e->audit().append(id, ev, at));
    };
    add("aud_1", audit_event("wrk_1", "api_key.created", "usr_1", "key_1", "req_1"), "2026-01-01T00:00:00.000Z");
    add("aud_2", audit_event("wrk_1", "api_key.revoked", "usr_2", "key_1", "req_2"), "2026-01-02T00:00:00.000Z");
    add("aud_3", audit_event("wrk_1", "contact.created", "usr_1", "con_1", "req_3"), "2026-01-03T00:00:00.000Z");
    add("aud_4", audit_event("wrk_1", "api_keyx.created", "usr_1", "key_2", "req_3"), "2026-01-04T00:00:00.000Z");
    add("aud_5", audit_event("wrk_2", "api_key.created", "usr_1", "key_1", "req_1"), "2026-01-05T00:00:00.000Z");
    auto q = [&](AuditFilters f, std::optional<std::string> after = std::nullopt, int limit = 50) {
      return ids(e->audit().list("wrk_1", f, after, limit).value());
    };
    using V = std::vector<std::string>;
    CHECK(q({}) == V{"aud_4", "aud_3", "aud_2", "aud_1"});
    CHECK(q({.action = "api_key.created"}) == V{"aud_1"});
    CHECK(q({.action = "api_key.*"}) == V{"aud_2", "aud_1"});  // the dot is kept: not api_keyx
    CHECK(q({.action = "api_key"}).empty());                   // exact without ".*"
    CHECK(q({.action = ".*"}).empty());                        // the prefix ".": no action starts with it
    CHECK(q({.actor_id = "usr_2"}) == V{"aud_2"});
    CHECK(q({.target_id = "key_1"}) == V{"aud_2", "aud_1"});
    CHECK(q({.request_id = "req_3"}) == V{"aud_4", "aud_3"});
    CHECK(q({.since = "2026-01-02T00:00:00.000Z"}) == V{"aud_4", "aud_3", "aud_2"});
    CHECK(q({.until = "2026-01-02T00:00:00.000Z"}) == V{"aud_1"});
    CHECK(q({.since = "2026-01-02T00:00:00.000Z", .until = "2026-01-04T00:00:00.000Z"}) == V{"aud_3", "aud_2"});
    CHECK(q({.action = "api_key.*", .actor_id = "usr_1"}) == V{"aud_1"});
    CHECK(q({}, std::string("aud_3")) == V{"aud_2", "aud_1"});
    CHECK(q({}, std::nullopt, 2) == V{"aud_4", "aud_3"});
    CHECK(q({}, std::string("aud_1")).empty());
    CHECK(ids(e->audit().list("wrk_2", {}, std::nullopt, 50).value()) == V{"aud_5"});
    CHECK(e->audit().list("wrk_3", {}, std::nullopt, 50).value().empty());
  }
}

}  // namespace slab5d::store_cases
