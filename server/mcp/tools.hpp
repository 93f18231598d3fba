// The MCP tools of slab5d (api.md §8.5), generated from the resource table: search_/get_/
// create_/update_/delete_ per resource, the resource actions (convert_lead, complete_task, …),
// a ticket's messages and comments, get_workspace and get_workspace_assistant_summary. Each
// tool carries the REST route it runs — its module and scope, checked per call by the same
// slab5::first_refusal as REST — and its tools/list entry (description, input and output JSON
// Schemas, annotations, _meta).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "slab5/api/resources.hpp"
#include "slab5/json_util.hpp"
#include "slab5/routes.hpp"

namespace slab5d::mcp {

struct Tool {
  enum class Kind { Search, Get, Create, Update, Delete, Action, ChildList, ChildCreate, Workspace, Summary };
  std::string name;  // "search_contacts"
  Kind kind = Kind::Get;
  const slab5::api::ResourceSpec* spec = nullptr;    // the resource (a child's own spec for Child*)
  const slab5::api::ResourceSpec* parent = nullptr;  // Child*: the parent resource
  const slab5::api::ActionSpec* action = nullptr;    // Action
  // The REST route's requirements with access `mcp`: what first_refusal checks for a call.
  slab5::RouteEntry check;
  bool write = false;      // takes dry_run; audited
  slab5::Json definition;  // the tools/list entry
};

// Every tool, in a stable order (resources in table order, then the workspace tools).
const std::vector<Tool>& tools();
const Tool* find_tool(std::string_view name);

// The REST error object's JSON Schema: structuredContent.error of a refused call.
const slab5::Json& error_object_schema();

}  // namespace slab5d::mcp
