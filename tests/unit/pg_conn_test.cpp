// Unit tests for the libpq layer (store/postgres/pg.hpp), against a real PostgreSQL server:
// connecting, parameters, constraint hits as values, transactions and savepoints, retries,
// LISTEN/NOTIFY.
#include <doctest/doctest.h>
#include <sys/resource.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "pg_test_db.hpp"
#include "store/conn.hpp"  // Null, the NULL marker every backend binds
#include "store/postgres/pg.hpp"

using namespace slab5d;
using slab5d::testing::PgTestDb;

namespace {

std::int64_t count_rows(PgConn& c, const std::string& sql) { return c.exec(sql).integer(0, 0); }

// What a failed open says.
std::string open_error(const std::string& url) {
  try {
    PgConn::open(url, PgConnectOptions{.connect_timeout = std::chrono::seconds(2)});
  } catch (const PgError& e) {
    CHECK(e.sqlstate() == "08001");
    CHECK(e.connection_failure());
    CHECK(e.busy());
    return e.what();
  }
  FAIL("the connection opened: " << url);
  return {};
}

}  // namespace

TEST_CASE("a connection opens from the URL and runs statements") {
  PgTestDb db;
  auto c = db.connect();
  CHECK(c->alive());
  CHECK(c->backend_pid() > 0);
  CHECK_FALSE(c->in_transaction());
  auto r = c->exec("SELECT current_database(), current_setting('client_encoding')");
  REQUIRE(r.rows() == 1);
  CHECK(r.text(0, 0) == db.name());
  CHECK(r.text(0, 1) == "UTF8");
}

TEST_CASE("a failed connection says why without the URL or its password") {
  // Port 1 on the loopback: nothing listens there.
  auto refused = open_error("postgres://slab5:Hunter2-Secret@127.0.0.1:1/slab5_test");
  CHECK(refused.rfind("cannot connect to PostgreSQL: ", 0) == 0);
  CHECK(refused.find("refused") != std::string::npos);
  CHECK(refused.find("Hunter2-Secret") == std::string::npos);
  CHECK(refused.find("postgres://") == std::string::npos);

  // libpq quotes a malformed percent-escape back whole: here, the password.
  auto malformed = open_error("postgres://slab5:pw%zzSecretPart@127.0.0.1:1/slab5_test");
  CHECK(malformed.rfind("cannot connect to PostgreSQL: ", 0) == 0);
  CHECK(malformed.find("SecretPart") == std::string::npos);
  CHECK(malformed.find("%zz") == std::string::npos);

  // A '/' in an unescaped password makes libpq read part of it as the port.
  auto misread = open_error("postgres://slab5:abc123/XyzSecret@127.0.0.1/slab5_test");
  CHECK(misread.find("abc123") == std::string::npos);
  CHECK(misread.find("XyzSecret") == std::string::npos);

  auto in_query = open_error("postgres://127.0.0.1:1/slab5_test?password=QuerySecret9&sslmode=disable");
  CHECK(in_query.find("QuerySecret9") == std::string::npos);

  auto keywords = open_error("host=127.0.0.1 port=1 password='Key word\\'Secret' dbname=x");
  CHECK(keywords.find("Secret") == std::string::npos);

  CHECK(open_error("").find("no URL") != std::string::npos);
}

TEST_CASE("parameters travel as text: strings, integers, booleans, optionals and NULL") {
  PgTestDb db;
  auto c = db.connect();
  std::string s = "plain";
  std::optional<std::string> none, some = std::string("opt");
  std::optional<std::int64_t> n;
  auto r = c->exec(
      "SELECT $1::text, $2::bigint, $3::bigint, $4::boolean, $5::boolean, $6::text, $7::text, $8::bigint, "
      "$9::text, $10::text, $11::text",
      s, std::int64_t(-9007199254740993), 42, true, false, none, some, n, Null{}, std::string_view("view"), "literal");
  REQUIRE(r.rows() == 1);
  CHECK(r.text(0, 0) == "plain");
  CHECK(r.integer(0, 1) == -9007199254740993);
  CHECK(r.integer(0, 2) == 42);
  CHECK(r.boolean(0, 3));
  CHECK_FALSE(r.boolean(0, 4));
  CHECK(r.is_null(0, 5));
  CHECK(r.opt_text(0, 5) == std::nullopt);
  CHECK(r.opt_text(0, 6) == "opt");
  CHECK(r.opt_integer(0, 7) == std::nullopt);
  CHECK(r.is_null(0, 8));
  CHECK(r.text(0, 9) == "view");
  CHECK(r.text(0, 10) == "literal");
  // Typed getters refuse what their type is not.
  CHECK_THROWS_AS((void)r.integer(0, 0), PgError);
  CHECK_THROWS_AS((void)r.boolean(0, 0), PgError);
  CHECK_THROWS_AS((void)r.integer(0, 7), PgError);
  CHECK_THROWS_AS((void)r.text(1, 0), std::out_of_range);
}

TEST_CASE("hostile strings are stored and read back byte for byte") {
  PgTestDb db;
  auto c = db.connect();
  c->exec_script("CREATE TABLE notes (id BIGINT PRIMARY KEY, body TEXT)");
  const std::vector<std::string> hostile = {
      "it's",
      "'; DROP TABLE notes; --",
      "\\x00 \\' \\\\",
      "$1 $2 ?",
      "\"quoted\"",
      "é ü 中文 🙂",
      "",
      "line\nbreak\ttab",
      "E'\\047'",
      std::string(100000, 'x'),
  };
  for (std::size_t i = 0; i < hostile.size(); ++i)
    REQUIRE(c->run("INSERT INTO notes (id, body) VALUES ($1, $2)", std::int64_t(i), hostile[i]).ok());
  for (std::size_t i = 0; i < hostile.size(); ++i) {
    auto r = c->exec("SELECT body, body IS NULL FROM notes WHERE id = $1", std::int64_t(i));
    REQUIRE(r.rows() == 1);
    CHECK(r.text(0, 0) == hostile[i]);
    CHECK_FALSE(r.boolean(0, 1));  // "" is an empty string, never NULL
  }
  CHECK(count_rows(*c, "SELECT count(*) FROM notes") == std::int64_t(hostile.size()));
  // Matched as a value, never as a pattern or as SQL.
  CHECK(count_rows(*c, "SELECT count(*) FROM notes WHERE body = '%'") == 0);
  CHECK(c->exec("SELECT count(*) FROM notes WHERE body = $1", "'; DROP TABLE notes; --").integer(0, 0) == 1);
}

TEST_CASE("a NUL byte in a text parameter is refused before anything is sent") {
  PgTestDb db;
  auto c = db.connect();
  c->exec_script("CREATE TABLE notes (body TEXT)");
  std::string with_nul("before\0after", 12);
  try {
    (void)c->run("INSERT INTO notes (body) VALUES ($1)", with_nul);
    FAIL("a NUL byte was accepted");
  } catch (const PgError& e) {
    CHECK(e.sqlstate() == "22021");
    CHECK(std::string(e.what()).find("NUL") != std::string::npos);
    CHECK(std::string(e.what()).find("$1") != std::string::npos);
  }
  CHECK_THROWS_AS((void)c->exec("SELECT $1::text", std::string_view(with_nul)), PgError);
  // Nothing was written, not even the part before the NUL, and the connection still works.
  CHECK(count_rows(*c, "SELECT count(*) FROM notes") == 0);
  CHECK(c->alive());
}

TEST_CASE("a statement is prepared once per connection and SQL text") {
  PgTestDb db;
  auto c = db.connect();
  auto before = c->prepared_count();
  for (int i = 0; i < 3; ++i) CHECK(c->exec("SELECT $1::bigint + 1", i).integer(0, 0) == i + 1);
  CHECK(c->prepared_count() == before + 1);
  (void)c->exec("SELECT $1::bigint + 2", 1);
  CHECK(c->prepared_count() == before + 2);
  // A statement that does not parse is not kept, and says why.
  CHECK_THROWS_WITH_AS((void)c->exec("SELEC 1"), doctest::Contains("syntax error"), PgError);
  CHECK(c->prepared_count() == before + 2);
  // One prepared inside a transaction that rolls back stays usable.
  {
    PgTx tx(*c);
    (void)c->exec("SELECT $1::text || 'x'", "a");
  }
  CHECK(c->exec("SELECT $1::text || 'x'", "b").text(0, 0) == "bx");
}

TEST_CASE("a unique violation from run() is a value and the transaction goes on") {
  PgTestDb db;
  auto c = db.connect();
  c->exec_script("CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT NOT NULL UNIQUE)");
  {
    PgTx tx(*c);
    REQUIRE(c->run("INSERT INTO users VALUES (1, $1)", "a@example.com").ok());
    auto dup = c->run("INSERT INTO users VALUES (2, $1)", "a@example.com");
    CHECK_FALSE(dup.ok());
    CHECK(dup.constraint == PgConstraint::Unique);
    CHECK(dup.constraint_name == "users_email_key");
    CHECK(c->in_transaction());
    auto next = c->run("INSERT INTO users VALUES (3, $1)", "b@example.com");
    REQUIRE(next.ok());
    CHECK(next.affected() == 1);
    tx.commit();
  }
  CHECK(count_rows(*c, "SELECT count(*) FROM users") == 2);
  // Outside a transaction too.
  auto outside = c->run("INSERT INTO users VALUES (4, $1)", "b@example.com");
  CHECK(outside.constraint == PgConstraint::Unique);
  // exec() throws it instead, classified.
  try {
    (void)c->exec("INSERT INTO users VALUES (5, $1)", "a@example.com");
    FAIL("the duplicate was written");
  } catch (const PgError& e) {
    CHECK(e.unique_violation());
    CHECK(e.sqlstate() == "23505");
    CHECK_FALSE(e.retryable());
    CHECK_FALSE(e.busy());
  }
}

TEST_CASE("a foreign key violation from run() is a value; other failures still throw") {
  PgTestDb db;
  auto c = db.connect();
  c->exec_script(
      "CREATE TABLE parents (id TEXT PRIMARY KEY);"
      "CREATE TABLE children (id TEXT PRIMARY KEY, parent TEXT NOT NULL REFERENCES parents(id))");
  PgTx tx(*c);
  auto orphan = c->run("INSERT INTO children VALUES ('c1', $1)", "missing");
  CHECK(orphan.constraint == PgConstraint::ForeignKey);
  auto null_parent = c->run("INSERT INTO children VALUES ('c2', $1)", Null{});
  CHECK(null_parent.constraint == PgConstraint::Other);  // NOT NULL, class 23 too
  CHECK_THROWS_AS((void)c->run("INSERT INTO no_such_table VALUES ($1)", "x"), PgError);
  // Each failed statement was undone alone: the transaction still commits what it did.
  REQUIRE(c->run("INSERT INTO parents VALUES ($1)", "p1").ok());
  tx.commit();
  CHECK(count_rows(*c, "SELECT count(*) FROM parents") == 1);
}

TEST_CASE("a savepoint rolled back leaves the outer transaction's work") {
  PgTestDb db;
  auto c = db.connect();
  c->exec_script("CREATE TABLE steps (name TEXT PRIMARY KEY)");
  {
    PgTx outer(*c, PgIsolation::RepeatableRead);
    CHECK_FALSE(outer.is_savepoint());
    (void)c->exec("INSERT INTO steps VALUES ('outer before')");
    {
      PgTx inner(*c);
      CHECK(inner.is_savepoint());
      (void)c->exec("INSERT INTO steps VALUES ('inner dropped')");
    }  // not committed: rolled back
    {
      PgTx kept(*c);
      (void)c->exec("INSERT INTO steps VALUES ('inner kept')");
      {
        PgTx deeper(*c);
        (void)c->exec("INSERT INTO steps VALUES ('deeper dropped')");
      }
      kept.commit();
    }
    {
      PgTx failing(*c);
      CHECK_THROWS_AS((void)c->exec("INSERT INTO steps VALUES (NULL)"), PgError);
    }  // the error aborted only the savepoint
    (void)c->exec("INSERT INTO steps VALUES ('outer after')");
    outer.commit();
  }
  std::vector<std::string> names;
  auto r = c->exec("SELECT name FROM steps ORDER BY name");
  for (int i = 0; i < r.rows(); ++i) names.push_back(r.text(i, 0));
  CHECK(names == std::vector<std::string>{"inner kept", "outer after", "outer before"});
  CHECK_FALSE(c->in_transaction());
}

TEST_CASE("a transaction dropped uncommitted is rolled back") {
  PgTestDb db;
  auto c = db.connect();
  c->exec_script("CREATE TABLE t (k BIGINT)");
  {
    PgTx tx(*c, PgIsolation::Serializable);
    (void)c->exec("INSERT INTO t VALUES (1)");
    CHECK(c->in_transaction());
  }
  CHECK_FALSE(c->in_transaction());
  CHECK(count_rows(*c, "SELECT count(*) FROM t") == 0);
}

TEST_CASE("committing a transaction that an error aborted throws instead of reporting success") {
  PgTestDb db;
  auto c = db.connect();
  c->exec_script("CREATE TABLE t (k BIGINT NOT NULL)");
  PgTx tx(*c);
  (void)c->exec("INSERT INTO t VALUES (1)");
  CHECK_THROWS_AS((void)c->exec("INSERT INTO t VALUES (NULL)"), PgError);  // exec: no savepoint
  try {
    tx.commit();
    FAIL("COMMIT of an aborted transaction succeeded");
  } catch (const PgError& e) {
    CHECK(e.sqlstate() == "25P02");
  }
  CHECK_FALSE(c->in_transaction());  // the destructor's ROLLBACK is not needed to use c again
  CHECK(count_rows(*c, "SELECT count(*) FROM t") == 0);
}

TEST_CASE("a serialization failure is classified and the transaction is run again") {
  PgTestDb db;
  auto a = db.connect();
  auto b = db.connect();
  a->exec_script("CREATE TABLE accounts (id BIGINT PRIMARY KEY, balance BIGINT NOT NULL)");
  (void)a->exec("INSERT INTO accounts VALUES (1, 100)");
  int calls = 0;
  auto balance = retry_transaction(*a, PgIsolation::Serializable, [&](PgTx& tx) {
    ++calls;
    auto before = a->exec("SELECT balance FROM accounts WHERE id = 1").integer(0, 0);
    if (calls == 1) {
      // Another connection changes the row after this transaction read it.
      PgTx other(*b, PgIsolation::Serializable);
      (void)b->exec("UPDATE accounts SET balance = balance + 50 WHERE id = 1");
      other.commit();
    }
    (void)a->exec("UPDATE accounts SET balance = $1 WHERE id = 1", before - 30);
    tx.commit();
    return before - 30;
  });
  CHECK(calls == 2);
  CHECK(balance == 120);  // the second run read 150: nothing of b's update was lost
  CHECK(count_rows(*a, "SELECT balance FROM accounts WHERE id = 1") == 120);

  // Without the helper, the failure is a PgError that says it may be retried.
  PgTx tx(*a, PgIsolation::Serializable);
  (void)a->exec("SELECT balance FROM accounts WHERE id = 1");
  (void)b->exec("UPDATE accounts SET balance = 0 WHERE id = 1");
  try {
    (void)a->exec("UPDATE accounts SET balance = 1 WHERE id = 1");
    FAIL("the lost update went through");
  } catch (const PgError& e) {
    CHECK(e.sqlstate() == "40001");
    CHECK(e.retryable());
    CHECK(e.busy());
  }
}

TEST_CASE("retries stop after the given number of attempts, and never happen inside a transaction") {
  PgTestDb db;
  auto c = db.connect();
  int calls = 0;
  auto always_loses = [&](PgTx&) -> int {
    ++calls;
    throw PgError("40P01", "deadlock detected");
  };
  CHECK_THROWS_AS(retry_transaction(*c, PgIsolation::Serializable, always_loses, 3), PgError);
  CHECK(calls == 3);
  CHECK_FALSE(c->in_transaction());

  // Any other failure is not retried.
  calls = 0;
  CHECK_THROWS_AS(retry_transaction(*c, PgIsolation::ReadCommitted,
                                    [&](PgTx&) -> int {
                                      ++calls;
                                      (void)c->exec("SELECT 1/0");
                                      return 0;
                                    }),
                  PgError);
  CHECK(calls == 1);

  // Inside an open transaction the failure belongs to the outer one: run once, rethrown.
  calls = 0;
  PgTx outer(*c);
  CHECK_THROWS_AS(retry_transaction(*c, PgIsolation::Serializable, always_loses, 3), PgError);
  CHECK(calls == 1);
  CHECK(c->in_transaction());
}

TEST_CASE("a notification reaches a listening connection with its payload and sender") {
  PgTestDb db;
  auto listener = db.connect();
  auto sender = db.connect();
  listener->listen("Slab5 Events");  // any name: it is quoted as an identifier
  CHECK(listener->listening());
  sender->notify("Slab5 Events", "it's {\"json\": true}");
  sender->notify("other channel", "not for the listener");
  auto n = listener->wait_notification(std::chrono::seconds(5));
  REQUIRE(n.has_value());
  CHECK(n->channel == "Slab5 Events");
  CHECK(n->payload == "it's {\"json\": true}");
  CHECK(n->sender_pid == sender->backend_pid());
  CHECK_FALSE(listener->wait_notification(std::chrono::milliseconds(100)).has_value());
}

TEST_CASE("a notification sent in a transaction arrives when it commits") {
  PgTestDb db;
  auto listener = db.connect();
  auto sender = db.connect();
  listener->listen("jobs");
  PgTx tx(*sender);
  sender->notify("jobs", "1");
  CHECK_FALSE(listener->wait_notification(std::chrono::milliseconds(200)).has_value());
  tx.commit();
  auto n = listener->wait_notification(std::chrono::seconds(5));
  REQUIRE(n.has_value());
  CHECK(n->payload == "1");
}

TEST_CASE("waiting for a notification sleeps until it comes or the time is up") {
  PgTestDb db;
  auto listener = db.connect();
  auto sender = db.connect();
  listener->listen("wake");
  auto cpu_ms = [] {
    rusage u{};
    getrusage(RUSAGE_THREAD, &u);
    return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000.0 + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1000.0;
  };
  auto start = std::chrono::steady_clock::now();
  double cpu_before = cpu_ms();
  CHECK_FALSE(listener->wait_notification(std::chrono::milliseconds(500)).has_value());
  auto waited = std::chrono::steady_clock::now() - start;
  CHECK(waited >= std::chrono::milliseconds(500));
  CHECK(waited < std::chrono::seconds(3));
  CHECK(cpu_ms() - cpu_before < 50);  // poll(2), not a loop that spins

  // A notification sent while it waits wakes it at once.
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    sender->notify("wake", "now");
  });
  start = std::chrono::steady_clock::now();
  auto n = listener->wait_notification(std::chrono::seconds(10));
  later.join();
  REQUIRE(n.has_value());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  // Not while its own transaction is open: the server would hold it back.
  PgTx tx(*listener);
  CHECK_THROWS_AS(listener->wait_notification(std::chrono::milliseconds(10)), std::logic_error);
}

TEST_CASE("a transaction begun without PgTx makes PgTx a savepoint, and only while it lasts") {
  PgTestDb db;
  auto c = db.connect();
  c->exec_script("CREATE TABLE t (k BIGINT)");
  c->exec_script("BEGIN");
  {
    PgTx inner(*c);
    CHECK(inner.is_savepoint());
    (void)c->exec("INSERT INTO t VALUES (1)");
  }
  c->exec_script("COMMIT");
  CHECK(c->exec("SELECT count(*) FROM t").integer(0, 0) == 0);
  PgTx tx(*c);
  CHECK_FALSE(tx.is_savepoint());
  (void)c->exec("INSERT INTO t VALUES (2)");
  tx.commit();
  CHECK(c->exec("SELECT count(*) FROM t").integer(0, 0) == 1);
}
