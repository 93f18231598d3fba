// The app-plane resource table (api.md §8.1, §8.2): every Slab5 resource described once —
// route, id prefix, module, event name, fields with their types and limits, filters, text
// fields, sort, children, actions and delete rules. Storage, validation, routes, events,
// the OpenAPI document, MCP tools, CLI commands and docs/resources.md are derived from it.
//
// Adding a resource is one entry in kResources (resources.cpp); a rule that a field table
// cannot say (lead conversion, deal outcomes, CMS slugs, the asset upload protocol) is a
// named action or hook beside the table, never a second description of the fields.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace slab5::api {

enum class FieldType {
  Text,      // a string up to max_len (default 200)
  LongText,  // a string up to max_len (default 10,000)
  Email,     // an address: local@domain.tld
  Url,       // an absolute http(s) URL
  Hostname,  // example.com
  Integer,   // a whole number ≥ min (and ≤ max when max > 0)
  Boolean,
  Time,       // RFC 3339
  Date,       // YYYY-MM-DD
  Enum,       // one of `values`
  Currency,   // ISO 4217 code, upper case
  Pattern,    // a string of `charset` characters, min_len … max_len long
  Reference,  // the id of a record of `references` in the same workspace
  Member,     // the id (usr_…) of a member of the workspace
  Related,    // related_resource_id: a record of the type named by related_resource_type
  Object,     // a JSON object up to max_len bytes serialised
};

std::string_view field_type_name(FieldType t);

struct FieldSpec {
  std::string_view name;
  FieldType type = FieldType::Text;
  std::string_view description;
  bool required = false;                        // on create; clearing it with null in a PATCH is refused
  bool read_only = false;                       // set by the server only (status of a deal, converted_at, …)
  bool create_only = false;                     // may be given on create, never changed after
  std::int64_t max_len = 0;                     // strings: characters (0 = the type's default); Object: bytes
  std::int64_t min_len = 1;                     // Pattern only
  std::int64_t min = 0;                         // Integer
  std::int64_t max = 0;                         // Integer (0 = no maximum)
  std::vector<std::string_view> values;         // Enum
  std::string_view charset;                     // Pattern: the allowed characters ("a-z0-9-": ranges allowed)
  std::string_view references;                  // Reference: the route of the referenced resource
  std::string_view default_value;               // JSON text of the default on create ("" = none)
  std::string_view default_rule;                // a named default computed at create ("first_open_stage",
                                                // "now", "last_position", "slug_from_title")
  std::vector<std::string_view> create_values;  // Enum: the values a client may set
                                                // (empty = all); the rest come from actions

  std::int64_t effective_max_len() const;
};

// A list filter: an exact match on a field, or a bound on a time field.
struct FilterSpec {
  std::string_view param;  // query parameter
  std::string_view field;  // column it reads
  enum class Kind { Exact, Before, After } kind = Kind::Exact;
};

// An action: POST /v1/<route>/{id}/<name>.
struct ActionSpec {
  std::string_view name;   // "convert"
  std::string_view event;  // "lead.converted"
  std::string_view tool;   // MCP tool name ("convert_lead")
  std::string_view description;
  std::vector<FieldSpec> input;  // the body's fields (all optional unless required)
  bool returns_record = true;    // false: the action answers its own object (convert)
  bool creates = false;          // makes records (convert): takes idempotency keys (api.md §1)
};

// A record that references this one and must not be left dangling: deleting is refused
// (409) while any exists. References not listed here are set to null on delete.
struct DeleteGuard {
  std::string_view route;  // "deals"
  std::string_view field;  // "stage_id"
};

struct ResourceSpec {
  std::string_view route;      // "contacts"; for a child, its path segment ("messages")
  std::string_view id_prefix;  // "con"
  std::string_view module;     // "crm"
  std::string_view scope;      // "crm" (scopes are <scope>:read / <scope>:write)
  std::string_view singular;   // "contact": events and audit actions, MCP tool names
  std::string_view plural;     // "contacts": MCP search tool, CLI command (snake_case)
  std::string_view title;      // "Contact"
  std::string_view description;
  std::vector<FieldSpec> fields;
  std::vector<FilterSpec> filters;
  std::vector<std::string_view> text_fields;  // searched by ?query=
  bool append_only = false;                   // PATCH and DELETE are 405
  std::string_view order_by;                  // "" = newest first by id; "position" = by that field
  std::vector<DeleteGuard> delete_guards;
  std::vector<std::string_view> unique_key;  // fields unique together in a workspace (409)
  std::vector<ActionSpec> actions;
  std::string_view parent;        // children: the parent's route ("support-tickets")
  std::string_view parent_field;  // children: the column holding the parent id ("ticket_id")
  std::string_view example;       // a create body for the docs and the CLI help (JSON text)
  std::string_view initial;       // records every workspace starts with (JSON array of fields)
  bool served = true;             // slab5d serves its routes (false: described, not served yet)

  const FieldSpec* field(std::string_view name) const;
  bool is_child() const { return !parent.empty(); }
  std::string table_name() const;  // "contacts", "deal_stages", "support_ticket_messages"
};

std::span<const ResourceSpec> resource_table();
const ResourceSpec* find_resource(std::string_view route);         // top-level or child route
const ResourceSpec* find_resource_by_prefix(std::string_view id);  // "con_…" → contacts
const ResourceSpec* find_child(std::string_view parent_route, std::string_view child_route);
std::vector<const ResourceSpec*> children_of(std::string_view parent_route);

// The fields every record has (api.md §8.1), in the order records are written.
std::span<const std::string_view> record_fields();

// custom_fields limits (api.md §8.1).
inline constexpr std::size_t kMaxCustomFields = 50;
inline constexpr std::size_t kMaxCustomFieldBytes = 16 * 1024;
inline constexpr std::size_t kMaxCustomStringChars = 2000;

bool is_currency_code(std::string_view code);

}  // namespace slab5::api
