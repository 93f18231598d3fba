// The OpenAPI 3.1 document of every route slab5d serves (api.md §8.6), generated from the route
// table (routes.hpp), the resource table's JSON Schema (resource_schema.hpp), the error table
// (error.hpp) and, for control-plane routes, the schemas in control_schemas.cpp. Nothing here
// is written by hand per route: a row added to the route table appears in the document, and a
// control-plane row without a schema is a unit-test failure.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "slab5/routes.hpp"

namespace slab5::api {

// What a control-plane route takes and answers, beyond what its route-table row says.
struct ControlSchema {
  int status = 200;     // the success status
  nlohmann::json data;  // the success envelope's `data` (null: no body, e.g. 204)
  bool list = false;    // `data` is an array of this, paginated (limit, cursor, next_cursor)
  bool raw = false;     // the body is `data` itself, not enveloped (health, JWKS, this document)
  std::string content_type = "application/json";
  nlohmann::json request;  // the request body's schema (null: none)
  std::string request_content_type = "application/json";
  bool request_required = false;
  nlohmann::json query;  // query parameters: name → schema (besides limit/cursor of a list)
  nlohmann::json extra_query_required = nlohmann::json::array();  // names in `query` that are required
  // Other success answers: status → description (206 has the same body; 304 none).
  std::vector<std::pair<int, std::string>> also;
  std::vector<std::pair<std::string, std::string>> headers;  // success response headers: name → description
  std::vector<std::string> errors;  // error codes the route's own rules give (besides the derived ones)
  std::string summary;
  // A body the route answers with besides its error envelope at `protocol_error_statuses`
  // (the MCP gateway's JSON-RPC error responses to malformed messages).
  nlohmann::json protocol_error;
  std::vector<int> protocol_error_statuses;
  // Other content types of the success body, with their schemas (the MCP gateway's SSE).
  std::vector<std::pair<std::string, nlohmann::json>> also_content;
};

// The schema of a control-plane route by id; nullopt for app-plane routes and unknown ids.
std::optional<ControlSchema> control_schema(std::string_view route_id);
// Whether the route is generated from the resource table (its schemas come from there).
bool is_resource_route(std::string_view route_id);
// Schemas the control-plane entries refer to by "#/components/schemas/<name>".
nlohmann::json control_components();

struct OpenApiOptions {
  std::string version = "0.0.0";  // info.version: the server's version
  std::string server_url;         // servers[0].url ("" = http://127.0.0.1:8787)
  bool dev_routes = true;         // include the development routes (api.md §9)
};

// The whole document.
nlohmann::json openapi_document(const OpenApiOptions& options);

// The error codes a route may answer, derived from its row (access, workspace, module, scope,
// role, creates, body, path parameters) and its own rules. Sorted, unique.
std::vector<std::string> route_error_codes(const RouteEntry& route);

// "/v1/contacts/{id}" stays as is; OpenAPI path of a route pattern.
std::string openapi_operation_id(const RouteEntry& route);  // "contacts_list"

}  // namespace slab5::api
