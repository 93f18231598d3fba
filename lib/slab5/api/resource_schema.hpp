// JSON Schema (2020-12) for app-plane records and their inputs, derived from the resource
// table: what the OpenAPI document, the MCP tools' input/output schemas and
// GET /v1/event-types publish, so none of them can drift from the validation.
#pragma once
#include <nlohmann/json.hpp>

#include "slab5/api/resources.hpp"

namespace slab5::api {

// One field's value (without null).
nlohmann::json field_schema(const FieldSpec& f);
// A record as the API returns it: record fields + the resource's fields, all present.
nlohmann::json record_schema(const ResourceSpec& spec);
// A create body: writable fields, the required ones required, custom_fields, idempotency_key.
nlohmann::json create_schema(const ResourceSpec& spec);
// A merge-patch body: mutable fields, null allowed on the optional ones.
nlohmann::json patch_schema(const ResourceSpec& spec);
// An action's body.
nlohmann::json action_schema(const ActionSpec& action);
// The query parameters of the list route: name → schema.
nlohmann::json list_parameters(const ResourceSpec& spec);

}  // namespace slab5::api
