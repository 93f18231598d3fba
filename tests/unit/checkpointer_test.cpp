// store/sqlite/checkpointer: with the automatic checkpoint off, committed pages stay in the WAL
// until the checkpointer thread copies them into the database file.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "store/sqlite/checkpointer.hpp"
#include "temp_db.hpp"

using namespace slab5d;
using slab5d::testing::TempDb;

TEST_CASE("the checkpointer moves committed pages from the WAL into the database file") {
  TempDb t;
  t.db->disable_auto_checkpoint();
  t.db->exec("CREATE TABLE blobs (b BLOB NOT NULL)");
  {
    Tx tx(*t.db);
    for (int i = 0; i < 1200; ++i) t.db->query("INSERT INTO blobs (b) VALUES (zeroblob(4000))").run_or_throw("insert");
    tx.commit();
  }
  auto db_size = [&] { return std::filesystem::file_size(t.path); };
  // Past SQLite's 1,000-page automatic threshold, yet still all in the WAL.
  REQUIRE(std::filesystem::file_size(t.path + "-wal") > 4'000'000);
  CHECK(db_size() < 1'000'000);
  Checkpointer cp(t.path);
  for (int i = 0; i < 100 && db_size() < 4'000'000; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(db_size() >= 4'000'000);
  cp.stop();
}

TEST_CASE("a WAL that grew past the limit is cut back when it starts over") {
  TempDb t;
  t.db->disable_auto_checkpoint();
  t.db->exec("CREATE TABLE blobs (b BLOB NOT NULL)");
  auto wal_size = [&] { return std::filesystem::file_size(t.path + "-wal"); };
  {
    Tx tx(*t.db);
    // About 70 MB of pages, all in the WAL: more than kWalSizeLimitBytes.
    for (int i = 0; i < 17'500; ++i)
      t.db->query("INSERT INTO blobs (b) VALUES (zeroblob(4000))").run_or_throw("insert");
    tx.commit();
  }
  REQUIRE(wal_size() > std::uintmax_t(kWalSizeLimitBytes));
  Checkpointer cp(t.path);
  auto db_size = [&] { return std::filesystem::file_size(t.path); };
  for (int i = 0; i < 200 && db_size() < 70'000'000; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE(db_size() >= 70'000'000);
  cp.stop();
  // Every frame is in the database file: the next write starts the WAL over, and its commit
  // cuts the file back to the limit.
  {
    Tx tx(*t.db);
    t.db->query("INSERT INTO blobs (b) VALUES (zeroblob(10))").run_or_throw("insert");
    tx.commit();
  }
  CHECK(wal_size() <= std::uintmax_t(kWalSizeLimitBytes));
  CHECK(t.db->query("SELECT count(*) FROM blobs").next());
}
