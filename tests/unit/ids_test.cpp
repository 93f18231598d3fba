// Unit tests for lib/slab5: slab5 ids: prefixed ULIDs.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <thread>

#include "slab5/ids.hpp"

using namespace slab5;

TEST_CASE("ids are prefix_ plus 26 lowercase Crockford characters and sort by creation") {
  std::string prev;
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    auto id = new_id("key");
    CHECK(is_id(id, "key"));
    CHECK(id.size() == 4 + 26);
    CHECK(id > prev);
    CHECK(seen.insert(id).second);
    prev = id;
  }
  CHECK_FALSE(is_id("key_01ARZ3NDEKTSV4RRFFQ69G5FAV", "key"));  // upper case
  CHECK_FALSE(is_id("wrk_01arz3ndektsv4rrffq69g5fav", "key"));
  CHECK_FALSE(is_id("key_01arz3ndektsv4rrffq69g5fa", "key"));   // short
  CHECK_FALSE(is_id("key_01arz3ndektsv4rrffq69g5fau", "key"));  // 'u' is not Crockford
}

TEST_CASE("ULIDs encode the timestamp in the first ten characters") {
  // A fresh thread has no earlier ULID to stay monotonic with.
  std::string a, b;
  std::thread([&] {
    a = new_ulid(0);
    b = new_ulid(1469918176385);
  }).join();
  CHECK(a.substr(0, 10) == "0000000000");
  CHECK(b.substr(0, 10) == "01aryz6s41");  // the ULID spec's own example
}
