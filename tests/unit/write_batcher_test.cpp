// server/write_batcher: group commit. Writes that wait at the same time share one transaction,
// each in its own savepoint; their answers come after the COMMIT; one failing write undoes only
// itself; a batch SQLite rolls back answers "not committed" to every write that was in it; a
// first-write-decides write takes no savepoint, and one that fails after a write costs its batch. And
// store/sqlite/db's write gate: writers on many connections queue instead of meeting SQLITE_BUSY.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "temp_db.hpp"
#include "write_batcher.hpp"

using namespace slab5d;
using slab5d::testing::TempDb;

namespace {
std::int64_t count_rows(Db& db) {
  auto q = db.query("SELECT count(*) FROM t");
  q.next();
  return q.integer(0);
}

void insert_in_tx(Db& db, int v) {
  Tx tx(db);
  db.query("INSERT INTO t (v) VALUES (?)", v).run_or_throw("insert");
  tx.commit();
}

// A writer whose first job waits until `queued` more jobs are in line, so they form one batch.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  void wait() {
    std::unique_lock lk(mu);
    cv.wait(lk, [&] { return open; });
  }
  void release() {
    {
      std::lock_guard lk(mu);
      open = true;
    }
    cv.notify_all();
  }
};

// The values of t, in order, joined with commas.
std::string stored_values(Db& db) {
  auto q = db.query("SELECT group_concat(v) FROM (SELECT v FROM t ORDER BY v)");
  REQUIRE(q.next());
  return q.opt_text(0).value_or("");
}

// A database with table t, a writer connection and its batcher, held by a first job until
// release(), so that the jobs posted before form one batch.
struct HeldBatch {
  TempDb t;
  std::unique_ptr<Db> writer_db;
  Gate gate;
  WriteBatcher batcher;
  explicit HeldBatch(const char* schema = "CREATE TABLE t (v INTEGER NOT NULL)")
      : writer_db((t.db->exec(schema), Db::open(t.path, false))), batcher([this]() -> Db& { return *writer_db; }, 64) {
    batcher.post([this] { gate.wait(); });
  }
  Db& db() { return *writer_db; }
  // Runs every job posted and returns what t holds.
  std::string finish() {
    gate.release();
    batcher.stop();
    return stored_values(*t.db);
  }
};
}  // namespace

TEST_CASE("writes waiting together commit in one transaction and are answered after it") {
  TempDb t;
  t.db->exec("CREATE TABLE t (v INTEGER NOT NULL)");
  auto writer_db = Db::open(t.path, false);
  auto observer = Db::open(t.path, false);
  WriteBatcher batcher([&]() -> Db& { return *writer_db; }, 64);

  Gate gate;
  std::mutex mu;
  std::vector<bool> answers;
  std::vector<std::int64_t> seen_by_observer;
  std::atomic<int> in_group{0};
  batcher.post([&] { gate.wait(); });  // holds the writer until the ten below are queued
  for (int i = 0; i < 10; ++i) {
    batcher.post([&, i] {
      if (writer_db->in_group()) ++in_group;
      insert_in_tx(*writer_db, i);
      // Another connection sees none of the batch's rows while it is open.
      seen_by_observer.push_back(count_rows(*observer));
      WriteBatcher::after_commit([&](bool committed) {
        std::lock_guard lk(mu);
        answers.push_back(committed);
      });
    });
  }
  gate.release();
  batcher.stop();
  CHECK(in_group.load() == 10);
  CHECK(answers == std::vector<bool>(10, true));
  CHECK(seen_by_observer == std::vector<std::int64_t>(10, 0));
  CHECK(count_rows(*observer) == 10);
}

TEST_CASE("a write that fails in a batch undoes only its own changes") {
  HeldBatch b;
  auto& writer_db = b.writer_db;
  std::vector<bool> answers;
  b.batcher.post([&] {
    insert_in_tx(*writer_db, 1);
    WriteBatcher::after_commit([&](bool ok) { answers.push_back(ok); });
  });
  b.batcher.post([&] {
    try {
      Tx tx(*writer_db);
      writer_db->query("INSERT INTO t (v) VALUES (2)").run_or_throw("insert");
      throw std::runtime_error("the rule refused the write after its first insert");
    } catch (const std::runtime_error&) {
    }
    WriteBatcher::after_commit([&](bool ok) { answers.push_back(ok); });
  });
  b.batcher.post([&] {
    insert_in_tx(*writer_db, 3);
    WriteBatcher::after_commit([&](bool ok) { answers.push_back(ok); });
  });
  std::string stored = b.finish();
  CHECK(answers == std::vector<bool>{true, true, true});
  CHECK(stored == "1,3");
}

TEST_CASE("a batch the database rolls back answers 'not committed' to the writes that were in it") {
  HeldBatch b;
  auto& writer_db = b.writer_db;
  std::vector<std::pair<int, bool>> answers;
  for (int i = 1; i <= 4; ++i) {
    b.batcher.post([&, i] {
      insert_in_tx(*writer_db, i);
      // What SQLite does on an I/O error or a full disk: the whole transaction is gone.
      if (i == 2) writer_db->exec("ROLLBACK");
      WriteBatcher::after_commit([&, i](bool ok) { answers.emplace_back(i, ok); });
    });
  }
  std::string stored = b.finish();
  // 1 and 2 were in the lost transaction; 3 and 4 in the one begun after it.
  CHECK(answers == std::vector<std::pair<int, bool>>{{1, false}, {2, false}, {3, true}, {4, true}});
  CHECK(stored == "3,4");
}

TEST_CASE("a first-write-decides write opens no savepoint in a batch: a refused first write leaves the batch alone") {
  HeldBatch b("CREATE TABLE t (v INTEGER NOT NULL UNIQUE)");
  auto& writer_db = b.writer_db;
  std::vector<std::pair<int, bool>> answers;
  std::vector<int> savepoint_found;
  for (int v : {1, 2, 1, 3}) {  // the second 1 is refused by the UNIQUE constraint, at its first statement
    b.batcher.post([&, v] {
      try {
        Tx tx(*writer_db, FirstWriteDecides{});
        // No savepoint was opened: a savepoint named like this one would be found by RELEASE.
        bool released = true;
        try {
          writer_db->exec("RELEASE tx");
        } catch (const DbError&) {
          released = false;
        }
        savepoint_found.push_back(released ? 1 : 0);
        writer_db->query("INSERT INTO t (v) VALUES (?)", v).run_or_throw("insert");
        tx.commit();
      } catch (const DbError&) {
      }
      WriteBatcher::after_commit([&, v](bool ok) { answers.emplace_back(v, ok); });
    });
  }
  std::string stored = b.finish();
  CHECK(savepoint_found == std::vector<int>{0, 0, 0, 0});
  CHECK(answers == std::vector<std::pair<int, bool>>{{1, true}, {2, true}, {1, true}, {3, true}});
  CHECK(stored == "1,2,3");
}

TEST_CASE("a first-write-decides write that fails after a write rolls its whole batch back, and the batch goes on") {
  HeldBatch b;
  auto& writer_db = b.writer_db;
  std::vector<std::pair<int, bool>> answers;
  for (int i = 1; i <= 4; ++i) {
    b.batcher.post([&, i] {
      try {
        Tx tx(*writer_db, FirstWriteDecides{});
        writer_db->query("INSERT INTO t (v) VALUES (?)", i).run_or_throw("insert");
        if (i == 2) throw std::runtime_error("an internal error after the first write");
        tx.commit();
      } catch (const std::runtime_error&) {
      }
      WriteBatcher::after_commit([&, i](bool ok) { answers.emplace_back(i, ok); });
    });
  }
  std::string stored = b.finish();
  // Nothing half-written: 2's row cannot be taken out alone, so 1 and 2 are lost together and
  // told so; 3 and 4 commit in the transaction begun after.
  CHECK(answers == std::vector<std::pair<int, bool>>{{1, false}, {2, false}, {3, true}, {4, true}});
  CHECK(stored == "3,4");
}

TEST_CASE("a first-write-decides write inside an open savepoint takes a savepoint of its own") {
  HeldBatch b;
  auto& writer_db = b.writer_db;
  std::vector<bool> answers;
  b.batcher.post([&] {
    insert_in_tx(*writer_db, 1);
    WriteBatcher::after_commit([&](bool ok) { answers.push_back(ok); });
  });
  b.batcher.post([&] {
    Tx outer(*writer_db);
    writer_db->query("INSERT INTO t (v) VALUES (2)").run_or_throw("insert");
    try {
      Tx inner(*writer_db, FirstWriteDecides{});
      writer_db->query("INSERT INTO t (v) VALUES (20)").run_or_throw("insert");
      throw std::runtime_error("an internal error after the first write");
    } catch (const std::runtime_error&) {
    }
    outer.commit();
    WriteBatcher::after_commit([&](bool ok) { answers.push_back(ok); });
  });
  b.batcher.post([&] {
    // Once the savepoints are released, the next one runs without.
    try {
      Tx tx(*writer_db, FirstWriteDecides{});
      writer_db->query("INSERT INTO t (v) VALUES (3)").run_or_throw("insert");
      tx.commit();
    } catch (const std::runtime_error&) {
    }
    WriteBatcher::after_commit([&](bool ok) { answers.push_back(ok); });
  });
  std::string stored = b.finish();
  CHECK(answers == std::vector<bool>{true, true, true});
  CHECK(stored == "1,2,3");
}

TEST_CASE("outside a batch a first-write-decides write is a transaction of its own") {
  TempDb t;
  t.db->exec("CREATE TABLE t (v INTEGER NOT NULL)");
  try {
    Tx tx(*t.db, FirstWriteDecides{});
    t.db->query("INSERT INTO t (v) VALUES (1)").run_or_throw("insert");
    throw std::runtime_error("refused after the write");
  } catch (const std::runtime_error&) {
  }
  {
    Tx tx(*t.db, FirstWriteDecides{});
    t.db->query("INSERT INTO t (v) VALUES (2)").run_or_throw("insert");
    tx.commit();
  }
  CHECK(stored_values(*t.db) == "2");
}

TEST_CASE("after_commit outside a batch answers at once") {
  bool called = false, committed = false;
  WriteBatcher::after_commit([&](bool ok) {
    called = true;
    committed = ok;
  });
  CHECK(called);
  CHECK(committed);
}

TEST_CASE("writers on separate connections queue on the write gate instead of failing busy") {
  TempDb t;
  t.db->exec("CREATE TABLE t (v INTEGER NOT NULL)");
  constexpr int kThreads = 4, kEach = 200;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int n = 0; n < kThreads; ++n) {
    threads.emplace_back([&, n] {
      auto db = Db::open(t.path, false);
      sqlite3_busy_timeout(db->handle(), 0);  // without the gate, contention is an error at once
      for (int i = 0; i < kEach; ++i) {
        try {
          insert_in_tx(*db, n * kEach + i);
        } catch (const DbError&) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures.load() == 0);
  CHECK(count_rows(*t.db) == kThreads * kEach);
}

TEST_CASE("upkeep runs once the writer is idle, in steps, and gives way to a write between steps") {
  TempDb t;
  t.db->exec("CREATE TABLE t (v INTEGER NOT NULL)");
  auto writer_db = Db::open(t.path, false);
  std::mutex mu;
  std::condition_variable cv;
  int left = 0;                  // upkeep steps still to do
  std::vector<std::string> log;  // what the writer thread did, in order
  WriterIdleWork idle{.after = std::chrono::milliseconds(50),
                      .due =
                          [&](Conn&) {
                            std::lock_guard lk(mu);
                            return left > 0;
                          },
                      .step =
                          [&](Conn&) {
                            std::this_thread::sleep_for(std::chrono::milliseconds(5));
                            std::lock_guard lk(mu);
                            log.push_back("step");
                            cv.notify_all();
                            return --left > 0;
                          }};
  WriteBatcher batcher([&]() -> Db& { return *writer_db; }, 64, idle);
  auto wait_for_steps = [&](std::size_t n) {
    std::unique_lock lk(mu);
    return cv.wait_for(lk, std::chrono::seconds(10), [&] { return log.size() >= n; });
  };

  // Due while the writer waits without writes: it starts after the idle delay (the writer
  // looks again every second) and runs every step.
  {
    std::lock_guard lk(mu);
    left = 3;
  }
  REQUIRE(wait_for_steps(3));
  {
    std::lock_guard lk(mu);
    CHECK(left == 0);
  }

  // A write that comes during upkeep runs before the next step, and upkeep goes on after it.
  {
    std::lock_guard lk(mu);
    left = 400;  // two seconds of steps
    log.clear();
  }
  batcher.post([] {});  // wakes the writer, which finds the upkeep due after the write
  REQUIRE(wait_for_steps(2));
  std::promise<void> ran;
  batcher.post([&] {
    std::lock_guard lk(mu);
    log.push_back("write");
    ran.set_value();
  });
  REQUIRE(ran.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  {
    std::lock_guard lk(mu);
    CHECK(left > 0);  // the write did not wait for the upkeep to finish
  }
  std::size_t at;
  {
    std::lock_guard lk(mu);
    at = std::find(log.begin(), log.end(), "write") - log.begin();
  }
  REQUIRE(wait_for_steps(at + 3));  // upkeep resumed after the write
  batcher.stop();
}

TEST_CASE("a batch's answers are given inside one call of around_answers, after its COMMIT") {
  TempDb t;
  t.db->exec("CREATE TABLE t (v INTEGER NOT NULL)");
  auto writer_db = Db::open(t.path, false);
  auto observer = Db::open(t.path, false);
  std::atomic<int> calls{0};
  std::atomic<bool> inside{false};
  std::vector<std::pair<bool, std::int64_t>> answers;  // (inside around_answers, rows committed)
  WriteBatcher batcher([&]() -> Db& { return *writer_db; }, 64, {}, 1,
                       [&](const std::function<void()>& answer) {
                         ++calls;
                         inside = true;
                         answer();
                         inside = false;
                       });
  Gate gate;
  std::promise<void> all_answered;
  batcher.post([&] { gate.wait(); });
  for (int i = 0; i < 8; ++i)
    batcher.post([&, i] {
      insert_in_tx(*writer_db, i);
      WriteBatcher::after_commit([&](bool) {
        answers.emplace_back(inside.load(), count_rows(*observer));
        if (answers.size() == 8) all_answered.set_value();
      });
    });
  gate.release();
  REQUIRE(all_answered.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  batcher.stop();
  CHECK(calls == 1);
  for (const auto& [was_inside, rows] : answers) {
    CHECK(was_inside);
    CHECK(rows == 8);
  }
}
