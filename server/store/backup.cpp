#include "store/backup.hpp"

#include <sqlite3.h>

#include <filesystem>
#include <stdexcept>

#include "store/db.hpp"

namespace slab5d {

void backup_database(const std::string& from, const std::string& to) {
  if (std::filesystem::exists(to)) throw std::runtime_error("refusing to overwrite " + to + "; choose a new file");
  auto src = Db::open(from, false);
  sqlite3* dst = nullptr;
  if (sqlite3_open_v2(to.c_str(), &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    std::string msg = dst ? sqlite3_errmsg(dst) : "out of memory";
    sqlite3_close(dst);
    throw std::runtime_error("cannot create " + to + ": " + msg);
  }
  sqlite3_backup* b = sqlite3_backup_init(dst, "main", src->handle(), "main");
  if (!b) {
    std::string msg = sqlite3_errmsg(dst);
    sqlite3_close(dst);
    throw std::runtime_error("backup failed: " + msg);
  }
  int rc;
  do {
    rc = sqlite3_backup_step(b, 256);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(20);
  } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish(b);
  std::string msg = rc == SQLITE_DONE ? "" : sqlite3_errmsg(dst);
  sqlite3_close(dst);
  if (rc != SQLITE_DONE) {
    std::filesystem::remove(to);
    throw std::runtime_error("backup failed: " + msg);
  }
}

}  // namespace slab5d
