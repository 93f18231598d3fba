// store/sqlite/checkpointer: with the automatic checkpoint off, committed pages stay in the WAL
// until the checkpointer thread copies them into the database file.
#include <doctest/doctest.h>

#include <sqlite3.h>

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

TEST_CASE("under writes that never stop, the checkpointer still starts the WAL over") {
  // A PASSIVE checkpoint alone lets the WAL grow for as long as a writer keeps appending; past
  // 4,096 frames the checkpointer runs a RESTART checkpoint, and the next write starts
  // the WAL from its beginning (its file keeps its size, its frames are reused).
  TempDb t;
  t.db->disable_auto_checkpoint();
  t.db->exec("CREATE TABLE blobs (b BLOB NOT NULL)");
  Checkpointer cp(t.path);
  auto frames = [&] {
    // The WAL's frame count, as SQLite's own header says (walformat.html): what a writer has
    // appended since the WAL last started over.
    int log = 0, done = 0;
    sqlite3_wal_checkpoint_v2(t.db->handle(), "main", SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    return log;
  };
  int most = 0;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(4);
  while (std::chrono::steady_clock::now() < until) {
    Tx tx(*t.db);
    t.db->query("INSERT INTO blobs (b) VALUES (zeroblob(3000))").run_or_throw("insert");
    t.db->query("DELETE FROM blobs WHERE rowid < (SELECT max(rowid) - 100 FROM blobs)").run_or_throw("delete");
    tx.commit();
  }
  most = frames();
  cp.stop();
  // Four seconds of commits append far more than 4,096 frames; without the gated checkpoint
  // they would all still be in the WAL.
  CHECK(most < 3 * 4096);
}
