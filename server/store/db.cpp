#include "store/db.hpp"

#include <sqlite3.h>

namespace slab5d {

bool DbError::busy() const {
  int primary = code_ & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

namespace {
[[noreturn]] void throw_db(sqlite3* db, int rc, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw DbError(rc, msg);
}
}  // namespace

Query::~Query() {
  if (stmt_) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Query& Query::bind(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), int(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Query& Query::bind(int i, std::int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Query& Query::bind(int i, Null) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}
Query& Query::bind(int i, const std::optional<std::string>& v) {
  return v ? bind(i, std::string_view(*v)) : bind(i, Null{});
}
Query& Query::bind(int i, const std::optional<std::int64_t>& v) { return v ? bind(i, *v) : bind(i, Null{}); }

bool Query::next() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw_db(db_, rc, "query failed");
}

int Query::run() {
  for (;;) {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) continue;
    if (rc == SQLITE_DONE) return rc;
    if ((rc & 0xff) == SQLITE_CONSTRAINT) return SQLITE_CONSTRAINT;
    throw_db(db_, rc, "statement failed");
  }
}

std::string Query::text(int col) const {
  auto p = sqlite3_column_text(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), std::size_t(sqlite3_column_bytes(stmt_, col))) : std::string();
}
std::optional<std::string> Query::opt_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}
std::int64_t Query::integer(int col) const { return sqlite3_column_int64(stmt_, col); }
std::optional<std::int64_t> Query::opt_integer(int col) const {
  if (is_null(col)) return std::nullopt;
  return integer(col);
}
bool Query::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

std::unique_ptr<Db> Db::open(const std::string& path, bool create) {
  sqlite3* h = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
  if (create) flags |= SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(path.c_str(), &h, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = h ? sqlite3_errmsg(h) : sqlite3_errstr(rc);
    sqlite3_close(h);
    throw DbError(rc, "cannot open database " + path + ": " + msg);
  }
  std::unique_ptr<Db> db(new Db(h, path));
  sqlite3_busy_timeout(h, 10000);
  sqlite3_extended_result_codes(h, 1);
  // Read before anything writes: a file that is not a database fails here, untouched.
  db->exec("SELECT count(*) FROM sqlite_schema");
  db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
  return db;
}

Db::~Db() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(handle_);
}

sqlite3_stmt* Db::prepare(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it != cache_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(handle_, sql.data(), int(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) throw_db(handle_, rc, "prepare failed");
  cache_.emplace(std::string(sql), stmt);
  return stmt;
}

void Db::exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(handle_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw DbError(rc, msg);
  }
}

std::int64_t Db::changes() const { return sqlite3_changes64(handle_); }
std::int64_t Db::last_insert_rowid() const { return sqlite3_last_insert_rowid(handle_); }

Tx::Tx(Db& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
Tx::~Tx() {
  if (!done_) {
    try {
      db_.exec("ROLLBACK");
    } catch (...) {
    }
  }
}
void Tx::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace slab5d
