#include "store/sqlite/snapshot.hpp"

#include "store/sqlite/change_tracker.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <cctype>
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

// The transaction statements of a copy, whose failure is the copy's.
void exec_or_throw(sqlite3* h, const char* sql, const char* what) {
  if (int rc = sqlite3_exec(h, sql, nullptr, nullptr, nullptr); rc != SQLITE_OK)
    throw DbError(rc, std::string(what) + ": " + sqlite3_errmsg(h));
}

std::string quoted(const std::string& name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// A path as a read-only URI for ATTACH (https://www.sqlite.org/uri.html).
std::string read_only_uri(const std::string& path) {
  static const char* hex = "0123456789ABCDEF";
  std::string out = "file:";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '.' || c == '_' || c == '-') {
      out += char(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out + "?mode=ro";
}

bool run_sql(sqlite3* h, const std::string& sql, const std::string* bound = nullptr) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    sqlite3_finalize(st);
    return false;
  }
  if (bound) sqlite3_bind_text(st, 1, bound->data(), int(bound->size()), SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE || rc == SQLITE_ROW;
}

// Rewrites, from the copy attached as `snap`, the rows of one table noted as changed.
bool restore_table_rows(sqlite3* h, const ChangeTracker::Table& t) {
  std::string cols;
  for (const auto& c : t.columns) cols += (cols.empty() ? "" : ", ") + quoted(c);
  const bool with_rowid = !t.without_rowid && !t.rowid_alias;
  std::string target = " INTO main." + quoted(t.name) + "(" + (with_rowid ? "rowid, " : "") + cols + ")";
  std::string source = " SELECT " + std::string(with_rowid ? "rowid, " : "") + cols + " FROM snap." + quoted(t.name);
  if (t.whole) return run_sql(h, "DELETE FROM main." + quoted(t.name)) && run_sql(h, "INSERT" + target + source);
  std::string which, list;
  if (t.without_rowid) {
    if (t.keys.empty()) return true;
    std::string key, values;
    for (std::size_t i = 0; i < t.key_columns.size(); ++i) {
      key += (i ? ", " : "") + quoted(t.key_columns[i]);
      values += (i ? ", " : "") + std::string("value->>") + std::to_string(i);
    }
    which = " WHERE (" + key + ") IN (SELECT " + values + " FROM json_each(?1))";
    for (const auto& k : t.keys) list += (list.empty() ? "[" : ",") + k;
  } else {
    if (t.rowids.empty()) return true;
    which = " WHERE rowid IN (SELECT value FROM json_each(?1))";
    for (auto id : t.rowids) list += (list.empty() ? "[" : ",") + std::to_string(id);
  }
  list += "]";
  return run_sql(h, "DELETE FROM main." + quoted(t.name) + which, &list) &&
         run_sql(h, "INSERT" + target + source + which, &list);
}

// A restore of the copy the live database last matched, row by row: only the rows this
// process noted as changed since are rewritten, in one write transaction of a connection of
// its own (triggers off, foreign keys unenforced: each row goes back exactly as it was).
// False, with nothing changed, when that would not be exact (change_tracker.hpp).
bool restore_changed_rows(Db& live, ChangeTracker& tracker, const std::string& from) {
  Handle h;
  if (sqlite3_open_v2(live.path().c_str(), &h.h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI,
                      nullptr) != SQLITE_OK)
    return false;
  sqlite3_busy_timeout(h.h, 10000);
  sqlite3_db_config(h.h, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, nullptr);
  sqlite3_exec(h.h, "PRAGMA foreign_keys=OFF", nullptr, nullptr, nullptr);
  std::string uri = read_only_uri(from);
  if (!run_sql(h.h, "ATTACH ?1 AS snap", &uri)) return false;
  if (sqlite3_exec(h.h, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) return false;
  auto tables = tracker.changes_since(h.h, from);
  bool ok = tables.has_value();
  if (ok)
    for (const auto& t : *tables) ok = ok && restore_table_rows(h.h, t);
  // AUTOINCREMENT's counters are not rows the hook reports: always put back.
  if (ok) {
    bool has_sequence = false;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(h.h, "SELECT 1 FROM main.sqlite_schema WHERE name = 'sqlite_sequence'", -1, &st, nullptr) ==
        SQLITE_OK)
      has_sequence = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    if (has_sequence)
      ok = run_sql(h.h, "DELETE FROM main.sqlite_sequence") &&
           run_sql(h.h, "INSERT INTO main.sqlite_sequence SELECT * FROM snap.sqlite_sequence");
  }
  if (!ok) {
    sqlite3_exec(h.h, "ROLLBACK", nullptr, nullptr, nullptr);
    return false;
  }
  // Under the write lock still: the rows noted so far are the ones just put back.
  tracker.restored();
  if (sqlite3_exec(h.h, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    sqlite3_exec(h.h, "ROLLBACK", nullptr, nullptr, nullptr);
    tracker.forget();
    return false;
  }
  return true;
}
}  // namespace

void save_database_copy(Db& live, const std::string& to) {
  std::string tmp = to + ".part-" + std::to_string(::getpid());
  std::error_code ec;
  std::filesystem::remove(tmp, ec);
  create_private_file(tmp);
  ChangeTracker* tracker = live.tracker();
  // The copy is read under the write lock, so that every change after it is one the tracker
  // notes (a write in flight at the start would otherwise be in neither).
  std::unique_lock gate(live.write_gate());
  {
    Handle dst;
    if (int rc = sqlite3_open_v2(tmp.c_str(), &dst.h, SQLITE_OPEN_READWRITE, nullptr); rc != SQLITE_OK) {
      std::filesystem::remove(tmp, ec);
      throw DbError(rc, "cannot create " + tmp + ": " + (dst.h ? sqlite3_errmsg(dst.h) : sqlite3_errstr(rc)));
    }
    // The write lock is held by a connection of its own: a backup refuses a source connection
    // that has a write transaction open, and readers go on beside a writer in WAL mode.
    Handle lock;
    if (tracker) {
      try {
        if (int rc =
                sqlite3_open_v2(live.path().c_str(), &lock.h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
            rc != SQLITE_OK)
          throw DbError(rc, "cannot save a copy of the database: cannot open " + live.path());
        sqlite3_busy_timeout(lock.h, 10000);
        exec_or_throw(lock.h, "BEGIN IMMEDIATE", "cannot save a copy of the database");
      } catch (...) {
        std::filesystem::remove(tmp, ec);
        throw;
      }
      tracker->begin_sync();
    }
    int rc = run_backup(dst.h, live.handle());
    if (lock.h) sqlite3_exec(lock.h, "ROLLBACK", nullptr, nullptr, nullptr);
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
      if (tracker) tracker->forget();
      throw DbError(rc, "cannot save a copy of the database: " + msg);
    }
  }
  std::filesystem::rename(tmp, to, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    if (tracker) tracker->forget();
    throw DbError(SQLITE_CANTOPEN, "cannot save " + to + ": " + ec.message());
  }
  if (tracker) tracker->finish_sync(live.handle(), to);
}

RestoreWay restore_database_copy(Db& live, const std::string& from) {
  ChangeTracker* tracker = live.tracker();
  std::unique_lock gate(live.write_gate());
  if (tracker && restore_changed_rows(live, *tracker, from)) return RestoreWay::changed_rows;
  Handle src;
  if (int rc = sqlite3_open_v2(from.c_str(), &src.h, SQLITE_OPEN_READONLY, nullptr); rc != SQLITE_OK)
    throw DbError(rc, "cannot open " + from + ": " + (src.h ? sqlite3_errmsg(src.h) : sqlite3_errstr(rc)));
  // The restore rewrites every page (into the WAL, then the checkpoint into the file): without
  // the fsyncs it costs about a third less. A process crash cannot tear it (the WAL commit is
  // atomic); only a power cut during it could, which a test server's state can afford.
  if (tracker) tracker->begin_sync();
  live.exec("PRAGMA synchronous=OFF");
  int rc = run_backup(live.handle(), src.h);
  std::string msg = rc == SQLITE_DONE ? std::string() : sqlite3_errmsg(live.handle());
  live.exec("PRAGMA synchronous=NORMAL");
  if (rc != SQLITE_DONE) {
    if (tracker) tracker->forget();
    throw DbError(rc, "cannot restore the database: " + msg);
  }
  if (tracker) tracker->finish_sync(live.handle(), from);
  return RestoreWay::whole_copy;
}

}  // namespace slab5d
