#include "slab5/json_util.hpp"

namespace slab5 {

Result<Json> parse_json(std::string_view text) {
  auto j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) return fail("invalid_request", "The request body is not valid JSON.");
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

}  // namespace slab5
