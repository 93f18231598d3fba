// server/domain/usage_query: usage summaries and raw pages, read through the UsageStore.
#include <doctest/doctest.h>

#include <deque>

#include "domain/usage_query.hpp"
#include "usage_recorder.hpp"
#include "workspace_fixture.hpp"

using namespace slab5d;
using slab5d::testing::TempDb;

namespace {
Actor in(const std::string& workspace_id) {
  return Actor{.type = "api_key", .id = "key_1", .workspace_id = workspace_id};
}
}  // namespace

TEST_CASE("usage summaries count requests, units and errors per group") {
  TempDb t;
  std::vector<UsageEvent> evs;
  std::deque<std::string> times;  // the events' views point here
  auto ev = [&](std::string_view id, std::string_view route, int status, std::string day) {
    UsageEvent e;
    e.id = id;
    e.workspace_id = "wrk_a";
    e.credential_type = "api_key";
    e.credential_id = "key_1";
    e.route = route;
    e.status = status;
    e.request_id = "req";
    e.created_at = times.emplace_back(day + "T10:00:00.000Z");
    evs.push_back(e);
  };
  ev("use_1", "GET /v1/workspace", 200, "2026-11-20");
  ev("use_2", "GET /v1/workspace", 404, "2026-11-21");
  ev("use_3", "PATCH /v1/workspace", 200, "2026-11-21");
  write_usage_events(*t.db, evs);
  auto by_route = summarize_usage(*t.db, in("wrk_a"), {}, UsageGroup::Route).value();
  REQUIRE(by_route.size() == 2);
  CHECK(by_route[0].key == "GET /v1/workspace");
  CHECK(by_route[0].requests == 2);
  CHECK(by_route[0].errors == 1);
  auto by_day = summarize_usage(*t.db, in("wrk_a"), {}, UsageGroup::Day).value();
  REQUIRE(by_day.size() == 2);
  CHECK(by_day[0].key == "2026-11-20");  // days ascending
  CHECK(by_day[1].units == 2);
  auto window =
      summarize_usage(*t.db, in("wrk_a"), {"2026-11-21T00:00:00.000Z", std::nullopt}, UsageGroup::Kind).value();
  REQUIRE(window.size() == 1);
  CHECK(window[0].requests == 2);
  CHECK(summarize_usage(*t.db, in("wrk_b"), {}, UsageGroup::Day).value().empty());
  CHECK(parse_usage_group("credential") == UsageGroup::Credential);
  CHECK_FALSE(parse_usage_group("month").has_value());
}

TEST_CASE("raw usage events come newest first in pages; the position is the event id") {
  TempDb t;
  std::vector<UsageEvent> evs;
  std::deque<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    UsageEvent e;
    e.id = ids.emplace_back("use_" + std::to_string(i));
    e.workspace_id = "wrk_a";
    e.credential_type = "api_key";
    e.credential_id = "key_1";
    e.route = "GET /v1/workspace";
    e.status = 200;
    e.request_id = "req";
    e.created_at = "2026-11-21T10:00:00.000Z";
    evs.push_back(e);
  }
  write_usage_events(*t.db, evs);
  auto first = list_usage_events(*t.db, in("wrk_a"), {}, PageRequest{.limit = 2});
  REQUIRE(first);
  REQUIRE(first->items.size() == 2);
  CHECK(first->items[0]["id"] == "use_4");
  REQUIRE(first->next_after == "use_3");
  auto rest = list_usage_events(*t.db, in("wrk_a"), {}, PageRequest{.limit = 10, .after = first->next_after});
  REQUIRE(rest);
  CHECK(rest->items.size() == 3);
  CHECK_FALSE(rest->next_after);
}
