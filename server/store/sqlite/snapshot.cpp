#include "store/sqlite/snapshot.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

namespace slab5d {

namespace {
// Runs a backup to completion in one step (one transaction on each side), waiting out a
// writer that holds the destination's lock.
int run_backup(sqlite3* dst, sqlite3* src) {
  sqlite3_backup* b = sqlite3_backup_init(dst, "main", src, "main");
  if (!b) return sqlite3_errcode(dst);
  int rc;
  int waits = 0;
  do {
    rc = sqlite3_backup_step(b, -1);
    if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && ++waits < 500) sqlite3_sleep(20);
  } while (rc == SQLITE_OK || ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && waits < 500));
  int fin = sqlite3_backup_finish(b);
  if (rc == SQLITE_DONE) rc = fin == SQLITE_OK ? SQLITE_DONE : fin;
  return rc;
}

struct Handle {
  sqlite3* h = nullptr;
  ~Handle() { sqlite3_close_v2(h); }
};
}  // namespace

void save_database_copy(Db& live, const std::string& to) {
  std::string tmp = to + ".part-" + std::to_string(::getpid());
  std::error_code ec;
  std::filesystem::remove(tmp, ec);
  create_private_file(tmp);
  {
    Handle dst;
    if (int rc = sqlite3_open_v2(tmp.c_str(), &dst.h, SQLITE_OPEN_READWRITE, nullptr); rc != SQLITE_OK) {
      std::filesystem::remove(tmp, ec);
      throw DbError(rc, "cannot create " + tmp + ": " + (dst.h ? sqlite3_errmsg(dst.h) : sqlite3_errstr(rc)));
    }
    int rc = run_backup(dst.h, live.handle());
    if (rc == SQLITE_DONE) {
      // A copy of a WAL database is marked WAL; a rollback journal keeps the saved file alone
      // (no -wal/-shm), and a restore into a WAL database keeps the destination's mode.
      rc = sqlite3_exec(dst.h, "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr);
      if (rc == SQLITE_OK) rc = SQLITE_DONE;
    }
    if (rc != SQLITE_DONE) {
      std::string msg = sqlite3_errmsg(dst.h);
      sqlite3_close_v2(dst.h);
      dst.h = nullptr;
      std::filesystem::remove(tmp, ec);
      throw DbError(rc, "cannot save a copy of the database: " + msg);
    }
  }
  std::filesystem::rename(tmp, to, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw DbError(SQLITE_CANTOPEN, "cannot save " + to + ": " + ec.message());
  }
}

void restore_database_copy(Db& live, const std::string& from) {
  Handle src;
  if (int rc = sqlite3_open_v2(from.c_str(), &src.h, SQLITE_OPEN_READONLY, nullptr); rc != SQLITE_OK)
    throw DbError(rc, "cannot open " + from + ": " + (src.h ? sqlite3_errmsg(src.h) : sqlite3_errstr(rc)));
  // The restore rewrites every page (into the WAL, then the checkpoint into the file): without
  // the fsyncs it costs about a third less. A process crash cannot tear it (the WAL commit is
  // atomic); only a power cut during it could, which a test server's state can afford.
  live.exec("PRAGMA synchronous=OFF");
  int rc = run_backup(live.handle(), src.h);
  std::string msg = rc == SQLITE_DONE ? std::string() : sqlite3_errmsg(live.handle());
  live.exec("PRAGMA synchronous=NORMAL");
  if (rc != SQLITE_DONE) throw DbError(rc, "cannot restore the database: " + msg);
}

}  // namespace slab5d
