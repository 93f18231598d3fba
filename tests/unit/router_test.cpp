// server/router: handlers are bound to route-table entries by id; an entry without a handler
// or a handler without an entry stops slab5d from starting; requests find their route.
#include <doctest/doctest.h>

#include <stdexcept>

#include "app.hpp"
#include "router.hpp"
#include "slab5/routes.hpp"

using namespace slab5d;

namespace {
slab5::Result<Reply> dummy(Ctx&) { return Reply::no_content(); }

// Every entry bound, as App's constructor binds them.
Router complete_router(bool dev_routes = true) {
  Router r;
  for (const auto& e : slab5::route_table())
    if (dev_routes || !e.dev) r.bind(e.id, dummy);
  return r;
}

bool mentions(const std::vector<std::string>& problems, const std::string& text) {
  for (const auto& p : problems)
    if (p.find(text) != std::string::npos) return true;
  return false;
}
}  // namespace

TEST_CASE("a router with every entry bound is complete, with or without the development routes") {
  CHECK(complete_router().check_complete(true).empty());
  CHECK(complete_router(false).check_complete(false).empty());
  CHECK_NOTHROW(complete_router().require_complete(true));
}

TEST_CASE("an entry with no handler is a startup error naming it") {
  Router r;
  for (const auto& e : slab5::route_table())
    if (e.id != "api_keys.create") r.bind(e.id, dummy);
  auto problems = r.check_complete(true);
  REQUIRE(problems.size() == 1);
  CHECK(mentions(problems, "\"api_keys.create\""));
  CHECK(mentions(problems, "has no handler"));
  try {
    r.require_complete(true);
    FAIL("require_complete did not throw");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("api_keys.create") != std::string::npos);
  }
  // A development route may stay unbound only when the development routes are off.
  Router no_dev;
  for (const auto& e : slab5::route_table())
    if (e.id != "dev.mail.list") no_dev.bind(e.id, dummy);
  CHECK(mentions(no_dev.check_complete(true), "\"dev.mail.list\""));
  CHECK(complete_router(false).check_complete(false).empty());
  CHECK(mentions(complete_router(true).check_complete(false), "development routes are off"));
}

TEST_CASE("a handler naming an id with no entry is a startup error naming it") {
  Router r = complete_router();
  r.bind("api_keys.frobnicate", dummy);
  auto problems = r.check_complete(true);
  REQUIRE(problems.size() == 1);
  CHECK(mentions(problems, "\"api_keys.frobnicate\""));
  CHECK(mentions(problems, "not in the route table"));
  CHECK_THROWS_AS(r.require_complete(true), std::runtime_error);
  Router twice = complete_router();
  twice.bind("health", dummy);
  CHECK(mentions(twice.check_complete(true), "bound twice"));
}

TEST_CASE("a route's fields are its table entry's") {
  Router r = complete_router();
  auto m = r.match("POST", "/v1/workspace/api-keys");
  REQUIRE(m.route);
  CHECK(&m.route->entry == slab5::find_route_by_id("api_keys.create"));
  CHECK(m.route->entry.creates);
  CHECK(m.route->method == "POST");
  CHECK(m.route->pattern == "/v1/workspace/api-keys");
  CHECK(r.match("POST", "/v1/auth/session").route->entry.blocking);
}

TEST_CASE("the router matches patterns, prefers literal segments and reports allowed methods") {
  Router r = complete_router();
  auto m = r.match("GET", "/v1/workspace/api-keys/key_123");
  REQUIRE(m.route);
  CHECK(m.route->entry.id == "api_keys.get");
  CHECK(m.params["id"] == "key_123");
  CHECK(r.match("GET", "/v1/auth/sessions").route->entry.id == "auth.sessions.list");
  CHECK(r.match("DELETE", "/v1/auth/session").route->entry.id == "auth.logout");
  auto wrong = r.match("PUT", "/v1/workspace/api-keys/key_123");
  CHECK(wrong.route == nullptr);
  CHECK(wrong.allowed.size() == 2);  // GET, PATCH
  CHECK(r.match("GET", "/v1/nothing").allowed.empty());
  CHECK(r.match("GET", "/v1/workspace/api-keys/key_1/").route);
  auto child = r.match("POST", "/v1/support-tickets/tkt_1/messages");
  REQUIRE(child.route);
  CHECK(child.route->entry.id == "support_tickets.messages.create");
  CHECK(child.params["id"] == "tkt_1");
}

TEST_CASE("slab5d binds every entry of the table, and no development route when they are off") {
  Config cfg;
  cfg.db_path = ":memory:";
  {
    App app(cfg);
    CHECK(app.router().routes().size() == slab5::route_table().size());
    app.shutdown();
  }
  cfg.dev_routes = false;
  App app(cfg);
  for (const auto& r : app.router().routes()) CHECK(!r.entry.dev);
  CHECK(app.router().match("GET", "/v1/dev/mail").route == nullptr);
  app.shutdown();
}
