// Unit tests for PgPool (store/postgres/pool.hpp), against a real PostgreSQL server.
#include <doctest/doctest.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "pg_test_db.hpp"
#include "store/postgres/pool.hpp"

using namespace slab5d;
using slab5d::testing::PgTestDb;
using std::chrono::milliseconds;

TEST_CASE("acquire gives up after its timeout while every connection is lent out") {
  PgTestDb db;
  PgPool pool(db.url(), 1);
  CHECK(pool.idle() == 1);
  auto held = pool.acquire(milliseconds(100));
  REQUIRE(held.has_value());
  CHECK(pool.idle() == 0);
  auto start = std::chrono::steady_clock::now();
  auto none = pool.acquire(milliseconds(200));
  auto waited = std::chrono::steady_clock::now() - start;
  CHECK_FALSE(none.has_value());
  CHECK(waited >= milliseconds(200));
  CHECK(waited < milliseconds(2000));
  held.reset();
  CHECK(pool.idle() == 1);
  CHECK(pool.acquire(milliseconds(0)).has_value());
}

TEST_CASE("a connection given back wakes an acquire that waits for it") {
  PgTestDb db;
  PgPool pool(db.url(), 1);
  auto held = pool.acquire(milliseconds(100));
  REQUIRE(held.has_value());
  int pid = (*held)->backend_pid();
  std::optional<PgLease> got;
  std::thread waiter([&] { got = pool.acquire(milliseconds(10000)); });
  std::this_thread::sleep_for(milliseconds(100));
  auto start = std::chrono::steady_clock::now();
  held.reset();
  waiter.join();
  REQUIRE(got.has_value());
  CHECK((*got)->backend_pid() == pid);  // the same connection, handed on
  CHECK(std::chrono::steady_clock::now() - start < milliseconds(2000));
}

TEST_CASE("a connection the server closed is replaced, lent out or idle") {
  PgTestDb db;
  PgPool pool(db.url(), 2);
  auto admin = db.connect();
  auto terminate = [&](int pid) {
    CHECK(admin->exec("SELECT pg_terminate_backend($1)", pid).boolean(0, 0));
    // pg_terminate_backend only signals: wait until the backend process is gone, and with it
    // its end of the connection (the server is on this machine: pg_test_db.hpp).
    for (int i = 0; i < 500; ++i) {
      if (::kill(pid, 0) != 0 && errno == ESRCH) return;
      std::this_thread::sleep_for(milliseconds(10));
    }
    FAIL("backend " << pid << " did not end");
  };

  SUBCASE("broken while lent out: the borrower sees an error, the next one a new connection") {
    int pid = 0;
    {
      auto lease = pool.acquire(milliseconds(100));
      REQUIRE(lease.has_value());
      pid = (*lease)->backend_pid();
      terminate(pid);
      try {
        (void)(*lease)->exec("SELECT 1");
        FAIL("a statement ran on a terminated connection");
      } catch (const PgError& e) {
        CHECK(e.busy());
      }
    }
    CHECK(pool.idle() == 1);  // the broken one was not put back
    auto a = pool.acquire(milliseconds(1000));
    auto b = pool.acquire(milliseconds(1000));
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    CHECK((*a)->backend_pid() != pid);
    CHECK((*b)->backend_pid() != pid);
    CHECK((*a)->exec("SELECT 1").integer(0, 0) == 1);
    CHECK((*b)->exec("SELECT 1").integer(0, 0) == 1);
    CHECK(pool.reopened() == 1);
  }

  SUBCASE("closed while idle: found before it is lent") {
    int pid = 0;
    {
      auto lease = pool.acquire(milliseconds(100));
      pid = (*lease)->backend_pid();
    }
    terminate(pid);
    auto a = pool.acquire(milliseconds(1000));
    auto b = pool.acquire(milliseconds(1000));  // both at once: one of them is new
    for (auto* lease : {&a, &b}) {
      REQUIRE(lease->has_value());
      CHECK((**lease)->backend_pid() != pid);
      CHECK((**lease)->exec("SELECT 1").integer(0, 0) == 1);
    }
    CHECK(pool.reopened() == 1);
  }
}

TEST_CASE("what a borrower left open is not handed to the next one") {
  PgTestDb db;
  PgPool pool(db.url(), 1);
  {
    auto lease = pool.acquire(milliseconds(100));
    (*lease)->exec_script("CREATE TABLE t (k BIGINT)");
    (*lease)->exec_script("BEGIN");
    (void)(*lease)->exec("INSERT INTO t VALUES (1)");
    (*lease)->listen("left_behind");
  }
  auto lease = pool.acquire(milliseconds(100));
  REQUIRE(lease.has_value());
  CHECK_FALSE((*lease)->in_transaction());
  CHECK_FALSE((*lease)->listening());
  CHECK((*lease)->exec("SELECT count(*) FROM t").integer(0, 0) == 0);
  CHECK((*lease)->exec("SELECT count(*) FROM pg_listening_channels()").integer(0, 0) == 0);
  CHECK(pool.reopened() == 0);
}

TEST_CASE("a pool to an unreachable server fails when it is made, without the URL") {
  try {
    PgPool pool("postgres://slab5:PoolSecret77@127.0.0.1:1/x", 2,
                PgConnectOptions{.connect_timeout = std::chrono::seconds(2)});
    FAIL("the pool was made");
  } catch (const PgError& e) {
    std::string what = e.what();
    CHECK(what.rfind("cannot connect to PostgreSQL: ", 0) == 0);
    CHECK(what.find("PoolSecret77") == std::string::npos);
  }
  CHECK_THROWS_AS(PgPool(slab5d::testing::pg_test_url(), 0), std::invalid_argument);
}
