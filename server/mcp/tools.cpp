#include "mcp/tools.hpp"

#include <unordered_map>

#include <stdexcept>
#include "slab5/api/openapi.hpp"
#include "slab5/api/resource_schema.hpp"
#include "slab5/error.hpp"

namespace slab5d::mcp {

using slab5::Json;
using slab5::api::ResourceSpec;

namespace {

std::string join(const std::vector<std::string_view>& items) {
  std::string out;
  for (auto i : items) out += (out.empty() ? "" : ", ") + std::string(i);
  return out;
}

Json id_schema(const ResourceSpec& spec) {
  return Json{{"type", "string"},
              {"pattern", "^" + std::string(spec.id_prefix) + "_[0-9a-z]{26}$"},
              {"description", "The " + std::string(spec.title) + "'s id (" + std::string(spec.id_prefix) + "_…)."}};
}

// Arguments every tool takes: the workspace, which must be the token's own.
void add_workspace_args(Json& props) {
  props["workspace_id"] = Json{{"type", "string"}, {"description", "Optional; must be the token's workspace (wrk_…)."}};
  props["workspace_slug"] =
      Json{{"type", "string"}, {"description", "Optional; must be the token's workspace's slug."}};
}

Json input_object(Json props, Json required = Json::array()) {
  add_workspace_args(props);
  Json out{{"type", "object"}, {"properties", std::move(props)}};
  if (!required.empty()) out["required"] = std::move(required);
  return out;
}

Json dry_run_schema() {
  return Json{{"type", "boolean"},
              {"default", false},
              {"description", "Validate and answer what would change, without writing anything."}};
}

// A tool's output: its success shape, or the refusal {"error": <the REST error object>}.
// The root is an object either way (MCP wants structuredContent to be one).
Json output_object(Json success) {
  Json refusal{{"type", "object"},
               {"properties", {{"error", error_object_schema()}}},
               {"required", {"error"}},
               {"additionalProperties", false}};
  return Json{{"type", "object"}, {"anyOf", {std::move(success), std::move(refusal)}}};
}

Json list_output(const ResourceSpec& spec) {
  return Json{{"type", "object"},
              {"properties",
               {{"data", {{"type", "array"}, {"items", slab5::api::record_schema(spec)}}},
                {"next_cursor", {{"type", "string"}, {"description", "Pass as cursor for the next page."}}}}},
              {"required", {"data"}},
              {"additionalProperties", false}};
}

Json annotations(bool read_only, bool destructive, bool idempotent, std::string title) {
  return Json{{"title", std::move(title)},
              {"readOnlyHint", read_only},
              {"destructiveHint", destructive},
              {"idempotentHint", idempotent},
              {"openWorldHint", false}};
}

Tool make(std::string name, Tool::Kind kind, const ResourceSpec* spec, const slab5::RouteEntry& rest, bool write,
          std::string description, Json input, Json output, Json notes) {
  Tool t;
  t.name = name;
  t.kind = kind;
  t.spec = spec;
  t.check = rest;
  t.check.access = slab5::Access::Mcp;
  t.write = write;
  if (write) input["properties"]["dry_run"] = dry_run_schema();
  if (!rest.scope.empty())
    description += " Needs the " + rest.scope + " scope" +
                   (rest.module.empty() ? "" : " and the " + rest.module + " module") + ".";
  Json meta{{"com.slab5/rest_route", rest.label}};
  if (!rest.scope.empty()) meta["com.slab5/required_scope"] = rest.scope;
  if (!rest.module.empty()) meta["com.slab5/module"] = rest.module;
  t.definition = Json{{"name", name},
                      {"title", notes["title"]},
                      {"description", std::move(description)},
                      {"inputSchema", std::move(input)},
                      {"outputSchema", output_object(std::move(output))},
                      {"annotations", std::move(notes)},
                      {"_meta", std::move(meta)}};
  return t;
}

const slab5::RouteEntry& rest_route(const ResourceSpec& spec, std::string_view op) {
  const auto* e = slab5::find_route_by_id(slab5::resource_route_id(spec, op));
  if (!e) throw std::logic_error("no route " + slab5::resource_route_id(spec, op));
  return *e;
}

void add_resource_tools(std::vector<Tool>& out, const ResourceSpec& spec) {
  std::string title(spec.title), singular(spec.singular), plural(spec.plural);
  std::string what = title + " (" + std::string(spec.description) + ")";
  // search_<plural>
  {
    Json props = slab5::api::list_parameters(spec);
    std::vector<std::string_view> filters;
    for (const auto& f : spec.filters) filters.push_back(f.param);
    std::string d = "Search " + title + " records: " + std::string(spec.description) + " Newest first";
    if (spec.order_by == "position")
      d = "List " + title + " records in position order: " + std::string(spec.description);
    d += ". Exact-match filters: " + (filters.empty() ? std::string("none") : join(filters)) + ".";
    if (!spec.text_fields.empty())
      d += " `query` searches " + join(spec.text_fields) + " (whole words and word prefixes, case-insensitive).";
    d += " Up to `limit` (1-100, default 25) per page; pass next_cursor back as `cursor` for more.";
    out.push_back(make("search_" + plural, Tool::Kind::Search, &spec, rest_route(spec, "list"), false, d,
                       input_object(props), list_output(spec),
                       annotations(true, false, true, "Search " + std::string(spec.plural))));
  }
  // get_<singular>
  out.push_back(make("get_" + singular, Tool::Kind::Get, &spec, rest_route(spec, "get"), false,
                     "Read one " + what + " by id, with every field and its version.",
                     input_object({{"id", id_schema(spec)}}, {"id"}), slab5::api::record_schema(spec),
                     annotations(true, false, true, "Get " + title)));
  // create_<singular>
  {
    Json input = slab5::api::create_schema(spec);
    input["properties"].erase("idempotency_key");
    add_workspace_args(input["properties"]);
    std::vector<std::string_view> required;
    for (const auto& f : spec.fields)
      if (f.required && !f.read_only) required.push_back(f.name);
    out.push_back(make("create_" + singular, Tool::Kind::Create, &spec, rest_route(spec, "create"), true,
                       "Create a " + what + ". Required: " + join(required) +
                           ". Every invalid field is reported at once in error.field_errors.",
                       input, slab5::api::record_schema(spec), annotations(false, false, false, "Create " + title)));
  }
  if (!spec.append_only) {
    Json input = slab5::api::patch_schema(spec);
    input["properties"]["id"] = id_schema(spec);
    input["properties"]["expected_version"] =
        Json{{"type", "integer"},
             {"minimum", 1},
             {"description", "Apply only if the record is still at this version (else precondition_failed)."}};
    add_workspace_args(input["properties"]);
    input["required"] = Json::array({"id"});
    out.push_back(make("update_" + singular, Tool::Kind::Update, &spec, rest_route(spec, "update"), true,
                       "Change fields of a " + what +
                           " (a JSON merge patch: absent fields keep their value, null clears an optional one, "
                           "custom_fields merge key by key).",
                       input, slab5::api::record_schema(spec), annotations(false, true, true, "Update " + title)));
    Json deleted{{"type", "object"},
                 {"properties",
                  {{"id", id_schema(spec)},
                   {"deleted", {{"type", "boolean"}, {"description", "false on a dry run."}}},
                   {"dry_run", {{"type", "boolean"}}}}},
                 {"required", {"id", "deleted", "dry_run"}},
                 {"additionalProperties", false}};
    out.push_back(make("delete_" + singular, Tool::Kind::Delete, &spec, rest_route(spec, "delete"), true,
                       "Delete a " + what + ". It is gone from every read; references to it become null" +
                           (spec.delete_guards.empty() ? std::string(".") : " (refused with conflict while in use)."),
                       input_object({{"id", id_schema(spec)}}, {"id"}), deleted,
                       annotations(false, true, true, "Delete " + title)));
  }
  for (const auto& a : spec.actions) {
    if (a.tool.empty()) continue;
    Json input = slab5::api::action_schema(a);
    input["properties"].erase("idempotency_key");
    input["properties"]["id"] = id_schema(spec);
    add_workspace_args(input["properties"]);
    Json req = input.value("required", Json::array());
    req.push_back("id");
    input["required"] = req;
    Json output = slab5::api::record_schema(spec);
    if (!a.returns_record && a.name == "convert") {
      Json deal = slab5::api::record_schema(*slab5::api::find_resource("deals"));
      output = Json{{"type", "object"},
                    {"properties",
                     {{"lead", slab5::api::record_schema(spec)},
                      {"company", slab5::api::record_schema(*slab5::api::find_resource("companies"))},
                      {"contact", slab5::api::record_schema(*slab5::api::find_resource("contacts"))},
                      {"deal", {{"anyOf", {deal, {{"type", "null"}}}}}}}},
                    {"required", {"lead", "company", "contact", "deal"}},
                    {"additionalProperties", false}};
    } else if (!a.returns_record) {
      output = Json{{"type", "object"}};
    }
    Tool t = make(std::string(a.tool), Tool::Kind::Action, &spec, rest_route(spec, a.name), true,
                  std::string(a.description) + " Acts on one " + title + " (id).", input, output,
                  annotations(false, false, false, std::string(a.tool)));
    t.action = &a;
    out.push_back(std::move(t));
  }
  for (const auto* child : slab5::api::children_of(spec.route)) {
    std::string child_route(child->route), parent_field(child->parent_field);
    std::string noun(child->plural);  // "ticket_messages"
    std::string one = noun.substr(0, noun.size() - 1);
    Json pid = id_schema(spec);
    {
      Json props = slab5::api::list_parameters(*child);
      props[parent_field] = pid;
      Tool t = make("list_" + noun, Tool::Kind::ChildList, child, rest_route(spec, child_route + ".list"), false,
                    "List the " + std::string(child->title) + "s of a " + title +
                        ", oldest first: " + std::string(child->description),
                    input_object(props, {parent_field}), list_output(*child),
                    annotations(true, false, true, "List " + std::string(child->title) + "s"));
      t.parent = &spec;
      out.push_back(std::move(t));
    }
    {
      Json input = slab5::api::create_schema(*child);
      input["properties"].erase("idempotency_key");
      input["properties"][parent_field] = pid;
      add_workspace_args(input["properties"]);
      Json req = input.value("required", Json::array());
      req.push_back(parent_field);
      input["required"] = req;
      Tool t =
          make("add_" + one, Tool::Kind::ChildCreate, child, rest_route(spec, child_route + ".create"), true,
               "Add a " + std::string(child->title) + " to a " + title + ": " + std::string(child->description), input,
               slab5::api::record_schema(*child), annotations(false, false, false, "Add " + std::string(child->title)));
      t.parent = &spec;
      out.push_back(std::move(t));
    }
  }
}

std::vector<Tool> build() {
  std::vector<Tool> out;
  for (const auto& spec : slab5::api::resource_table())
    if (!spec.is_child() && spec.served) add_resource_tools(out, spec);
  Json components = slab5::api::control_components();
  Json workspace = components.at("Workspace");
  out.push_back(make("get_workspace", Tool::Kind::Workspace, nullptr, *slab5::find_route_by_id("workspace.get"), false,
                     "The token's workspace: id, slug, name, tenant and enabled modules.", input_object(Json::object()),
                     workspace, annotations(true, false, true, "Get workspace")));
  Json counts{{"type", "object"}, {"additionalProperties", {{"type", "integer"}, {"minimum", 0}}}};
  Json nullable_count{{"type", {"integer", "null"}}, {"minimum", 0}};
  Json summary{
      {"type", "object"},
      {"properties",
       {{"workspace_id", {{"type", "string"}}},
        {"modules",
         {{"type", "object"},
          {"additionalProperties", counts},
          {"description", "Record counts per resource, for each enabled module whose read scope the token holds."}}},
        {"open_tasks", nullable_count},
        {"open_tickets", nullable_count},
        {"usage_today",
         {{"anyOf",
           {{{"type", "object"},
             {"properties",
              {{"requests", {{"type", "integer"}, {"minimum", 0}}}, {"errors", {{"type", "integer"}, {"minimum", 0}}}}},
             {"required", {"requests", "errors"}},
             {"additionalProperties", false}},
            {{"type", "null"}}}},
          {"description", "Requests since 00:00 UTC (null without usage:read)."}}}}},
      {"required", {"workspace_id", "modules", "open_tasks", "open_tickets", "usage_today"}},
      {"additionalProperties", false}};
  slab5::RouteEntry none;
  none.id = "mcp.summary";
  none.label = "POST /mcp/v1";
  out.push_back(make("get_workspace_assistant_summary", Tool::Kind::Summary, nullptr, none, false,
                     "A first look at the workspace for an assistant: record counts per enabled module, open tasks, "
                     "open tickets and today's usage. Parts the token's scopes cannot read are null or left out.",
                     input_object(Json::object()), summary, annotations(true, false, true, "Workspace summary")));
  return out;
}

}  // namespace

const Json& error_object_schema() {
  // The error object of api.md §1 (the OpenAPI document's Error, without its $refs).
  static const Json schema = [] {
    Json field_error{{"type", "object"},
                     {"properties", {{"field", {{"type", "string"}}}, {"message", {{"type", "string"}}}}},
                     {"required", {"field", "message"}}};
    Json props{{"code", {{"type", "string"}}},
               {"message", {{"type", "string"}}},
               {"request_id", {{"type", "string"}}},
               {"docs_url", {{"type", "string"}}},
               {"required_scope", {{"type", "string"}}},
               {"required_role", {{"type", "string"}}},
               {"module", {{"type", "string"}}},
               {"field_errors", {{"type", "array"}, {"items", field_error}}},
               {"retry_after_seconds", {{"type", "integer"}, {"minimum", 0}}}};
    return Json{{"type", "object"}, {"properties", props}, {"required", {"code", "message", "request_id", "docs_url"}}};
  }();
  return schema;
}

const std::vector<Tool>& tools() {
  static const std::vector<Tool> t = build();
  return t;
}

const Tool* find_tool(std::string_view name) {
  static const auto index = [] {
    std::unordered_map<std::string_view, const Tool*> m;
    for (const auto& t : tools()) m.emplace(t.name, &t);
    return m;
  }();
  auto it = index.find(name);
  return it == index.end() ? nullptr : it->second;
}

}  // namespace slab5d::mcp
