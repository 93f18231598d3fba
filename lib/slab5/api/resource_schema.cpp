// JSON Schema derived from the resource table.
#include "slab5/api/resource_schema.hpp"

namespace slab5::api {

using Json = nlohmann::json;

namespace {

Json nullable(Json schema) {
  if (schema.contains("type") && schema["type"].is_string()) {
    schema["type"] = Json::array({schema["type"], "null"});
    // An enum limits the value on its own: null must be one of its values too.
    if (schema.contains("enum")) schema["enum"].push_back(nullptr);
  } else if (schema.contains("enum")) {
    schema["enum"].push_back(nullptr);
  } else {
    schema = Json{{"anyOf", Json::array({schema, Json{{"type", "null"}}})}};
  }
  return schema;
}

Json string_schema(std::int64_t max, std::string_view format = {}) {
  Json s{{"type", "string"}, {"maxLength", max}};
  if (!format.empty()) s["format"] = format;
  return s;
}

std::string charset_regex(std::string_view charset, std::int64_t min, std::int64_t max) {
  // A literal '-' goes last, where it cannot form a range.
  std::string out;
  bool dash_literal = false;
  for (std::size_t i = 0; i < charset.size(); ++i) {
    if (i + 2 < charset.size() && charset[i + 1] == '-') {
      out += charset.substr(i, 3);
      i += 2;
    } else if (charset[i] == '-') {
      dash_literal = true;
    } else {
      out += charset[i];
    }
  }
  if (dash_literal) out += "-";
  return "^[" + out + "]{" + std::to_string(min) + "," + std::to_string(max) + "}$";
}

Json custom_fields_schema(bool allow_null) {
  Json value{{"type", allow_null ? Json::array({"string", "number", "boolean", "null"})
                                 : Json::array({"string", "number", "boolean"})}};
  return Json{{"type", "object"},
              {"description",
               "Up to 50 custom keys ([a-z][a-z0-9_]{0,39}) with string (≤ 2,000 chars), number or "
               "boolean values; at most 16 KiB in all."},
              {"maxProperties", kMaxCustomFields},
              {"propertyNames", {{"pattern", "^[a-z][a-z0-9_]{0,39}$"}}},
              {"additionalProperties", value}};
}

Json actor_schema() {
  return Json{{"type", "object"},
              {"properties", {{"type", {{"type", "string"}}}, {"id", {{"type", "string"}}}}},
              {"required", {"type", "id"}}};
}

Json idempotency_key_schema() {
  return Json{{"type", "string"},
              {"minLength", 1},
              {"maxLength", 255},
              {"description", "Makes the call safe to retry (kept 24 hours)."}};
}

}  // namespace

Json field_schema(const FieldSpec& f) {
  Json s;
  auto max = f.effective_max_len();
  switch (f.type) {
    case FieldType::Text:
    case FieldType::LongText:
      s = string_schema(max);
      break;
    case FieldType::Email:
      s = string_schema(max, "email");
      break;
    case FieldType::Url:
      s = string_schema(max, "uri");
      break;
    case FieldType::Hostname:
      s = string_schema(max, "hostname");
      break;
    case FieldType::Integer:
      s = Json{{"type", "integer"}, {"minimum", f.min}};
      if (f.max > 0) s["maximum"] = f.max;
      break;
    case FieldType::Boolean:
      s = Json{{"type", "boolean"}};
      break;
    case FieldType::Time:
      s = Json{{"type", "string"}, {"format", "date-time"}};
      break;
    case FieldType::Date:
      s = Json{{"type", "string"}, {"format", "date"}};
      break;
    case FieldType::Enum: {
      s = Json{{"type", "string"}, {"enum", Json::array()}};
      for (auto v : f.values) s["enum"].push_back(v);
      break;
    }
    case FieldType::Currency:
      s = Json{{"type", "string"}, {"pattern", "^[A-Z]{3}$"}};
      break;
    case FieldType::Pattern:
      s = Json{{"type", "string"}, {"pattern", charset_regex(f.charset, f.min_len, max)}};
      break;
    case FieldType::Reference: {
      const auto* target = find_resource(f.references);
      s = Json{{"type", "string"}, {"pattern", "^" + std::string(target ? target->id_prefix : "") + "_[0-9a-z]{26}$"}};
      break;
    }
    case FieldType::Member:
      s = Json{{"type", "string"}, {"pattern", "^usr_[0-9a-z]{26}$"}};
      break;
    case FieldType::Related:
      s = Json{{"type", "string"}, {"pattern", "^(con|cmp|lead|deal|tkt)_[0-9a-z]{26}$"}};
      break;
    case FieldType::Object:
      s = Json{{"type", "object"}};
      break;
  }
  if (!f.description.empty()) s["description"] = f.description;
  return s;
}

Json record_schema(const ResourceSpec& spec) {
  Json props{
      {"id", {{"type", "string"}, {"pattern", "^" + std::string(spec.id_prefix) + "_[0-9a-z]{26}$"}}},
      {"workspace_id", {{"type", "string"}}},
      {"tenant_id", {{"type", "string"}}},
      {"created_at", {{"type", "string"}, {"format", "date-time"}}},
      {"updated_at", {{"type", "string"}, {"format", "date-time"}}},
      {"version", {{"type", "integer"}, {"minimum", 1}}},
      {"source", {{"type", "string"}, {"enum", {"api", "mcp", "admin"}}}},
      {"created_by", actor_schema()},
      {"last_agent_actor_id", {{"type", {"string", "null"}}}},
      {"custom_fields", custom_fields_schema(false)},
  };
  Json required = Json::array();
  for (auto name : record_fields()) required.push_back(name);
  if (spec.is_child()) {
    props[std::string(spec.parent_field)] = Json{{"type", "string"}};
    required.push_back(spec.parent_field);
  }
  for (const auto& f : spec.fields) {
    auto s = field_schema(f);
    // A required field is always set; every other may be null on a record.
    // A resource field that shares a record field's name (a lead's `source`) takes its place.
    bool redefines = props.contains(f.name);
    props[std::string(f.name)] = f.required ? s : nullable(s);
    if (!redefines) required.push_back(f.name);
  }
  return Json{{"type", "object"},    {"title", spec.title},  {"description", spec.description},
              {"properties", props}, {"required", required}, {"additionalProperties", false}};
}

Json create_schema(const ResourceSpec& spec) {
  Json props = Json::object();
  Json required = Json::array();
  for (const auto& f : spec.fields) {
    if (f.read_only) continue;
    auto s = field_schema(f);
    if (f.type == FieldType::Enum && !f.create_values.empty()) {
      s["enum"] = Json::array();
      for (auto v : f.create_values) s["enum"].push_back(v);
    }
    if (!f.default_value.empty()) s["default"] = Json::parse(f.default_value);
    props[std::string(f.name)] = s;
    if (f.required) required.push_back(f.name);
  }
  props["custom_fields"] = custom_fields_schema(false);
  props["idempotency_key"] = idempotency_key_schema();
  Json out{{"type", "object"}, {"properties", props}};
  if (!required.empty()) out["required"] = required;
  return out;
}

Json patch_schema(const ResourceSpec& spec) {
  Json props = Json::object();
  for (const auto& f : spec.fields) {
    if (f.read_only || f.create_only) continue;
    auto s = field_schema(f);
    if (f.type == FieldType::Enum && !f.create_values.empty()) {
      s["enum"] = Json::array();
      for (auto v : f.create_values) s["enum"].push_back(v);
    }
    props[std::string(f.name)] = f.required ? s : nullable(s);
  }
  props["custom_fields"] = nullable(custom_fields_schema(true));
  return Json{{"type", "object"}, {"properties", props}, {"minProperties", 0}};
}

Json action_schema(const ActionSpec& action) {
  Json props = Json::object();
  Json required = Json::array();
  for (const auto& f : action.input) {
    props[std::string(f.name)] = field_schema(f);
    if (f.required) required.push_back(f.name);
  }
  if (action.creates) props["idempotency_key"] = idempotency_key_schema();
  Json out{{"type", "object"}, {"properties", props}};
  if (!required.empty()) out["required"] = required;
  return out;
}

Json list_parameters(const ResourceSpec& spec) {
  Json p = Json::object();
  p["limit"] = Json{{"type", "integer"}, {"minimum", 1}, {"maximum", 100}, {"default", 25}};
  p["cursor"] = Json{{"type", "string"}, {"description", "next_cursor of the previous page."}};
  if (spec.is_child()) return p;
  for (const auto& flt : spec.filters) {
    const auto* f = spec.field(flt.field);
    Json s = f ? field_schema(*f) : Json{{"type", "string"}};
    if (flt.kind != FilterSpec::Kind::Exact)
      s = Json{{"type", "string"}, {"description", "A time or a relative form (15m, 7d)."}};
    p[std::string(flt.param)] = s;
  }
  for (auto name : {"created_after", "created_before", "updated_since"})
    p[name] = Json{{"type", "string"}, {"description", "A time or a relative form (15m, 1h, 7d)."}};
  if (!spec.text_fields.empty())
    p["query"] = Json{{"type", "string"},
                      {"maxLength", 200},
                      {"description", "Case-insensitive search over whole words and word prefixes."}};
  p["sort"] = Json{{"type", "string"}, {"enum", {"-created_at", "created_at", "-updated_at", "updated_at"}}};
  return p;
}

}  // namespace slab5::api
