// cli/jq_filter: gh's --jq output rules on libjq.
#include <doctest/doctest.h>

#include "jq_filter.hpp"

using slab5cli::jq_apply;
using slab5cli::jq_compile_error;

TEST_CASE("jq results print one per line: strings raw, the rest compact JSON") {
  nlohmann::json in = {{"id", "wrk_1"}, {"n", 1.1}, {"list", {1, "a", nullptr}}, {"obj", {{"k", true}}}};
  auto r = jq_apply(".id, .n, .list, .obj, .list[]", in);
  REQUIRE(r);
  std::vector<std::string> want = {"wrk_1", "1.1", "[1,\"a\",null]", "{\"k\":true}", "1", "a", "null"};
  CHECK(*r == want);
}

TEST_CASE("a string with a newline is printed raw, as gh does") {
  auto r = jq_apply(".s", nlohmann::json{{"s", "two\nlines"}});
  REQUIRE(r);
  CHECK(r->at(0) == "two\nlines");
}

TEST_CASE("a filter with no output prints nothing") {
  auto r = jq_apply("empty", nlohmann::json::array());
  REQUIRE(r);
  CHECK(r->empty());
}

TEST_CASE("a filter that does not compile is a compile failure with jq's message") {
  CHECK(jq_compile_error(".a") == "");
  auto msg = jq_compile_error(".a |||");
  CHECK(msg.find("syntax error") != std::string::npos);
  auto r = jq_apply(".a |||", nlohmann::json::object());
  REQUIRE(!r);
  CHECK(r.error().compile);
  CHECK(r.error().message.find("compile error") != std::string::npos);
}

TEST_CASE("a runtime error is not a compile failure and names jq's reason") {
  auto r = jq_apply(".a.b", nlohmann::json{{"a", "text"}});
  REQUIRE(!r);
  CHECK(!r.error().compile);
  CHECK(r.error().message.find("Cannot index string") != std::string::npos);
}

TEST_CASE("error() in the filter reports its message") {
  auto r = jq_apply("error(\"boom\")", nlohmann::json::object());
  REQUIRE(!r);
  CHECK(r.error().message.find("boom") != std::string::npos);
}
