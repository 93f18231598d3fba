// The idempotency key table's behaviour (store/idempotency_store.hpp), written once and run on
// every backend: tests/unit/idempotency_store_test.cpp (SQLite) and
// pg_idempotency_store_test.cpp (PostgreSQL) each define a backend and invoke
// SLAB5_IDEMPOTENCY_STORE_CASES(Backend). These are the steps idempotency.cpp's claim,
// release and store are made of.
//
// A backend B is default-constructible on a fresh, migrated database and has two connections
// to it (side 0 and 1, as two slab5d processes would), each used by one thread at a time:
//   IdempotencyStore& keys(int side);
//   std::unique_ptr<…> begin(int side);        a transaction: ->commit(), rolled back when dropped
//   std::int64_t count(const std::string&);    the first column of the first row (side 0)
#pragma once
#include <doctest/doctest.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "store/idempotency_store.hpp"

namespace slab5d::testing::idempotency_cases {

TEST_CASE_TEMPLATE_DEFINE("a key is added once, holds its answer, and only a running key is released", B,
                          idem_lifecycle) {
  B b;
  auto& keys = b.keys(0);
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
  CHECK(keys.insert_running(s, "fp-a", 1002).value() == false);  // nor claimed again

  IdempotencyScope other{"key_1", "POST /v1/contacts", "k-2"};
  REQUIRE(keys.insert_running(other, "fp", 1000).value());
  REQUIRE(keys.release(other));
  CHECK(keys.get(other).value() == std::nullopt);
  CHECK(keys.insert_running(other, "fp-again", 1003).value());  // a released key may be claimed anew
  CHECK(keys.get(other).value()->fingerprint == "fp-again");

  IdempotencyScope never{"key_1", "POST /v1/contacts", "k-never"};
  REQUIRE(keys.release(never));  // nothing to release is no error
  REQUIRE(keys.complete(never, 200, "{}"));
  CHECK(keys.get(never).value() == std::nullopt);  // and completing adds no row
}

TEST_CASE_TEMPLATE_DEFINE("keys are scoped by credential and route, and expire by age", B, idem_scope_expire) {
  B b;
  auto& keys = b.keys(0);
  IdempotencyScope a{"key_1", "POST /v1/contacts", "same"}, b2{"key_2", "POST /v1/contacts", "same"},
      c{"key_1", "POST /v1/deals", "same"};
  CHECK(keys.insert_running(a, "fp", 1000).value());
  CHECK(keys.insert_running(b2, "fp", 5000).value());
  CHECK(keys.insert_running(c, "fp", 9000).value());
  REQUIRE(keys.expire(2000, &b2));  // b2 is younger than the cutoff: kept
  CHECK(keys.get(b2).value());
  REQUIRE(keys.expire(6000, &c));  // c too
  CHECK(keys.get(c).value());
  REQUIRE(keys.expire(5000, nullptr));  // strictly older than 5000: a only
  CHECK(keys.get(a).value() == std::nullopt);
  CHECK(keys.get(b2).value());
  REQUIRE(keys.expire(6000, nullptr));  // every key older than 6000
  CHECK(keys.get(b2).value() == std::nullopt);
  CHECK(keys.get(c).value());
  CHECK(b.count("SELECT COUNT(*) FROM idempotency_keys") == 1);
}

// Side 0 holds a claim in an open transaction while side 1 claims the same key: side 1 waits,
// then finds the key taken when side 0 commits, or takes it when side 0 rolls back.
TEST_CASE_TEMPLATE_DEFINE(
    "a key claimed from two connections at once goes to exactly one, after the first "
    "one's transaction ends",
    B, idem_claim_waits) {
  B b;
  for (bool first_commits : {true, false}) {
    CAPTURE(first_commits);
    IdempotencyScope s{"key_1", "POST /v1/contacts", first_commits ? "k-commit" : "k-rollback"};
    auto first = b.begin(0);
    REQUIRE(b.keys(0).insert_running(s, "fp-first", 1000).value());

    std::atomic<bool> done{false};
    std::optional<slab5::Result<bool>> second;
    std::string second_error;
    std::thread t([&] {
      try {
        auto tx = b.begin(1);
        second = b.keys(1).insert_running(s, "fp-second", 1001);
        tx->commit();
      } catch (const std::exception& e) {
        second_error = e.what();
      }
      done = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK_FALSE(done.load());  // waiting for the first claim's transaction
    if (first_commits)
      first->commit();
    else
      first.reset();  // rolled back
    t.join();
    CHECK(second_error == "");
    REQUIRE(second);
    REQUIRE(second->has_value());
    CHECK(**second == !first_commits);
    auto row = b.keys(0).get(s).value();
    REQUIRE(row);
    CHECK(row->fingerprint == (first_commits ? "fp-first" : "fp-second"));
  }
}

// Two connections race over the same keys, starting each claim together, each in a transaction
// of its own (as idempotency.cpp's claim) and then without one: every key is claimed exactly
// once.
TEST_CASE_TEMPLATE_DEFINE("keys claimed concurrently from two connections are each claimed exactly once", B,
                          idem_claim_race) {
  B b;
  constexpr int kKeys = 150;
  for (bool in_tx : {true, false}) {
    CAPTURE(in_tx);
    std::vector<int> wins[2] = {std::vector<int>(kKeys), std::vector<int>(kKeys)};
    std::string errors[2];
    std::barrier together(2);
    auto claimer = [&](int side) {
      try {
        for (int i = 0; i < kKeys; ++i) {
          together.arrive_and_wait();
          IdempotencyScope s{"key_1", "POST /v1/contacts", (in_tx ? "tx-" : "auto-") + std::to_string(i)};
          std::string fp = "fp-" + std::to_string(side);
          slab5::Result<bool> r = false;
          if (in_tx) {
            auto tx = b.begin(side);
            r = b.keys(side).insert_running(s, fp, 1000 + i);
            tx->commit();
          } else {
            r = b.keys(side).insert_running(s, fp, 1000 + i);
          }
          if (!r) throw std::runtime_error(r.error().code + ": " + r.error().message);
          wins[side][std::size_t(i)] = *r ? 1 : 0;
        }
      } catch (const std::exception& e) {
        errors[side] = e.what();
        together.arrive_and_drop();  // the other side goes on alone
      }
    };
    std::thread t0(claimer, 0), t1(claimer, 1);
    t0.join();
    t1.join();
    CHECK(errors[0] == "");
    CHECK(errors[1] == "");
    int total = 0, twice = 0, never = 0, side1 = 0;
    for (std::size_t i = 0; i < kKeys; ++i) {
      int n = wins[0][i] + wins[1][i];
      total += n;
      twice += n > 1;
      never += n == 0;
      side1 += wins[1][i];
    }
    CHECK(twice == 0);
    CHECK(never == 0);
    CHECK(total == kKeys);
    MESSAGE("side 1 won " << side1 << " of " << kKeys);
    CHECK(b.count(std::string("SELECT count(*) FROM idempotency_keys WHERE key LIKE '") + (in_tx ? "tx-" : "auto-") +
                  "%'") == kKeys);
  }
}

}  // namespace slab5d::testing::idempotency_cases

// Runs every case above on backend B, a type at global scope: SLAB5_IDEMPOTENCY_STORE_CASES(B);
#define SLAB5_IDEMPOTENCY_STORE_CASES(B)           \
  namespace slab5d::testing::idempotency_cases {   \
  TEST_CASE_TEMPLATE_INVOKE(idem_lifecycle, B);    \
  TEST_CASE_TEMPLATE_INVOKE(idem_scope_expire, B); \
  TEST_CASE_TEMPLATE_INVOKE(idem_claim_waits, B);  \
  TEST_CASE_TEMPLATE_INVOKE(idem_claim_race, B);   \
  }                                                \
  static_assert(true, "")
