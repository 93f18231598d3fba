// lib/slab5/api/openapi: the OpenAPI document is generated from the route table, so every
// route appears with its method, path, scope and module; a control-plane route without a
// schema in control_schemas.cpp fails here.
#include "slab5/api/openapi.hpp"

#include <doctest/doctest.h>

#include <set>

#include "slab5/error.hpp"
#include "slab5/routes.hpp"

using slab5::Access;
using Json = nlohmann::json;

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const Json& document() {
  static const Json doc = slab5::api::openapi_document({.version = "9.8.7", .server_url = "http://127.0.0.1:1"});
  return doc;
}

const Json& operation(const slab5::RouteEntry& r) {
  static const Json none;
  const auto& paths = document()["paths"];
  if (!paths.contains(r.pattern) || !paths[r.pattern].contains(lower(r.method))) return none;
  return paths[r.pattern][lower(r.method)];
}

void collect_refs(const Json& node, std::set<std::string>& out) {
  if (node.is_object()) {
    if (node.contains("$ref") && node["$ref"].is_string()) out.insert(node["$ref"].get<std::string>());
    for (const auto& [k, v] : node.items()) collect_refs(v, out);
  } else if (node.is_array()) {
    for (const auto& v : node) collect_refs(v, out);
  }
}

}  // namespace

TEST_CASE("every route has a schema: from the resource table or control_schemas.cpp") {
  for (const auto& r : slab5::route_table()) {
    INFO(r.id);
    bool resource = slab5::api::is_resource_route(r.id);
    bool control = slab5::api::control_schema(r.id).has_value();
    CHECK_MESSAGE((resource || control), "route " << r.id << " (" << r.label << ") has no schema");
    CHECK_FALSE((resource && control));
  }
  CHECK_FALSE(slab5::api::control_schema("no.such.route").has_value());
}

TEST_CASE("every route-table entry is an operation with its method, path, scope and module") {
  std::set<std::string> operation_ids;
  std::size_t operations = 0;
  for (const auto& r : slab5::route_table()) {
    INFO(r.label);
    const auto& op = operation(r);
    REQUIRE(op.is_object());
    ++operations;
    CHECK(op["x-route-id"] == r.id);
    CHECK(operation_ids.insert(op["operationId"].get<std::string>()).second);
    if (r.scope.empty())
      CHECK_FALSE(op.contains("x-required-scope"));
    else
      CHECK(op["x-required-scope"] == r.scope);
    if (r.module.empty())
      CHECK_FALSE(op.contains("x-module"));
    else
      CHECK(op["x-module"] == r.module);
    if (r.access == Access::Public)
      CHECK(op["security"] == Json::array());
    else
      CHECK(op["security"] == Json::parse(R"([{"bearer": []}])"));
    // each path parameter is declared
    for (const auto& seg : r.segments) {
      if (!slab5::is_param_segment(seg)) continue;
      std::string name = seg.substr(1, seg.size() - 2);
      bool declared = false;
      for (const auto& p : op["parameters"])
        declared |= p["in"] == "path" && p["name"] == name && p["required"] == true;
      CHECK_MESSAGE(declared, "path parameter " << name);
    }
    // a success response and the error envelope for each status of the route's error codes
    bool success = false;
    for (const auto& [status, resp] : op["responses"].items()) success |= status[0] == '2';
    CHECK(success);
    for (const auto& code : slab5::api::route_error_codes(r)) {
      auto status = std::to_string(slab5::error_info(code).http_status);
      REQUIRE_MESSAGE(op["responses"].contains(status), code);
      // A route with a protocol of its own (the MCP gateway's JSON-RPC errors) answers some
      // statuses with either body: the error envelope is the first of them.
      const auto* schema = &op["responses"][status]["content"]["application/json"]["schema"];
      if (schema->contains("anyOf")) schema = &(*schema)["anyOf"][0];
      const auto& codes = (*schema)["properties"]["error"]["properties"]["code"]["enum"];
      CHECK(std::find(codes.begin(), codes.end(), code) != codes.end());
    }
  }
  std::size_t in_document = 0;
  for (const auto& [path, item] : document()["paths"].items()) in_document += item.size();
  CHECK(in_document == operations);  // and nothing that is not in the table
}

TEST_CASE("error responses follow from the route's access, module, scope, role and creates") {
  auto codes = [](std::string_view id) { return slab5::api::route_error_codes(*slab5::find_route_by_id(id)); };
  auto has = [](const std::vector<std::string>& v, std::string_view c) {
    return std::find(v.begin(), v.end(), c) != v.end();
  };
  auto login = codes("auth.login");
  CHECK_FALSE(has(login, "missing_required_scope"));
  CHECK(has(login, "invalid_credentials"));
  CHECK(has(login, "too_many_attempts"));
  auto create = codes("contacts.create");
  for (auto c : {"unauthorized", "workspace_header_required", "workspace_not_found", "module_not_enabled",
                 "missing_required_scope", "rate_limited", "validation_failed", "idempotency_conflict",
                 "unsupported_media_type", "payload_too_large"})
    CHECK_MESSAGE(has(create, c), c);
  CHECK_FALSE(has(create, "precondition_failed"));
  CHECK(has(codes("contacts.update"), "precondition_failed"));
  CHECK(has(codes("deal_stages.delete"), "conflict"));  // a stage deals use
  CHECK_FALSE(has(codes("contacts.delete"), "conflict"));
  CHECK(has(codes("workspace.delete"), "forbidden"));  // owner role
  CHECK(has(codes("workspaces.list"), "forbidden"));   // a session only
  CHECK_FALSE(has(codes("workspace.get"), "module_not_enabled"));
  CHECK_FALSE(has(codes("health"), "unauthorized"));
}

TEST_CASE("the document's header, security scheme and references") {
  const auto& doc = document();
  CHECK(doc["openapi"] == "3.1.0");
  CHECK(doc["info"]["version"] == "9.8.7");
  CHECK(doc["servers"][0]["url"] == "http://127.0.0.1:1");
  CHECK(doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer");
  std::set<std::string> refs;
  collect_refs(doc, refs);
  CHECK(refs.size() > 20);
  for (const auto& ref : refs) {
    INFO(ref);
    REQUIRE(ref.rfind("#/components/schemas/", 0) == 0);
    CHECK(doc["components"]["schemas"].contains(ref.substr(21)));
  }
  // the envelopes: a record, a list with next_cursor, a raw body, no body
  const auto& paths = doc["paths"];
  auto ok = [&](const char* path, const char* method, const char* status) {
    return paths[path][method]["responses"][status];
  };
  CHECK(ok("/v1/contacts/{id}", "get", "200")["content"]["application/json"]["schema"]["required"] ==
        Json::parse(R"(["data", "request_id"])"));
  CHECK(
      ok("/v1/contacts", "get", "200")["content"]["application/json"]["schema"]["properties"].contains("next_cursor"));
  CHECK(ok("/health", "get", "200")["content"]["application/json"]["schema"] ==
        Json::parse(R"({"$ref": "#/components/schemas/Health"})"));
  CHECK(ok("/.well-known/jwks.json", "get", "200")["content"].contains("application/jwk-set+json"));
  CHECK_FALSE(ok("/v1/contacts/{id}", "delete", "204").contains("content"));
  // list routes take limit, cursor and the resource's filters
  std::set<std::string> params;
  for (const auto& p : paths["/v1/contacts"]["get"]["parameters"]) params.insert(p["name"].get<std::string>());
  for (auto p : {"limit", "cursor", "company_id", "email", "query", "sort", "created_after", "x-workspace-id"})
    CHECK_MESSAGE(params.count(p) == 1, p);
}

TEST_CASE("development routes are in the document only when slab5d serves them") {
  auto without = slab5::api::openapi_document({.dev_routes = false});
  for (const auto& r : slab5::route_table()) {
    bool present = without["paths"].contains(r.pattern) && without["paths"][r.pattern].contains(lower(r.method));
    CHECK_MESSAGE(present == !r.dev, r.label);
  }
  CHECK(document()["paths"].contains("/v1/dev/mail"));
}
