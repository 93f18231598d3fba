#include "store/db.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>

namespace slab5d {

namespace {
// The WAL-index header: two 48-byte copies at the start of the -shm file.
constexpr std::size_t kShmMapBytes = 4096;
}  // namespace

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
  // SQLite's allocation statistics take one process-wide mutex on every malloc, which the
  // I/O threads then contend for; nothing here reads them.
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
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
  if (shm_) munmap(shm_, kShmMapBytes);
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(handle_);
}

const volatile unsigned char* Db::wal_index() {
  if (!shm_tried_) {
    shm_tried_ = true;
    // The -shm file exists while this connection has the database open in WAL mode, and
    // SQLite truncates it only when no connection has it open: mapped here and unmapped in
    // ~Db, before this connection closes, the page stays valid.
    const char* file = sqlite3_db_filename(handle_, "main");
    if (file && *file) {
      std::string shm = std::string(file) + "-shm";
      int fd = ::open(shm.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd >= 0) {
        struct stat st{};
        if (fstat(fd, &st) == 0 && st.st_size >= off_t(kShmMapBytes)) {
          void* p = mmap(nullptr, kShmMapBytes, PROT_READ, MAP_SHARED, fd, 0);
          if (p != MAP_FAILED) shm_ = p;
        }
        ::close(fd);
      }
    }
  }
  if (!shm_) return nullptr;
  auto* hdr = static_cast<const volatile unsigned char*>(shm_);
  // isInit (byte 12 of the header) is 1 once a connection has built the index.
  return hdr[12] == 1 ? hdr : nullptr;
}

bool Db::changed_since(ChangeMark& mark) {
  ChangeMark now;
  now.taken = true;
  if (auto* hdr = wal_index()) {
    // Any commit rewrites both 48-byte copies (its frame count, change counter and checksums
    // move); a copy caught mid-update reads as a change, which only costs a cache refill.
    for (std::size_t i = 0; i < now.wal_index.size(); ++i) now.wal_index[i] = hdr[i];
    std::atomic_thread_fence(std::memory_order_acquire);
  } else {
    auto q = query("PRAGMA data_version");
    q.next();
    now.data_version = q.integer(0);
    now.own_changes = sqlite3_total_changes64(handle_);
  }
  bool changed = !mark.taken || now.wal_index != mark.wal_index || now.data_version != mark.data_version ||
                 now.own_changes != mark.own_changes;
  if (changed) mark = now;
  return changed;
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
