// The event log (api.md §8.3): every app-plane write produces an event in the same
// transaction; GET /v1/events lists them, GET /v1/event-types describes them.
#include <doctest/doctest.h>

#include <set>

#include "checks.hpp"
#include "harness.hpp"
#include "workspace_fixtures.hpp"

using namespace testing;

TEST_CASE("a create, an update and a delete each produce one event, newest first") {
  Server s;
  auto c = api("POST", s.api_url + "/contacts", s.token, {{"name", "Jane"}});
  REQUIRE(c.status == 201);
  std::string id = c.json["data"]["id"];
  REQUIRE(api("PATCH", s.api_url + "/contacts/" + id, s.token, {{"title", "CTO"}}).status == 200);
  REQUIRE(api("DELETE", s.api_url + "/contacts/" + id, s.token).status == 204);
  auto r = api("GET", s.api_url + "/events?type=contact.*", s.token);
  REQUIRE(r.status == 200);
  REQUIRE(r.json["data"].size() == 3);
  CHECK(r.json["data"][0]["type"] == "contact.deleted");
  CHECK(r.json["data"][0]["data"]["id"] == id);
  CHECK(r.json["data"][1]["type"] == "contact.updated");
  CHECK(r.json["data"][1]["previous"] == Json{{"title", nullptr}});
  CHECK(r.json["data"][1]["data"]["title"] == "CTO");
  CHECK(r.json["data"][2]["type"] == "contact.created");
  CHECK(r.json["data"][2]["request_id"] == c.json["request_id"]);
  auto one = api("GET", s.api_url + "/events/" + r.json["data"][2]["id"].get<std::string>(), s.token);
  REQUIRE(one.status == 200);
  CHECK(one.json["data"]["type"] == "contact.created");
}

TEST_CASE("a refused write produces no event") {
  Server s;
  REQUIRE(api("POST", s.api_url + "/contacts", s.token, {{"email", "bad"}}).status == 422);
  auto r = api("GET", s.api_url + "/events", s.token);
  REQUIRE(r.status == 200);
  CHECK(r.json["data"].empty());
}

TEST_CASE("events are filtered by exact type and paged") {
  Server s;
  for (int i = 0; i < 3; ++i)
    REQUIRE(api("POST", s.api_url + "/companies", s.token, {{"name", "C" + std::to_string(i)}}).status == 201);
  REQUIRE(api("POST", s.api_url + "/contacts", s.token, {{"name", "J"}}).status == 201);
  auto companies = api("GET", s.api_url + "/events?type=company.created&limit=2", s.token);
  REQUIRE(companies.status == 200);
  CHECK(companies.json["data"].size() == 2);
  REQUIRE(companies.json.contains("next_cursor"));
  auto rest =
      api("GET",
          s.api_url + "/events?type=company.created&limit=2&cursor=" + companies.json["next_cursor"].get<std::string>(),
          s.token);
  CHECK(rest.json["data"].size() == 1);
  check_error(api("GET", s.api_url + "/events?type=Company!", s.token), 400, "invalid_request");
  check_error(api("GET", s.api_url + "/events?colour=red", s.token), 400, "invalid_request");
}

TEST_CASE("events of another workspace are not visible, and the log needs integrations:read") {
  Server s;
  auto c = api("POST", s.api_url + "/contacts", s.token, {{"name", "J"}});
  REQUIRE(c.status == 201);
  auto ev = api("GET", s.api_url + "/events", s.token).json["data"][0]["id"].get<std::string>();
  auto crm_only = fixtures::make_key(s, {"crm:read"});
  check_error(api("GET", s.api_url + "/events", crm_only), 403, "missing_required_scope");
  auto session = fixtures::owner_session(s);
  auto other = api("POST", s.api_url + "/workspaces", session, {{"name", "Other"}});
  REQUIRE(other.status == 201);
  auto r = fixtures::ws_api("GET", s.api_url + "/events/" + ev, session, other.json["data"]["id"]);
  check_error(r, 404, "resource_not_found");
}

TEST_CASE("event types list every resource event with the JSON Schema of its data") {
  Server s;
  auto r = api("GET", s.api_url + "/event-types", s.token);
  REQUIRE(r.status == 200);
  std::set<std::string> types;
  for (const auto& t : r.json["data"]) {
    types.insert(t["type"].get<std::string>());
    CHECK(t["data_schema"]["type"] == "object");
    CHECK_FALSE(t["description"].get<std::string>().empty());
  }
  for (const char* t : {"contact.created", "deal.updated", "lead.converted", "activity.created", "task.completed",
                        "support_ticket_message.created", "inbound_webhook.received", "webhook.test"})
    CHECK_MESSAGE(types.count(t) == 1, t);
  CHECK(types.count("activity.updated") == 0);  // append-only
}
