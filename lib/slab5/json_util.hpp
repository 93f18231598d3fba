// Small helpers over nlohmann::json for reading request bodies with typed errors.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "slab5/error.hpp"

namespace slab5 {

using Json = nlohmann::json;

// Parses JSON; a parse failure is invalid_request (the message never echoes the body).
Result<Json> parse_json(std::string_view text);

// Field readers for request bodies. Missing → nullopt (or validation error when required);
// present with the wrong type → validation_failed naming the field.
Result<std::optional<std::string>> opt_string(const Json& body, const char* field);
Result<std::string> req_string(const Json& body, const char* field);
Result<std::optional<std::int64_t>> opt_int(const Json& body, const char* field);
Result<std::optional<bool>> opt_bool(const Json& body, const char* field);
Result<std::optional<std::vector<std::string>>> opt_string_array(const Json& body, const char* field);

}  // namespace slab5
