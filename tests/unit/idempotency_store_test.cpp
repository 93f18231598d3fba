// Unit tests for the idempotency key table (server/store/sqlite/idempotency_store.cpp): the
// steps idempotency.cpp's claim, release and store are made of.
#include <doctest/doctest.h>

#include "store/sqlite/idempotency_store.hpp"
#include "temp_db.hpp"

using namespace slab5d;

TEST_CASE("a key is added once, holds its answer, and only a running key is released") {
  testing::TempDb t;
  SqliteIdempotencyStore keys(*t.db);
  IdempotencyScope s{"key_1", "POST /v1/contacts", "k-1"};
  REQUIRE(keys.get(s).value() == std::nullopt);
  CHECK(keys.insert_running(s, "fp-a", 1000).value() == true);
  CHECK(keys.insert_running(s, "fp-b", 1001).value() == false);  // the first claim stands
  auto row = keys.get(s).value();
  REQUIRE(row);
  CHECK(row->fingerprint == "fp-a");
  CHECK(row->status == 0);
  CHECK_FALSE(row->response);

  REQUIRE(keys.complete(s, 201, R"({"data":{"id":"con_1"}})"));
  REQUIRE(keys.release(s));  // a finished key is not released
  row = keys.get(s).value();
  REQUIRE(row);
  CHECK(row->status == 201);
  CHECK(row->response == R"({"data":{"id":"con_1"}})");

  IdempotencyScope other{"key_1", "POST /v1/contacts", "k-2"};
  REQUIRE(keys.insert_running(other, "fp", 1000).value());
  REQUIRE(keys.release(other));
  CHECK(keys.get(other).value() == std::nullopt);
}

TEST_CASE("keys are scoped by credential and route, and expire by age") {
  testing::TempDb t;
  SqliteIdempotencyStore keys(*t.db);
  IdempotencyScope a{"key_1", "POST /v1/contacts", "same"}, b{"key_2", "POST /v1/contacts", "same"},
      c{"key_1", "POST /v1/deals", "same"};
  CHECK(keys.insert_running(a, "fp", 1000).value());
  CHECK(keys.insert_running(b, "fp", 5000).value());
  CHECK(keys.insert_running(c, "fp", 9000).value());
  REQUIRE(keys.expire(2000, &b));  // b is younger than the cutoff: kept
  CHECK(keys.get(b).value());
  REQUIRE(keys.expire(6000, nullptr));  // every key older than 6000
  CHECK(keys.get(a).value() == std::nullopt);
  CHECK(keys.get(b).value() == std::nullopt);
  CHECK(keys.get(c).value());
  CHECK(t.count("SELECT COUNT(*) FROM idempotency_keys") == 1);
}
