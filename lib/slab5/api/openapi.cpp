// The OpenAPI 3.1 document (api.md §8.6), generated from the route table, the resource table's
// JSON Schema, the error table and control_schemas.cpp.
#include "slab5/api/openapi.hpp"
#include "slab5/json_util.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "slab5/access.hpp"
#include "slab5/api/resource_schema.hpp"
#include "slab5/api/resources.hpp"
#include "slab5/error.hpp"

namespace slab5::api {

using Json = nlohmann::json;

namespace {

// What an app-plane route does to which resource.
struct ResourceOp {
  const ResourceSpec* spec = nullptr;  // the resource whose records the route reads or writes
  std::string op;                      // list, create, get, update, delete, action
  const ActionSpec* action = nullptr;
};

// The app-plane routes by id, walked the way routes.cpp generates them.
const std::map<std::string, ResourceOp, std::less<>>& resource_ops() {
  static const auto ops = [] {
    std::map<std::string, ResourceOp, std::less<>> m;
    for (const auto& r : resource_table()) {
      if (r.is_child() || !r.served) continue;
      for (std::string op : {"list", "create", "get", "update", "delete"}) m[resource_route_id(r, op)] = {&r, op};
      for (const auto& a : r.actions) m[resource_route_id(r, a.name)] = {&r, "action", &a};
      for (const auto* child : children_of(r.route)) {
        m[resource_route_id(r, std::string(child->route) + ".list")] = {child, "list"};
        m[resource_route_id(r, std::string(child->route) + ".create")] = {child, "create"};
      }
    }
    return m;
  }();
  return ops;
}

const ResourceOp* resource_op(std::string_view id) {
  auto it = resource_ops().find(id);
  return it == resource_ops().end() ? nullptr : &it->second;
}

// "deal_stage" → "DealStage"
std::string pascal(std::string_view snake) {
  std::string out;
  bool up = true;
  for (char c : snake) {
    if (c == '_' || c == '-') {
      up = true;
      continue;
    }
    out += up ? char(std::toupper(static_cast<unsigned char>(c))) : c;
    up = false;
  }
  return out;
}

std::string record_name(const ResourceSpec& spec) { return pascal(spec.singular); }
Json component_ref(const std::string& name) { return Json{{"$ref", "#/components/schemas/" + name}}; }

bool has_body(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

std::string tag_of(const RouteEntry& r) {
  if (r.dev) return "development";
  if (const auto* op = resource_op(r.id)) {
    std::string_view route = op->spec->is_child() ? op->spec->parent : op->spec->route;
    return std::string(route);
  }
  auto dot = r.id.find('.');
  std::string head = r.id.substr(0, dot);
  if (head == "health" || head == "jwks" || head == "openapi") return "system";
  if (head == "mcp") return "mcp";
  if (head == "auth" || head == "me") return "auth";
  if (head == "workspace" || head == "workspaces") return "workspaces";
  if (head == "members" || head == "invitations") return "members";
  if (head == "api_keys" || head == "mcp_clients") return head == "api_keys" ? "api-keys" : "mcp-clients";
  if (head == "audit_events") return "audit";
  if (head == "usage" || head == "usage_events") return "usage";
  if (head == "events" || head == "event_types") return "events";
  if (head == "webhooks" || head == "webhook_deliveries") return "webhooks";
  return head;
}

Json envelope(Json data) {
  return Json{{"type", "object"},
              {"properties", {{"data", std::move(data)}, {"request_id", component_ref("RequestId")}}},
              {"required", {"data", "request_id"}},
              {"additionalProperties", false}};
}
Json list_envelope(Json item) {
  return Json{{"type", "object"},
              {"properties",
               {{"data", {{"type", "array"}, {"items", std::move(item)}}},
                {"next_cursor", {{"type", "string"}, {"description", "Present only when another page exists."}}},
                {"request_id", component_ref("RequestId")}}},
              {"required", {"data", "request_id"}},
              {"additionalProperties", false}};
}

Json string_param(std::string name, std::string in, bool required, Json schema, std::string description = {}) {
  Json p{{"name", std::move(name)}, {"in", std::move(in)}, {"required", required}, {"schema", std::move(schema)}};
  if (!description.empty()) p["description"] = std::move(description);
  return p;
}

Json page_params() {
  return Json::array(
      {string_param("limit", "query", false, {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}, {"default", 25}},
                    "Page size."),
       string_param("cursor", "query", false, {{"type", "string"}},
                    "next_cursor of the previous page (only with the same filters).")});
}

Json path_param(std::string_view segment) {
  std::string name(segment.substr(1, segment.size() - 2));
  Json schema{{"type", "string"}};
  std::string description;
  if (name == "module") {
    schema["enum"] = Json::array();
    for (const auto& m : module_table()) schema["enum"].push_back(m.id);
  } else if (name == "provider") {
    description = "google or microsoft";
  } else if (name == "usr_id") {
    description = "A user id (usr_…).";
  } else if (name == "aud_id") {
    description = "An audit event id (aud_…).";
  } else if (name == "evt_id") {
    description = "An event id (evt_…).";
  } else {
    description = "The id of the record.";
  }
  return string_param(name, "path", true, schema, description);
}

std::string error_description(const std::vector<std::string>& codes) {
  std::string out;
  for (const auto& c : codes) {
    if (!out.empty()) out += ", ";
    out += c;
  }
  return out;
}

Json error_components() {
  Json codes = Json::array();
  for (const auto& e : error_table()) codes.push_back(e.code);
  Json s = Json::object();
  s["RequestId"] = Json{{"type", "string"}, {"pattern", "^req_[0-9a-z]{26}$"}};
  s["FieldError"] = Json{{"type", "object"},
                         {"properties", {{"field", {{"type", "string"}}}, {"message", {{"type", "string"}}}}},
                         {"required", {"field", "message"}},
                         {"additionalProperties", false}};
  s["Error"] =
      Json{{"type", "object"},
           {"properties",
            {{"code", {{"type", "string"}, {"enum", codes}}},
             {"message", {{"type", "string"}}},
             {"request_id", component_ref("RequestId")},
             {"docs_url",
              {{"type", "string"}, {"format", "uri"}, {"pattern", "^https://docs\\.slab5\\.com/api/errors#[a-z_]+$"}}},
             {"required_scope", {{"type", "string"}}},
             {"required_role", {{"type", "string"}}},
             {"module", {{"type", "string"}}},
             {"field_errors", {{"type", "array"}, {"items", component_ref("FieldError")}}},
             {"retry_after_seconds", {{"type", "integer"}, {"minimum", 0}}},
             {"idempotency_key", {{"type", "string"}}},
             {"field", {{"type", "string"}, {"description", "The field a conflict is about (a taken slug)."}}},
             {"missing_scopes",
              {{"type", "array"},
               {"items", {{"type", "string"}}},
               {"description", "The scopes a credential tried to give that it lacks itself."}}}}},
           {"required", {"code", "message", "request_id", "docs_url"}},
           {"additionalProperties", false}};
  s["ErrorEnvelope"] = Json{{"type", "object"},
                            {"properties", {{"error", component_ref("Error")}}},
                            {"required", {"error"}},
                            {"additionalProperties", false}};
  return s;
}

Json error_response(const std::vector<std::string>& codes) {
  Json schema{{"type", "object"},
              {"allOf", {component_ref("ErrorEnvelope")}},
              {"properties",
               {{"error", {{"type", "object"}, {"properties", {{"code", {{"type", "string"}, {"enum", codes}}}}}}}}}};
  return Json{{"description", error_description(codes)},
              {"headers", {{"x-request-id", {{"schema", component_ref("RequestId")}}}}},
              {"content", {{"application/json", {{"schema", schema}}}}}};
}

// Body, success schema and query parameters of an app-plane route.
struct Shape {
  int status = 200;
  Json data;  // null: no body
  bool list = false;
  Json request;
  std::string request_content_type = "application/json";
  bool request_required = false;
  std::vector<std::pair<int, std::string>> also;
  std::vector<std::pair<std::string, std::string>> headers;
  Json protocol_error;
  std::vector<int> protocol_error_statuses;
  std::vector<std::pair<std::string, Json>> also_content;
  Json query_required = Json::array();
  Json query = Json::object();
  std::string summary;
  bool etag = false;
};

Shape resource_shape(const ResourceOp& op) {
  const auto& spec = *op.spec;
  std::string name = record_name(spec), title(spec.title);
  Shape s;
  if (op.op == "list") {
    s.data = component_ref(name);
    s.list = true;
    s.query = list_parameters(spec);
    s.query.erase("limit");
    s.query.erase("cursor");
    s.summary = spec.is_child() ? "List the " + title + "s of a " + std::string(find_resource(spec.parent)->title)
                                : "List " + title + " records";
  } else if (op.op == "create") {
    s.status = 201;
    s.data = component_ref(name);
    s.request = component_ref(name + "Create");
    s.summary = "Create a " + title;
    s.etag = true;
  } else if (op.op == "get") {
    s.data = component_ref(name);
    s.summary = "Show a " + title;
    s.etag = true;
  } else if (op.op == "update") {
    s.data = component_ref(name);
    s.request = component_ref(name + "Patch");
    s.summary = "Update a " + title + " (JSON merge patch)";
    s.etag = true;
  } else if (op.op == "delete") {
    s.status = 204;
    s.summary = "Delete a " + title;
  } else {  // action
    const auto& a = *op.action;
    s.request = action_schema(a);
    s.summary = std::string(a.description);
    if (a.returns_record) {
      s.data = component_ref(name);
      s.etag = true;
    } else if (a.name == "convert") {
      s.data = Json{{"type", "object"},
                    {"properties",
                     {{"lead", component_ref("Lead")},
                      {"company", component_ref("Company")},
                      {"contact", component_ref("Contact")},
                      {"deal", {{"oneOf", {component_ref("Deal"), {{"type", "null"}}}}}}}},
                    {"required", {"lead", "company", "contact", "deal"}},
                    {"additionalProperties", false}};
    } else {
      s.data = Json{{"type", "object"}};
    }
  }
  return s;
}

Json resource_components() {
  Json s = Json::object();
  for (const auto& r : resource_table()) {
    if (!r.served && !r.is_child()) continue;
    if (r.is_child()) {
      const auto* parent = find_resource(r.parent);
      if (!parent || !parent->served) continue;
    }
    std::string name = record_name(r);
    s[name] = record_schema(r);
    s[name + "Create"] = create_schema(r);
    if (!r.is_child() && !r.append_only) s[name + "Patch"] = patch_schema(r);
  }
  return s;
}

void add_unique(std::vector<std::string>& v, const std::vector<std::string>& more) {
  for (const auto& c : more)
    if (std::find(v.begin(), v.end(), c) == v.end()) v.push_back(c);
}

}  // namespace

bool is_resource_route(std::string_view route_id) { return resource_op(route_id) != nullptr; }

std::string openapi_operation_id(const RouteEntry& route) {
  std::string out = route.id;
  std::replace(out.begin(), out.end(), '.', '_');
  return out;
}

std::vector<std::string> route_error_codes(const RouteEntry& r) {
  std::vector<std::string> codes{"internal_error", "service_unavailable"};
  bool authenticated = r.access != Access::Public;
  bool takes_params =
      std::any_of(r.segments.begin(), r.segments.end(), [](const auto& s) { return is_param_segment(s); });
  if (authenticated) add_unique(codes, {"unauthorized"});
  if (r.access == Access::User) add_unique(codes, {"forbidden"});
  if (needs_workspace(r.access)) add_unique(codes, {"workspace_header_required", "workspace_not_found"});
  // The rate limit is per workspace: every request that resolved one.
  if (needs_workspace(r.access) || r.access == Access::Self) add_unique(codes, {"rate_limited"});
  if (!r.module.empty()) add_unique(codes, {"module_not_enabled"});
  if (!r.scope.empty()) add_unique(codes, {"missing_required_scope"});
  if (!r.role.empty()) add_unique(codes, {"forbidden"});
  if (has_body(r.method)) add_unique(codes, {"invalid_request", "payload_too_large", "unsupported_media_type"});
  if (r.creates) add_unique(codes, {"idempotency_conflict", "validation_failed"});
  if (takes_params && authenticated) add_unique(codes, {"resource_not_found"});
  if (const auto* op = resource_op(r.id)) {
    const auto& spec = *op->spec;
    if (op->op == "list") add_unique(codes, {"invalid_request"});
    if (op->op == "create" || op->op == "update" || op->op == "action") add_unique(codes, {"validation_failed"});
    if (op->op == "update" || op->op == "delete") add_unique(codes, {"precondition_failed", "invalid_request"});
    // A record others depend on may refuse a change (a deal stage's outcome while deals are in it).
    if (op->op == "update" && !spec.delete_guards.empty()) add_unique(codes, {"conflict"});
    if ((op->op == "create" || op->op == "update") && !spec.unique_key.empty()) add_unique(codes, {"conflict"});
    if (op->op == "delete" && !spec.delete_guards.empty()) add_unique(codes, {"conflict"});
    if (op->op == "action") add_unique(codes, {"conflict"});
  } else if (auto c = control_schema(r.id)) {
    if (c->list || !c->query.is_null()) add_unique(codes, {"invalid_request"});
    add_unique(codes, c->errors);
  }
  std::sort(codes.begin(), codes.end());
  return codes;
}

Json openapi_document(const OpenApiOptions& o) {
  Json paths = Json::object();
  std::set<std::string> tags;
  for (const auto& r : route_table()) {
    if (r.dev && !o.dev_routes) continue;
    Shape s;
    std::string content_type = "application/json";
    bool raw = false;
    const ResourceOp* rop = resource_op(r.id);
    if (rop) {
      s = resource_shape(*rop);
    } else if (auto c = control_schema(r.id)) {
      s.status = c->status;
      s.data = c->data;
      s.list = c->list;
      s.request = c->request;
      s.request_content_type = c->request_content_type;
      s.request_required = c->request_required;
      s.also = c->also;
      s.headers = c->headers;
      s.protocol_error = c->protocol_error;
      s.protocol_error_statuses = c->protocol_error_statuses;
      s.also_content = c->also_content;
      s.query_required = c->extra_query_required;
      if (c->query.is_object()) s.query = c->query;
      s.summary = c->summary;
      content_type = c->content_type;
      raw = c->raw;
    } else {
      // A route with no schema: the unit test walks the table and fails on it.
      continue;
    }

    Json op{{"operationId", openapi_operation_id(r)},
            {"summary", s.summary.empty() ? r.label : s.summary},
            {"tags", {tag_of(r)}},
            {"x-route-id", r.id},
            {"x-access", access_name(r.access)}};
    std::string description = r.label + ".";
    if (r.access == Access::User) description += " Needs a session token (no workspace).";
    if (r.access == Access::Self) description += " Any session, API key or MCP client token.";
    if (!r.role.empty()) description += " A session of at least the " + r.role + " role.";
    if (r.creates) description += " Takes an idempotency key (body `idempotency_key` or the Idempotency-Key header).";
    if (r.dev) description += " A development route (api.md §9): absent with --no-dev-routes.";
    op["description"] = description;
    tags.insert(tag_of(r));
    if (!r.scope.empty()) op["x-required-scope"] = r.scope;
    if (!r.module.empty()) op["x-module"] = r.module;
    if (!r.role.empty()) op["x-required-role"] = r.role;
    op["security"] = r.access == Access::Public ? Json::array() : Json::array({{{"bearer", Json::array()}}});

    Json params = Json::array();
    for (const auto& seg : r.segments)
      if (is_param_segment(seg)) params.push_back(path_param(seg));
    if (s.list)
      for (auto& p : page_params()) params.push_back(p);
    for (auto it = s.query.begin(); it != s.query.end(); ++it) {
      Json schema = it.value();
      std::string desc = slab5::string_or(schema, "description");
      schema.erase("description");
      if (it.key() == "sort")
        desc =
            "Sort order (default -created_at). Any custom_fields.<key>=<value> parameter also filters on a "
            "custom field.";
      bool required =
          std::find(s.query_required.begin(), s.query_required.end(), Json(it.key())) != s.query_required.end();
      params.push_back(string_param(it.key(), "query", required, schema, desc));
    }
    if (needs_workspace(r.access))
      params.push_back(string_param("x-workspace-id", "header", false, {{"type", "string"}},
                                    "The workspace (required with a session token; an API key's own if sent)."));
    if (r.creates)
      params.push_back(string_param("Idempotency-Key", "header", false,
                                    {{"type", "string"}, {"minLength", 1}, {"maxLength", 255}},
                                    "Alias of the body's idempotency_key."));
    if (rop && (rop->op == "update" || rop->op == "delete"))
      params.push_back(string_param("If-Match", "header", false, {{"type", "string"}},
                                    "\"<version>\": apply only to that version (else 412)."));
    params.push_back(string_param("x-correlation-id", "header", false,
                                  {{"type", "string"}, {"minLength", 1}, {"maxLength", 128}},
                                  "Echoed back, and written to the log, audit and usage events."));
    op["parameters"] = params;

    if (!s.request.is_null())
      op["requestBody"] = {
          {"required", s.request_required || s.request.contains("required") || (rop && rop->op == "create")},
          {"content", {{s.request_content_type, {{"schema", s.request}}}}}};

    Json responses = Json::object();
    Json ok{{"description", s.summary.empty() ? "Success" : s.summary}};
    ok["headers"] = {{"x-request-id", {{"description", "The request's id."}, {"schema", component_ref("RequestId")}}}};
    if (s.etag)
      ok["headers"]["ETag"] = {{"description", "\"<version>\" of the record."}, {"schema", {{"type", "string"}}}};
    if (!s.data.is_null()) {
      Json schema = raw ? s.data : (s.list ? list_envelope(s.data) : envelope(s.data));
      ok["content"] = {{content_type, {{"schema", schema}}}};
      for (const auto& [type, alt] : s.also_content) ok["content"][type] = {{"schema", alt}};
    }
    for (const auto& [name, desc] : s.headers)
      ok["headers"][name] = {{"description", desc}, {"schema", {{"type", "string"}}}};
    responses[std::to_string(s.status)] = ok;
    for (const auto& [status, desc] : s.also) {
      Json more = ok;
      more["description"] = desc;
      if (status == 304 || status == 202) more.erase("content");  // Not Modified; Accepted (nothing to answer)
      responses[std::to_string(status)] = more;
    }

    std::map<int, std::vector<std::string>> by_status;
    for (const auto& code : route_error_codes(r)) by_status[error_info(code).http_status].push_back(code);
    for (auto& [status, codes] : by_status) responses[std::to_string(status)] = error_response(codes);
    for (int status : s.protocol_error_statuses) {
      auto& body = responses[std::to_string(status)]["content"]["application/json"]["schema"];
      body = Json{{"anyOf", {body, s.protocol_error}}};
    }
    op["responses"] = responses;

    std::string method = r.method;
    std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    paths[r.pattern][method] = op;
  }

  Json schemas = error_components();
  Json control = control_components(), resources = resource_components();
  for (auto& [k, v] : control.items()) schemas[k] = v;
  for (auto& [k, v] : resources.items()) schemas[k] = v;

  static const std::map<std::string, std::string, std::less<>> control_tags = {
      {"system", "Health, the session signing keys and this document."},
      {"auth", "Registration, verification, sign-in, sessions and who a token is (api.md §2)."},
      {"workspaces", "The current workspace, the caller's workspaces and modules (api.md §3)."},
      {"members", "Members and invitations (api.md §4)."},
      {"api-keys", "Workspace API keys (api.md §5)."},
      {"mcp-clients", "MCP client tokens (api.md §5)."},
      {"mcp", "The MCP gateway: MCP's Streamable HTTP transport for agents, with MCP client tokens (api.md §8.5)."},
      {"audit", "The append-only audit log (api.md §6)."},
      {"usage", "Usage metering (api.md §7)."},
      {"events", "The workspace's event log and event types (api.md §8.3)."},
      {"webhooks", "Webhook endpoints, their signed deliveries and retries (api.md §8.3)."},
      {"development", "Development routes (api.md §9): absent with --no-dev-routes."}};
  Json tag_list = Json::array();
  for (const auto& t : tags) {
    std::string description;
    if (auto it = control_tags.find(t); it != control_tags.end())
      description = it->second;
    else if (const auto* spec = find_resource(t))
      description = std::string(spec->description);
    tag_list.push_back({{"name", t}, {"description", description.empty() ? t : description}});
  }

  return Json{
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "Slab5 API (slab5d)"},
        {"version", o.version},
        {"summary", "The Slab5 REST API as slab5d serves it: control plane and app plane."},
        {"description",
         "Generated by slab5d from its route and resource tables. Success bodies are "
         "{\"data\": …, \"request_id\"} (lists add \"next_cursor\" when another page exists); every "
         "non-2xx body is {\"error\": {\"code\", \"message\", \"request_id\", \"docs_url\", …}}. Each operation "
         "names the scope it needs (x-required-scope) and, on the app plane, its module (x-module). Any "
         "route also answers 404 resource_not_found for an unknown path and 405 method_not_allowed for a "
         "known path with another method."}}},
      {"servers",
       {{{"url", o.server_url.empty() ? "http://127.0.0.1:8787" : o.server_url}, {"description", "This slab5d"}}}},
      {"tags", tag_list},
      {"paths", paths},
      {"components",
       {{"schemas", schemas},
        {"securitySchemes",
         {{"bearer",
           {{"type", "http"},
            {"scheme", "bearer"},
            {"description",
             "A session access token (JWT; with x-workspace-id on workspace routes), a workspace API key "
             "(slab5_sk_…) or, on GET /v1/me, an MCP client token (slab5_mcp_…)."}}}}}}}};
}

}  // namespace slab5::api
