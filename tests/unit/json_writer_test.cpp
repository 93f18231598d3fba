// append_json must write exactly what nlohmann's dump(-1, ' ', false, replace) writes.
#include <doctest/doctest.h>

#include <limits>

#include "slab5/json_writer.hpp"

using slab5::Json;

namespace {
std::string fast(const Json& v) {
  std::string out = "prefix:";
  slab5::append_json(out, v);
  return out.substr(7);
}
std::string reference(const Json& v) { return v.dump(-1, ' ', false, Json::error_handler_t::replace); }
}  // namespace

TEST_CASE("append_json matches dump for every kind of value") {
  std::vector<Json> cases = {
      Json::object(),
      Json::array(),
      nullptr,
      true,
      false,
      0,
      -42,
      std::numeric_limits<std::int64_t>::min(),
      std::numeric_limits<std::uint64_t>::max(),
      1.5,
      0.1,
      1e300,
      -0.0,
      "",
      "plain ascii",
      "quote \" backslash \\ slash /",
      "controls \b\f\n\r\t \x01 \x1f and DEL \x7f",
      "unicode é ✓ 😀",
      std::string("bad utf-8 \xff\xfe end"),
      Json{{"b", 1}, {"a", {1, 2.25, "x"}}, {"c", {{"nested", nullptr}}}, {"é", "key"}, {"q\"", true}},
      Json::parse(R"({"data":{"id":"wrk_1","enabled_modules":["crm","tasks"],"n":[],"o":{}}})"),
  };
  for (const auto& v : cases) {
    CAPTURE(reference(v));
    CHECK(fast(v) == reference(v));
  }
}
