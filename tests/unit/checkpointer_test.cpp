// store/sqlite/checkpointer: with the automatic checkpoint off, committed pages stay in the WAL
// until the checkpointer thread copies them into the database file.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
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

TEST_CASE("under a write load that never pauses the WAL still starts over once it is long") {
  // When no commit ever finds every frame copied, SQLite never starts the WAL over, and it
  // grows for as long as the writes go on. Past 32 MiB the checkpointer copies it nearly to
  // its end, and the next write copies the last frames before it begins.
  TempDb t;
  t.db->disable_auto_checkpoint();
  t.db->exec("CREATE TABLE blobs (b BLOB NOT NULL)");
  REQUIRE(t.db->wal_progress());
  Checkpointer cp(t.path);
  std::uint32_t longest = 0;
  int commits = 0, after = -1;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  // Commits of 25 pages every 2 ms or so (up to 50 MB/s): a pass of the checkpointer always
  // takes longer than the gap between two of them. A WAL that never starts over is given up
  // at 40,000 frames (about 160 MB), so a failure costs neither minutes nor gigabytes.
  while (std::chrono::steady_clock::now() < until && after < 100 && longest < 40'000) {
    {
      Tx tx(*t.db);
      for (int i = 0; i < 25; ++i) t.db->query("INSERT INTO blobs (b) VALUES (zeroblob(4000))").run_or_throw("insert");
      tx.commit();
    }
    ++commits;
    auto p = t.db->wal_progress();
    REQUIRE(p);
    if (after < 0 && p->frames < longest) after = 0;
    if (after >= 0) ++after;
    longest = std::max(longest, p->frames);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  cp.stop();
  MESSAGE("commits: " << commits << ", longest WAL: " << longest << " frames");
  CHECK(after >= 0);  // it started over
  CHECK(longest >= 8'192);
  // Cut back to the limit when it started over, and not grown past it since.
  CHECK(std::filesystem::file_size(t.path + "-wal") <= std::uintmax_t(kWalSizeLimitBytes));
  // Nothing was lost on the way.
  CHECK(t.count("SELECT count(*) FROM blobs") == std::int64_t(commits) * 25);
  auto q = t.db->query("PRAGMA integrity_check");
  REQUIRE(q.next());
  CHECK(q.text(0) == "ok");
}
