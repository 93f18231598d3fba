// Assertions every integration test uses on API answers.
#pragma once
#include <doctest/doctest.h>

#include <string>

#include "harness.hpp"

namespace testing {

// An error answer per api.md §1: the status, the envelope's code, and its request_id equal to
// the x-request-id header.
inline void check_error(const Response& r, long status, const std::string& code) {
  INFO(r.body);
  CHECK(r.status == status);
  REQUIRE(r.json.is_object());
  REQUIRE(r.json.contains("error"));
  CHECK(r.json["error"]["code"] == code);
  CHECK(r.json["error"]["request_id"] == r.header("x-request-id"));
}

}  // namespace testing
