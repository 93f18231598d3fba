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
