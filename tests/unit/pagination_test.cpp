// Cursor pagination (api.md §1) through the whole App, in process: a cursor round trip
// covers every item once, the last page has no next_cursor, and a tampered or foreign
// cursor is 400 invalid_request.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <set>

#include "in_process.hpp"

using namespace testing;

TEST_CASE("a cursor round trip returns every record once, newest first, then no next_cursor") {
  InProcess c;
  std::vector<std::string> made;
  for (int i = 0; i < 5; ++i) {
    auto r = c.request("POST", "/v1/contacts", c.token(), {{"name", "Person " + std::to_string(i)}});
    REQUIRE(r.status == 201);
    made.push_back(r.json["data"]["id"]);
  }
  std::vector<std::string> seen;
  std::string target = "/v1/contacts?limit=2";
  int pages = 0;
  for (;;) {
    auto page = c.request("GET", target, c.token());
    REQUIRE(page.status == 200);
    ++pages;
    CHECK(page.json["data"].size() <= 2);
    for (const auto& rec : page.json["data"]) seen.push_back(rec["id"]);
    if (!page.json.contains("next_cursor")) break;
    REQUIRE(pages < 10);
    target = "/v1/contacts?limit=2&cursor=" + page.json["next_cursor"].get<std::string>();
  }
  CHECK(pages == 3);
  // Every record once, newest (highest id) first.
  CHECK(std::set<std::string>(seen.begin(), seen.end()) == std::set<std::string>(made.begin(), made.end()));
  CHECK(seen.size() == made.size());
  CHECK(std::is_sorted(seen.begin(), seen.end(), std::greater<>()));
}

TEST_CASE("control-plane lists page the same way (audit events)") {
  InProcess c;
  for (int i = 0; i < 3; ++i)
    REQUIRE(c.request("POST", "/v1/contacts", c.token(), {{"name", "P" + std::to_string(i)}}).status == 201);
  std::set<std::string> ids;
  auto first = c.request("GET", "/v1/workspace/audit-events?limit=1&action=contact.created", c.token());
  REQUIRE(first.status == 200);
  REQUIRE(first.json.contains("next_cursor"));
  ids.insert(first.json["data"][0]["id"].get<std::string>());
  std::string cursor = first.json["next_cursor"];
  auto second =
      c.request("GET", "/v1/workspace/audit-events?limit=2&action=contact.created&cursor=" + cursor, c.token());
  REQUIRE(second.status == 200);
  for (const auto& e : second.json["data"]) ids.insert(e["id"].get<std::string>());
  CHECK(ids.size() == 3);
  CHECK(!second.json.contains("next_cursor"));
}

TEST_CASE("a bad, tampered or foreign cursor is 400 invalid_request") {
  InProcess c;
  for (int i = 0; i < 3; ++i) REQUIRE(c.request("POST", "/v1/contacts", c.token(), {{"name", "P"}}).status == 201);
  auto page = c.request("GET", "/v1/contacts?limit=1", c.token());
  REQUIRE(page.json.contains("next_cursor"));
  std::string cursor = page.json["next_cursor"];
  for (const std::string& bad : {std::string("garbage"), cursor.substr(0, cursor.size() - 2) + "xx"}) {
    auto r = c.request("GET", "/v1/contacts?limit=1&cursor=" + bad, c.token());
    CHECK(r.status == 400);
    CHECK(r.code() == "invalid_request");
  }
  // A cursor is only valid with the same route and filters.
  auto other_filters = c.request("GET", "/v1/contacts?limit=1&email=a%40b.example&cursor=" + cursor, c.token());
  CHECK(other_filters.code() == "invalid_request");
  auto other_route = c.request("GET", "/v1/companies?limit=1&cursor=" + cursor, c.token());
  CHECK(other_route.code() == "invalid_request");
  auto bad_limit = c.request("GET", "/v1/contacts?limit=0", c.token());
  CHECK(bad_limit.code() == "invalid_request");
}
