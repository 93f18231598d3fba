// Unit tests for lib/slab5/json_util: the network JSON parser and the field readers.
#include <doctest/doctest.h>

#include <string>

#include "slab5/json_util.hpp"

using namespace slab5;

TEST_CASE("lenient readers return the member only when it has the asked type") {
  Json j = {{"s", "text"}, {"n", 5}, {"big", std::uint64_t(1) << 63}, {"f", 1.5}, {"b", true}, {"z", nullptr}};
  CHECK(string_or(j, "s") == "text");
  CHECK(string_or(j, "n").empty());  // nlohmann's value("n", "") throws type_error here
  CHECK(string_or(j, "missing", "?") == "?");
  CHECK(string_or(j, "z", "dflt") == "dflt");
  CHECK(int_or(j, "n", 0) == 5);
  CHECK(int_or(j, "s", 7) == 7);
  CHECK(int_or(j, "f", 7) == 7);    // a fraction is not an integer
  CHECK(int_or(j, "big", 7) == 7);  // beyond int64 is refused, not wrapped negative
  CHECK(bool_or(j, "b", false));
  CHECK(bool_or(j, "n", false) == false);  // 5 is not true
  for (const Json& not_object : {Json(nullptr), Json("x"), Json::array({1, 2}), Json(3)}) {
    CHECK(string_or(not_object, "s", "f") == "f");
    CHECK(int_or(not_object, "n", 9) == 9);
    CHECK(bool_or(not_object, "b", true));
  }
}

TEST_CASE("the network parser refuses depth past the limit before parsing, and never echoes the text") {
  std::string deep(kMaxJsonDepth + 1, '[');
  deep += std::string(kMaxJsonDepth + 1, ']');
  auto r = parse_json(deep, "The request body");
  REQUIRE(!r);
  CHECK(r.error().code == "invalid_request");
  std::string ok(kMaxJsonDepth, '[');
  ok += std::string(kMaxJsonDepth, ']');
  CHECK(parse_json(ok).has_value());
  auto bad = parse_json("{\"secret\": sk_live_abc", "The token");
  REQUIRE(!bad);
  CHECK(bad.error().message.find("sk_live_abc") == std::string::npos);
  CHECK(bad.error().message.rfind("The token", 0) == 0);
}

TEST_CASE("a body with a NUL byte after its JSON is refused, not cut short at the NUL") {
  // nlohmann read `{"name":"x"}` NUL `…` as {"name":"x"}; the network parser refuses it.
  auto r = parse_json(std::string("{\"name\":\"x\"}\0{\"role\":\"owner\"}", 29), "The request body");
  REQUIRE(!r);
  CHECK(r.error().code == "invalid_request");
  CHECK(r.error().message == "The request body is not valid JSON.");
  CHECK(parse_json("{\"name\":\"x\"}").has_value());
}
