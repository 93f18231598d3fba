// UsageStore cases shared by the SQLite and PostgreSQL unit tests.
#pragma once
#include <doctest/doctest.h>

#include <deque>
#include <span>

#include "store_cases/workspace_cases.hpp"

namespace slab5d::store_cases {

// Events whose views point into strings this keeps.
struct UsageBatch {
  std::deque<std::string> text;
  std::vector<UsageEvent> events;
  UsageEvent& add(std::string id, std::string workspace_id, std::string route, int status, std::string created_at,
                  std::string credential_id = "key_1", std::string kind = "api_request", int units = 1) {
    UsageEvent e;
    e.id = text.emplace_back(std::move(id));
    e.workspace_id = text.emplace_back(std::move(workspace_id));
    e.credential_type = "api_key";
    e.credential_id = text.emplace_back(std::move(credential_id));
    e.route = text.emplace_back(std::move(route));
    e.status = status;
    e.units = units;
    e.kind = text.emplace_back(std::move(kind));
    e.request_id = "req_1";
    e.created_at = text.emplace_back(std::move(created_at));
    return events.emplace_back(e);
  }
  std::span<const UsageEvent> span() const { return events; }
};

inline void usage_cases(MakeEnv make) {
  auto ids = [](const std::vector<slab5::Json>& evs) {
    std::vector<std::string> out;
    for (auto& ev : evs) out.push_back(ev["id"].get<std::string>());
    return out;
  };
  using V = std::vector<std::string>;

  SUBCASE("an event reads back as its api.md object; empty fields are empty text, never NULL") {
    auto e = make();
    UsageBatch b;
    auto& ev = b.add("use_1", "wrk_1", "GET /v1/workspace", 404, "2026-01-01T00:00:00.000Z", "key_9", "mcp_call", 3);
    ev.credential_type = "mcp_client";
    ev.request_id = std::string_view();  // an empty view with no data
    REQUIRE(e->usage().append(b.span()));
    auto got = e->usage().list("wrk_1", {}, std::nullopt, 10).value();
    REQUIRE(got.size() == 1);
    CHECK(got[0] == slab5::Json{{"id", "use_1"},
                                {"workspace_id", "wrk_1"},
                                {"credential", {{"type", "mcp_client"}, {"id", "key_9"}}},
                                {"route", "GET /v1/workspace"},
                                {"status", 404},
                                {"units", 3},
                                {"kind", "mcp_call"},
                                {"request_id", ""},
                                {"created_at", "2026-01-01T00:00:00.000Z"}});
    CHECK(e->count("SELECT count(*) FROM usage_events WHERE request_id = ''") == 1);
    CHECK(e->usage().append(std::span<const UsageEvent>()));  // nothing to write is no error
  }

  SUBCASE("an event already stored, or given twice, is skipped; the others are written, in big batches too") {
    auto e = make();
    UsageBatch first;
    first.add("use_000", "wrk_1", "GET /a", 200, "2026-01-01T00:00:00.000Z");
    REQUIRE(e->usage().append(first.span()));
    UsageBatch b;
    for (int i = 0; i < 70; ++i) {
      char id[16];
      std::snprintf(id, sizeof id, "use_%03d", i);
      b.add(id, "wrk_1", "GET /b", 200, "2026-01-02T00:00:00.000Z");
    }
    b.add("use_005", "wrk_1", "GET /dup", 500, "2026-01-02T00:00:00.000Z");  // repeats one of the first 32
    b.add("use_069", "wrk_1", "GET /dup", 500, "2026-01-02T00:00:00.000Z");  // repeats one of the tail
    b.add("use_069", "wrk_1", "GET /dup", 500, "2026-01-02T00:00:00.000Z");
    b.add("use_000", "wrk_2", "GET /c", 200, "2026-01-02T00:00:00.000Z");  // same id, other workspace
    REQUIRE(e->usage().append(b.span()));
    CHECK(e->count("SELECT count(*) FROM usage_events WHERE workspace_id = 'wrk_1'") == 70);
    CHECK(e->count("SELECT count(*) FROM usage_events WHERE workspace_id = 'wrk_2'") == 1);
    CHECK(e->count("SELECT count(*) FROM usage_events WHERE route = 'GET /dup'") == 0);
    CHECK(e->count("SELECT count(*) FROM usage_events WHERE id = 'use_000' AND route = 'GET /a'") == 1);
  }

  SUBCASE("append writes in the caller's transaction") {
    auto e = make();
    UsageBatch b;
    b.add("use_1", "wrk_1", "GET /a", 200, "2026-01-01T00:00:00.000Z");
    e->begin();
    REQUIRE(e->usage().append(b.span()));
    e->rollback();
    CHECK(e->count("SELECT count(*) FROM usage_events") == 0);
  }

  SUBCASE("summaries: days ascending, other groups by requests then key; units, errors and the range") {
    auto e = make();
    UsageBatch b;
    b.add("use_1", "wrk_1", "GET /v1/workspace", 200, "2026-11-20T10:00:00.000Z", "key_1", "api_request", 2);
    b.add("use_2", "wrk_1", "GET /v1/workspace", 404, "2026-11-21T10:00:00.000Z", "key_2");
    b.add("use_3", "wrk_1", "PATCH /v1/workspace", 500, "2026-11-21T23:59:59.999Z", "key_2", "mcp_call");
    b.add("use_4", "wrk_1", "DELETE /v1/x", 399, "2026-11-19T00:00:00.000Z", "key_3");
    b.add("use_5", "wrk_2", "GET /v1/workspace", 200, "2026-11-21T10:00:00.000Z");
    REQUIRE(e->usage().append(b.span()));
    auto rows = [&](UsageGroup g, UsageRange r = {}) { return e->usage().summarize("wrk_1", r, g).value(); };
    auto days = rows(UsageGroup::Day);
    REQUIRE(days.size() == 3);
    CHECK(days[0].key == "2026-11-19");
    CHECK(days[1].key == "2026-11-20");
    CHECK(days[1].units == 2);
    CHECK(days[2].key == "2026-11-21");
    CHECK(days[2].requests == 2);
    CHECK(days[2].errors == 2);
    CHECK(days[0].errors == 0);  // 399 is no error
    auto routes = rows(UsageGroup::Route);
    REQUIRE(routes.size() == 3);
    CHECK(routes[0].key == "GET /v1/workspace");
    CHECK(routes[0].requests == 2);
    CHECK(routes[0].units == 3);
    CHECK(routes[0].errors == 1);
    CHECK(routes[1].key == "DELETE /v1/x");  // ties by key ascending
    CHECK(routes[2].key == "PATCH /v1/workspace");
    auto creds = rows(UsageGroup::Credential);
    REQUIRE(creds.size() == 3);
    CHECK(creds[0].key == "key_2");
    CHECK(creds[1].key == "key_1");
    CHECK(creds[2].key == "key_3");
    auto kinds = rows(UsageGroup::Kind);
    REQUIRE(kinds.size() == 2);
    CHECK(kinds[0].key == "api_request");
    CHECK(kinds[0].requests == 3);
    CHECK(kinds[1].key == "mcp_call");
    auto window = rows(UsageGroup::Kind, {"2026-11-20T00:00:00.000Z", "2026-11-21T23:59:59.999Z"});
    REQUIRE(window.size() == 1);
    CHECK(window[0].requests == 2);
    CHECK(rows(UsageGroup::Day, {"2026-12-01T00:00:00.000Z", std::nullopt}).empty());
    CHECK(e->usage().summarize("wrk_3", {}, UsageGroup::Day).value().empty());
  }

  SUBCASE("raw events: newest id first, filters, below `after`, at most `limit`") {
    auto e = make();
    UsageBatch b;
    b.add("use_1", "wrk_1", "GET /a", 200, "2026-01-01T00:00:00.000Z", "key_1");
    b.add("use_2", "wrk_1", "GET /a", 200, "2026-01-02T00:00:00.000Z", "key_2", "mcp_call");
    b.add("use_3", "wrk_1", "GET /a", 200, "2026-01-03T00:00:00.000Z", "key_1");
    b.add("use_4", "wrk_2", "GET /a", 200, "2026-01-03T00:00:00.000Z", "key_1");
    REQUIRE(e->usage().append(b.span()));
    auto q = [&](UsageFilters f, std::optional<std::string> after = std::nullopt, int limit = 10) {
      return ids(e->usage().list("wrk_1", f, after, limit).value());
    };
    CHECK(q({}) == V{"use_3", "use_2", "use_1"});
    CHECK(q({}, std::nullopt, 2) == V{"use_3", "use_2"});
    CHECK(q({}, std::string("use_2")) == V{"use_1"});
    CHECK(q({.kind = "mcp_call"}) == V{"use_2"});
    CHECK(q({.credential_id = "key_1"}) == V{"use_3", "use_1"});
    CHECK(q({.range = {"2026-01-02T00:00:00.000Z", std::nullopt}}) == V{"use_3", "use_2"});
    CHECK(q({.range = {std::nullopt, "2026-01-02T00:00:00.000Z"}}) == V{"use_1"});
    CHECK(q({.kind = "nothing"}).empty());
  }
}

}  // namespace slab5d::store_cases
