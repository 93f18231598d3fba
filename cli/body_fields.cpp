#include "body_fields.hpp"

#include <cctype>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace slab5cli {

using Json = nlohmann::json;

tl::expected<std::string, std::string> read_input(const std::string& source) {
  if (source == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::ifstream in(source, std::ios::binary);
  if (!in) return tl::unexpected("cannot read " + source);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

tl::expected<Json, std::string> typed_value(const std::string& v) {
  if (v == "true") return Json(true);
  if (v == "false") return Json(false);
  if (v == "null") return Json(nullptr);
  if (!v.empty() && v[0] == '@') {
    auto content = read_input(v.substr(1));
    if (!content) return tl::unexpected(content.error());
    return Json(*content);
  }
  if (!v.empty() && (std::isdigit((unsigned char)v[0]) || ((v[0] == '-' || v[0] == '.') && v.size() > 1))) {
    auto j = Json::parse(v, nullptr, false);
    if (!j.is_discarded() && j.is_number()) return j;
  }
  return Json(v);
}

tl::expected<void, std::string> add_field(Json& body, const std::string& spec, bool typed) {
  auto eq = spec.find('=');
  if (eq == std::string::npos || eq == 0) return tl::unexpected("field '" + spec + "' must be key=value");
  std::string key = spec.substr(0, eq);
  Json value;
  if (typed) {
    auto v = typed_value(spec.substr(eq + 1));
    if (!v) return tl::unexpected(v.error());
    value = *v;
  } else {
    value = spec.substr(eq + 1);
  }
  if (key.size() > 2 && key.ends_with("[]")) {
    key.resize(key.size() - 2);
    if (!body.contains(key)) body[key] = Json::array();
    if (!body[key].is_array()) return tl::unexpected("field '" + key + "' is both a value and an array");
    body[key].push_back(value);
  } else {
    body[key] = value;
  }
  return {};
}

}  // namespace slab5cli
