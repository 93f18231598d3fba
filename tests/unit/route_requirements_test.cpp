// lib/slab5/route_requirements: the table `slab5 doctor --route` reads must say what slab5d's
// own route table says, for every route the server declares.
#include <doctest/doctest.h>

#include "app.hpp"
#include "slab5/access.hpp"
#include "slab5/route_requirements.hpp"

namespace {
std::string access_name(slab5d::Access a) {
  switch (a) {
    case slab5d::Access::Public: return "public";
    case slab5d::Access::User: return "user";
    case slab5d::Access::Workspace: return "workspace";
    case slab5d::Access::Mcp: return "mcp";
    case slab5d::Access::Self: return "self";
  }
  return "?";
}
}  // namespace

TEST_CASE("every route slab5d declares is in the doctor's table with the same requirements") {
  slab5d::Config cfg;
  cfg.db_path = ":memory:";
  cfg.dev_routes = true;
  slab5d::App app(cfg);
  REQUIRE(!app.router().routes().empty());
  for (const auto& r : app.router().routes()) {
    CAPTURE(r.method);
    CAPTURE(r.pattern);
    const auto* req = slab5::find_route_requirement(r.method, r.pattern);
    REQUIRE_MESSAGE(req != nullptr, "add " << r.method << " " << r.pattern << " to lib/slab5/route_requirements.cpp");
    CHECK(req->pattern == r.pattern);
    CHECK(req->access == access_name(r.access));
    CHECK(req->module == r.module);
    CHECK(req->scope == r.scope);
    CHECK(req->role == r.role);
  }
  app.shutdown();
}

TEST_CASE("every scope and module in the doctor's table exists in the shared tables") {
  for (const auto& r : slab5::route_requirements()) {
    CAPTURE(r.pattern);
    if (!r.scope.empty()) CHECK(slab5::find_scope(r.scope) != nullptr);
    if (!r.module.empty()) {
      REQUIRE(slab5::find_module(r.module) != nullptr);
      // A module route's scope belongs to that module.
      CHECK(std::string(slab5::find_scope(r.scope)->module) == r.module);
    }
    if (!r.role.empty()) CHECK(slab5::find_role(r.role) != nullptr);
  }
}

TEST_CASE("routes are found by method and concrete path, with or without /v1, ignoring the query") {
  const auto* r = slab5::find_route_requirement("post", "/v1/workspace/api-keys/key_01abc/rotate");
  REQUIRE(r);
  CHECK(r->pattern == "/v1/workspace/api-keys/{id}/rotate");
  CHECK(r->scope == "settings:admin");
  r = slab5::find_route_requirement("GET", "/contacts?query=ada");
  REQUIRE(r);
  CHECK(r->module == "crm");
  CHECK(r->scope == "crm:read");
  r = slab5::find_route_requirement("GET", "activities");
  REQUIRE(r);
  CHECK(r->scope == "activity:read");
  CHECK(slab5::find_route_requirement("GET", "/health")->access == "public");
  CHECK(slab5::find_route_requirement("DELETE", "/v1/workspace")->role == "owner");
  CHECK(slab5::find_route_requirement("PUT", "/v1/workspace") == nullptr);
  CHECK(slab5::find_route_requirement("GET", "/v1/nothing-here") == nullptr);
}
