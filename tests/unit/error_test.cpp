// Unit tests for lib/slab5: the error envelope and code table.
#include <doctest/doctest.h>

#include "slab5/error.hpp"
#include "slab5/token.hpp"

using namespace slab5;

TEST_CASE("the error envelope has code, message, extras, request id and docs url") {
  Error e{"missing_required_scope", "", {{"required_scope", "crm:write"}}};
  auto j = error_envelope(e, "req_x");
  CHECK(j["error"]["code"] == "missing_required_scope");
  CHECK(j["error"]["required_scope"] == "crm:write");
  CHECK(j["error"]["request_id"] == "req_x");
  CHECK(j["error"]["docs_url"] == "https://docs.slab5.com/api/errors#missing_required_scope");
  CHECK(j["error"]["message"] == "The token does not include the scope required for this operation.");
  CHECK(e.http_status() == 403);
  CHECK(error_info("rate_limited").exit_code == 6);
  CHECK(error_info("no_such_code").code == "internal_error");
  auto v = validation_error("name", "is required");
  CHECK(v.http_status() == 422);
  CHECK(v.extra["field_errors"][0]["field"] == "name");
}

TEST_CASE("every error code has an HTTP status and an exit code") {
  for (const auto& e : error_table()) {
    CHECK(e.http_status >= 400);
    CHECK(e.exit_code >= 1);
    CHECK(!e.message.empty());
  }
}
