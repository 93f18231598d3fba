// MetaStore cases shared by the SQLite and PostgreSQL unit tests.
#pragma once
#include <doctest/doctest.h>

#include "store_cases/workspace_cases.hpp"

namespace slab5d::store_cases {

inline void meta_cases(MakeEnv make) {
  SUBCASE("a key is set once: a second insert is conflict and keeps the first value") {
    auto e = make();
    CHECK_FALSE(e->meta().get("k").value());
    REQUIRE(e->meta().insert("k", "one"));
    auto again = e->meta().insert("k", "two");
    REQUIRE_FALSE(again);
    CHECK(again.error().code == "conflict");
    CHECK(e->meta().get("k").value() == std::optional<std::string>("one"));
    CHECK_FALSE(e->meta().get("K").value());  // keys are exact
  }

  SUBCASE("get_or_insert keeps the first value and sets a new key") {
    auto e = make();
    REQUIRE(e->meta().insert("k", "one"));
    CHECK(e->meta().get_or_insert("k", "three").value() == "one");
    CHECK(e->meta().get_or_insert("fresh", "four").value() == "four");
    CHECK(e->meta().get_or_insert("fresh", "five").value() == "four");
    CHECK(e->meta().get("fresh").value() == std::optional<std::string>("four"));
    CHECK(e->meta().get_or_insert("empty", "").value().empty());
  }

  SUBCASE("schema_version is the version the backend's migrations reached") {
    auto e = make();
    CHECK(e->meta().schema_version().value() == e->latest_schema_version());
    CHECK(e->meta().schema_version().value() > 0);
  }

  SUBCASE("a meta write rolled back with the caller's transaction is gone") {
    auto e = make();
    e->begin();
    REQUIRE(e->meta().insert("k", "one"));
    auto again = e->meta().insert("k", "two");
    REQUIRE_FALSE(again);
    REQUIRE(e->meta().insert("k2", "two"));
    e->rollback();
    CHECK_FALSE(e->meta().get("k").value());
    CHECK_FALSE(e->meta().get("k2").value());
  }
}

}  // namespace slab5d::store_cases
