// Small helpers over nlohmann::json for reading request bodies with typed errors.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "slab5/error.hpp"

namespace slab5 {

using Json = nlohmann::json;

// How deeply arrays and objects may nest in JSON that comes from outside the process.
inline constexpr int kMaxJsonDepth = 64;

// The deepest nesting of arrays and objects in `text` (a top-level object is 1), counting
// '[' and '{' outside strings, in one pass without recursion or allocation. Stops at the
// first point deeper than `limit` and returns limit + 1. Says nothing about validity.
int json_nesting_depth(std::string_view text, int limit = kMaxJsonDepth);

// The one parser for JSON from the network: request bodies, the parts of a JWT, a JWKS.
// Refuses nesting deeper than kMaxJsonDepth before nlohmann sees the text, so that nothing
// done with the result later (copy, dump, compare, strip, destroy) recurses deeper than
// that; then refuses what is not JSON. Both are invalid_request, and `what` ("The request
// body") starts the message, which never echoes the text.
Result<Json> parse_json(std::string_view text, std::string_view what = "The request body");

// The JSON text `text` as a value (json_parse.cpp): true and `out` set when it is JSON, false
// and `out` untouched when not. Accepts, refuses and builds what nlohmann's Json::parse does,
// faster, except that a NUL byte is refused rather than read as the end of the input;
// iterative, so any depth is safe to parse (not to use: see above).
bool parse_json_value(std::string_view text, Json& out);

// Field readers for request bodies. Missing → nullopt (or validation error when required);
// present with the wrong type → validation_failed naming the field.
Result<std::optional<std::string>> opt_string(const Json& body, const char* field);
Result<std::string> req_string(const Json& body, const char* field);
Result<std::optional<std::int64_t>> opt_int(const Json& body, const char* field);
Result<std::optional<bool>> opt_bool(const Json& body, const char* field);
Result<std::optional<std::vector<std::string>>> opt_string_array(const Json& body, const char* field);

// Lenient readers for JSON whose shape is not ours to trust (a server's response, the claims
// of a token, a JWK, a stored document): the member `key` of the object `j` when it is there
// with the right type, else `fallback`. Unlike nlohmann's value(), never throw on a member of
// another type (`{"code": 5}`) or on a `j` that is not an object.
std::string string_or(const Json& j, std::string_view key, std::string_view fallback = {});
std::int64_t int_or(const Json& j, std::string_view key, std::int64_t fallback);
bool bool_or(const Json& j, std::string_view key, bool fallback);

}  // namespace slab5
