#include "slab5/json_util.hpp"
#include <cstdint>

namespace slab5 {

int json_nesting_depth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0, n = text.size(); i < n; ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // the escaped character, whatever it is, cannot end the string
      else if (c == '"')
        in_string = false;
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > deepest) {
          deepest = depth;
          if (deepest > limit) return limit + 1;
        }
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return deepest;
}

Result<Json> parse_json(std::string_view text, std::string_view what) {
  // nlohmann parses without recursion, but copying, dumping, comparing a value recurse
  // once per level: the depth is bounded first, in linear time.
  if (json_nesting_depth(text) > kMaxJsonDepth)
    return fail("invalid_request", std::string(what) + " nests arrays and objects deeper than " +
                                       std::to_string(kMaxJsonDepth) + " levels.");
  Json j;
  if (!parse_json_value(text, j)) return fail("invalid_request", std::string(what) + " is not valid JSON.");
  return j;
}

Result<std::optional<std::string>> opt_string(const Json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::optional<std::string>{};
  if (!it->is_string()) return tl::unexpected(validation_error(field, "must be a string"));
  return std::optional<std::string>{it->get<std::string>()};
}

Result<std::string> req_string(const Json& body, const char* field) {
  auto v = opt_string(body, field);
  if (!v) return tl::unexpected(v.error());
  if (!*v) return tl::unexpected(validation_error(field, "is required"));
  return **v;
}

Result<std::optional<std::int64_t>> opt_int(const Json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::optional<std::int64_t>{};
  if (!it->is_number_integer()) return tl::unexpected(validation_error(field, "must be an integer"));
  return std::optional<std::int64_t>{it->get<std::int64_t>()};
}

Result<std::optional<bool>> opt_bool(const Json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::optional<bool>{};
  if (!it->is_boolean()) return tl::unexpected(validation_error(field, "must be a boolean"));
  return std::optional<bool>{it->get<bool>()};
}

Result<std::optional<std::vector<std::string>>> opt_string_array(const Json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::optional<std::vector<std::string>>{};
  if (!it->is_array()) return tl::unexpected(validation_error(field, "must be an array of strings"));
  std::vector<std::string> out;
  for (const auto& v : *it) {
    if (!v.is_string()) return tl::unexpected(validation_error(field, "must be an array of strings"));
    out.push_back(v.get<std::string>());
  }
  return std::optional<std::vector<std::string>>{std::move(out)};
}

std::string string_or(const Json& j, std::string_view key, std::string_view fallback) {
  if (!j.is_object()) return std::string(fallback);
  auto it = j.find(std::string(key));
  if (it == j.end() || !it->is_string()) return std::string(fallback);
  return it->get<std::string>();
}

std::int64_t int_or(const Json& j, std::string_view key, std::int64_t fallback) {
  if (!j.is_object()) return fallback;
  auto it = j.find(std::string(key));
  if (it == j.end() || !it->is_number_integer()) return fallback;
  if (it->is_number_unsigned() && it->get<std::uint64_t>() > std::uint64_t(INT64_MAX)) return fallback;
  return it->get<std::int64_t>();
}

bool bool_or(const Json& j, std::string_view key, bool fallback) {
  if (!j.is_object()) return fallback;
  auto it = j.find(std::string(key));
  return it != j.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

}  // namespace slab5
