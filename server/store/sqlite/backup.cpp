#include "store/sqlite/backup.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "store/sqlite/db.hpp"

namespace slab5d {

void backup_database(const std::string& from, const std::string& to) {
  auto src = Db::open(from, false);
  // The copy holds everything the database does: made 0600 before SQLite writes a byte
  // (its rollback journal takes the same mode). O_EXCL: an existing file is never touched.
  int fd = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST) throw std::runtime_error("refusing to overwrite " + to + "; choose a new file");
    throw std::runtime_error("cannot create " + to + ": " + std::strerror(errno));
  }
  ::close(fd);
  sqlite3* dst = nullptr;
  if (sqlite3_open_v2(to.c_str(), &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    std::string msg = dst ? sqlite3_errmsg(dst) : "out of memory";
    sqlite3_close(dst);
    std::filesystem::remove(to);
    throw std::runtime_error("cannot create " + to + ": " + msg);
  }
  sqlite3_backup* b = sqlite3_backup_init(dst, "main", src->handle(), "main");
  if (!b) {
    std::string msg = sqlite3_errmsg(dst);
    sqlite3_close(dst);
    std::filesystem::remove(to);
    throw std::runtime_error("backup failed: " + msg);
  }
  // Every page in one step, under one read transaction: the copy is the database as of one
  // moment, and the server's writes go on meanwhile (WAL). Copied a few pages at a time, a
  // copy starts over whenever another process writes between two steps, and under a steady
  // write load it never ends.
  // A source or destination that stays locked is waited for 20 s at most, then reported.
  constexpr int kBusyWaitMs = 20, kBusyWaits = 1000;
  int rc, waits = 0;
  do {
    rc = sqlite3_backup_step(b, -1);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      if (++waits > kBusyWaits) break;
      sqlite3_sleep(kBusyWaitMs);
    }
  } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish(b);
  std::string msg = rc == SQLITE_DONE ? ""
                    : waits > kBusyWaits
                        ? "the database stayed locked for " + std::to_string(kBusyWaits * kBusyWaitMs / 1000) + " s (" +
                              sqlite3_errstr(rc) + "); try again"
                        : sqlite3_errmsg(dst);
  sqlite3_close(dst);
  if (rc != SQLITE_DONE) {
    std::filesystem::remove(to);
    throw std::runtime_error("backup failed: " + msg);
  }
}

}  // namespace slab5d
