#include "store/sqlite/db.hpp"

#include "store/sqlite/audit_store.hpp"
#include "store/sqlite/auth_version.hpp"
#include "store/sqlite/credential_store.hpp"
#include "store/sqlite/event_store.hpp"
#include "store/sqlite/fixture_store.hpp"
#include "store/sqlite/idempotency_store.hpp"
#include "store/sqlite/identity_store.hpp"
#include "store/sqlite/member_store.hpp"
#include "store/sqlite/meta_store.hpp"
#include "store/sqlite/record_store.hpp"
#include "store/sqlite/text_index_upkeep.hpp"
#include "store/sqlite/usage_store.hpp"
#include "store/sqlite/wal_vfs.hpp"
#include "store/sqlite/webhook_store.hpp"
#include "store/sqlite/workspace_store.hpp"

#include "store/sqlite/change_tracker.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace slab5d {

namespace {
// A WAL-index region as SQLite maps it (WALINDEX_PGSZ); region 0 starts with the header.
constexpr int kWalIndexRegionBytes = 32768;

bool is_plain_path(const std::string& path) {
  return !path.empty() && path != ":memory:" && path.rfind("file:", 0) != 0;
}

// Takes group and other permissions off a file that exists (never adds any). By path, not
// by descriptor: closing a descriptor of a database file would drop the POSIX locks that
// SQLite holds on it in this process.
void restrict_mode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) != 0 && st.st_uid == ::geteuid())
    (void)::chmod(path.c_str(), st.st_mode & 0700);
}
}  // namespace

void create_private_file(const std::string& path) {
  // O_EXCL: a file that exists is neither truncated nor re-moded, and nothing in this
  // process can hold SQLite locks on a file this call has just created.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return;
    throw DbError(SQLITE_CANTOPEN, "cannot create " + path + ": " + std::strerror(errno));
  }
  ::close(fd);
}

bool DbError::is_busy(int code) {
  int primary = code & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

bool Db::in_transaction() const { return !sqlite3_get_autocommit(handle_); }

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

void Query::run_or_throw(const char* what) {
  int rc = run();
  if (rc != SQLITE_DONE) throw DbError(rc, std::string(what) + " failed");
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
  return p ? std::string(reinterpret_cast<const char*>(p), std::size_t(sqlite3_column_bytes(stmt_, col)))
           : std::string();
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
  if (create && is_plain_path(path)) {
    // Private from the start: SQLite gives -wal, -shm and -journal the database's mode.
    create_private_file(path);
    for (const char* suffix : {"", "-wal", "-shm"}) restrict_mode(path + suffix);
  }
  sqlite3* h = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
  if (create) flags |= SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(path.c_str(), &h, flags, wal_vfs_name());
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
  // Temporary b-trees and the statement journals of savepoints (every write of a batch is one,
  // write_batcher.hpp) stay in memory: on disk, each page a savepoint first changes was written
  // to a temporary file before the change.
  // A page cache of up to 16 MiB (SQLite's default is 2 MiB), filled only as pages are read:
  // a text-search prefix query over a million contacts touches 4-8 MiB of FTS5 segments, and
  // with the default cache it re-read them from the OS on every request (8-15 ms instead of
  // about 1.5 ms, docs/performance.md).
  // Under back-to-back writes the WAL cannot start over (the checkpointer never catches the
  // writer) and grows by tens of megabytes a second; once it does start over, the commit that
  // restarts it cuts the file back to 64 MiB instead of keeping gigabytes on disk.
  db->exec(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; "
      "PRAGMA cache_size=-16384; PRAGMA journal_size_limit=" +
      std::to_string(kWalSizeLimitBytes) + ";");
  // Any rollback of the whole transaction, SQLite's own after an I/O error included, drops the
  // text-index inserts it held (savepoints: tx_abandon).
  sqlite3_rollback_hook(
      h, [](void* self) { static_cast<Db*>(self)->text_inserts_.clear(); }, db.get());
  db->tracker_ = ChangeTracker::for_path(path);
  if (db->tracker_) db->tracker_->watch(h);
  return db;
}

namespace {
// One per database file, keyed by the path as given (the server opens every connection with
// the same string). Entries live as long as a connection to the file does.
template <typename T>
std::shared_ptr<T> per_file(const std::string& path) {
  static std::mutex registry_mu;
  static std::unordered_map<std::string, std::weak_ptr<T>> registry;
  std::lock_guard lk(registry_mu);
  auto& slot = registry[path];
  if (auto g = slot.lock()) return g;
  auto g = std::make_shared<T>();
  slot = g;
  return g;
}
}  // namespace

Db::Db(sqlite3* h, std::string path) : handle_(h), path_(std::move(path)), shared_(per_file<PerFile>(path_)) {}

Db::~Db() {
  stores_.reset();
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(handle_);
}

void Db::forget_wal_index() {
  shm_ = nullptr;
  shm_journal_ = nullptr;
  shm_resolved_ = false;
}

const volatile unsigned char* Db::wal_index() {
  // The journal file object SQLite reports is the WAL's while the connection has its WAL
  // open, and the rollback journal's otherwise: when it moves, the WAL was opened or closed
  // and the mapping is looked up again (SQLite unmaps the WAL index when it closes the WAL).
  sqlite3_file* journal = nullptr;
  sqlite3_file_control(handle_, "main", SQLITE_FCNTL_JOURNAL_POINTER, &journal);
  if (!shm_resolved_ || journal != shm_journal_) {
    void* found = nullptr;
    // Only a connection in WAL mode with shared-memory locking has a WAL index to read;
    // asking for region 0 otherwise would make SQLite create and keep a -shm for nothing.
    auto mode = [&](const char* pragma) {
      auto q = query(pragma);
      return q.next() ? q.text(0) : std::string();
    };
    if (mode("PRAGMA main.journal_mode") == "wal" && mode("PRAGMA main.locking_mode") == "normal") {
      {
        // Any read opens the WAL and maps the index, through SQLite's own -shm handle.
        auto q = query("SELECT 1 FROM sqlite_schema LIMIT 1");
        q.next();
      }
      sqlite3_file_control(handle_, "main", SQLITE_FCNTL_JOURNAL_POINTER, &journal);
      sqlite3_file* file = nullptr;
      sqlite3_file_control(handle_, "main", SQLITE_FCNTL_FILE_POINTER, &file);
      // xShmMap with bExtend = 0 hands back the region SQLite has already mapped for this
      // connection: no file is opened, closed or locked here (closing a descriptor of the
      // -shm file would drop every POSIX lock this process holds on it, SQLite's included,
      // and let another process truncate the file under the mapping).
      if (file && file->pMethods && file->pMethods->iVersion >= 2 && file->pMethods->xShmMap) {
        void volatile* p = nullptr;
        int rc = file->pMethods->xShmMap(file, 0, kWalIndexRegionBytes, 0, &p);
        if ((rc == SQLITE_OK || rc == SQLITE_READONLY) && p) found = const_cast<void*>(p);
      }
    }
    // Set last: the statements above may have reset these (forget_wal_index).
    shm_ = found;
    shm_journal_ = journal;
    shm_resolved_ = true;
  }
  if (!shm_) return nullptr;
  auto* hdr = static_cast<const volatile unsigned char*>(shm_);
  // isInit (byte 12 of the header) is 1 once a connection has built the index.
  return hdr[12] == 1 ? hdr : nullptr;
}

std::optional<Db::WalProgress> Db::wal_progress() {
  auto* hdr = wal_index();
  if (!hdr) return std::nullopt;
  auto u32 = [&](std::size_t at) {
    std::array<unsigned char, 4> b{};
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = hdr[at + i];
    std::uint32_t v = 0;
    std::memcpy(&v, b.data(), b.size());  // native byte order, as SQLite writes it
    return v;
  };
  WalProgress p{.frames = u32(16), .backfilled = u32(96)};
  std::atomic_thread_fence(std::memory_order_acquire);
  return p;
}

bool Db::changed_since(ChangeMark& mark) {
  ChangeMark now;
  now.taken = true;
  if (auto* hdr = wal_index()) {
    // Any commit rewrites both 48-byte copies (its frame count, change counter and checksums
    // move); a copy caught mid-update reads as a change, which only costs a cache refill.
    for (std::size_t i = 0; i < now.state.size(); ++i) now.state[i] = hdr[i];
    std::atomic_thread_fence(std::memory_order_acquire);
  } else {
    auto q = query("PRAGMA data_version");
    q.next();
    now.version = q.integer(0);
    now.own_changes = sqlite3_total_changes64(handle_);
  }
  bool changed =
      !mark.taken || now.state != mark.state || now.version != mark.version || now.own_changes != mark.own_changes;
  if (changed) mark = now;
  return changed;
}

std::optional<std::int64_t> Db::auth_version() { return read_auth_version(*this); }

std::optional<std::int64_t> Db::auth_version_at(const ChangeMark& mark) {
  if (mark.taken && mark.version < 0) {
    std::lock_guard lk(shared_->noted_mu);
    if (shared_->noted && shared_->noted_state == mark.state) return shared_->noted_version;
  }
  return auth_version();
}

namespace {
// A statement that may open or close this connection's WAL (and with it the WAL index).
bool may_move_wal(std::string_view sql) {
  return sql.find("journal_mode") != std::string_view::npos || sql.find("locking_mode") != std::string_view::npos ||
         sql.find("JOURNAL_MODE") != std::string_view::npos || sql.find("LOCKING_MODE") != std::string_view::npos;
}
}  // namespace

sqlite3_stmt* Db::prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return it->second;
  if (may_move_wal(sql)) forget_wal_index();
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(handle_, sql.data(), int(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) throw_db(handle_, rc, "prepare failed");
  cache_.emplace(std::string(sql), stmt);
  return stmt;
}

void Db::exec(const std::string& sql) {
  char* err = nullptr;
  if (may_move_wal(sql)) forget_wal_index();
  int rc = sqlite3_exec(handle_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw DbError(rc, msg);
  }
}

void Db::run_cached(std::string_view sql) {
  if (int rc = query(sql).run(); rc != SQLITE_DONE) throw_db(handle_, rc, sql);
}

bool Db::text_queue_exists() {
  if (text_queue_seen_) return true;
  auto q = query("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'text_index_pending'");
  text_queue_seen_ = q.next();
  return text_queue_seen_;
}

void Db::bump_stamp() {
  static std::atomic<std::uint64_t> next{1};
  stamp_ = next.fetch_add(1, std::memory_order_relaxed);
}

void Db::begin() {
  if (shared_->wal_restart_ready.exchange(false, std::memory_order_acq_rel))
    // A PASSIVE checkpoint while no writer of this process can add a frame: it reaches the
    // WAL's end unless a reader still holds an older snapshot, and BEGIN then finds every
    // frame copied. Busy or failed, it leaves the WAL as it was.
    sqlite3_wal_checkpoint_v2(handle_, "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  bump_stamp();
  open_savepoints_ = 0;
  text_marks_.clear();
  run_cached("BEGIN IMMEDIATE");
}

namespace {
// A consistent copy of the WAL-index header, both 48-byte copies of it, or nullopt when they
// differ (a commit is rewriting them).
std::optional<std::array<unsigned char, 96>> header_copy(const volatile unsigned char* hdr) {
  std::array<unsigned char, 96> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = hdr[i];
  std::atomic_thread_fence(std::memory_order_acquire);
  if (std::memcmp(out.data(), out.data() + 48, 48) != 0) return std::nullopt;
  return out;
}
// The header's commit counter (iChange, https://www.sqlite.org/walformat.html), which every
// commit moves on by one.
std::uint32_t commit_count(const std::array<unsigned char, 96>& h) {
  std::uint32_t v = 0;
  std::memcpy(&v, h.data() + 8, sizeof v);
  return v;
}
}  // namespace

void Db::commit() {
  auto applied = flush_text_index(*this);
  // The auth version this commit leaves, noted with the state it leaves: the header before
  // COMMIT is read under this transaction's write lock, and if the header after it counts
  // exactly one commit more, no other connection committed in between.
  std::optional<std::array<unsigned char, 96>> before;
  std::optional<std::int64_t> version;
  if (auto* hdr = sqlite3_txn_state(handle_, "main") == SQLITE_TXN_WRITE ? wal_index() : nullptr) {
    before = header_copy(hdr);
    if (before) version = read_auth_version(*this);
  }
  run_cached("COMMIT");
  if (version)
    if (auto* hdr = wal_index())
      if (auto after = header_copy(hdr); after && commit_count(*after) == commit_count(*before) + 1) {
        std::lock_guard lk(shared_->noted_mu);
        shared_->noted_state = *after;
        shared_->noted_version = *version;
        shared_->noted = true;
      }
  // Reported only now: the writer's upkeep must not look at the index before it holds them.
  for (const auto& [table, rows] : applied) note_text_index_changes(*this, table.c_str(), rows);
}

void Db::disable_auto_checkpoint() { sqlite3_wal_autocheckpoint(handle_, 0); }

std::int64_t Db::changes() const { return sqlite3_changes64(handle_); }
std::int64_t Db::last_insert_rowid() const { return sqlite3_last_insert_rowid(handle_); }

void Db::tx_begin(TxState& s) {
  if (in_group() && s.first_write_decides && open_savepoints_ == 0) {
    // Nothing to copy for undoing it: a refused first statement leaves nothing, and whatever
    // else fails takes the batch with it (tx_abandon).
    s.bare = true;
    s.changes_at_begin = sqlite3_total_changes64(handle_);
    return;
  }
  s.savepoint = in_group() || sqlite3_get_autocommit(handle_) == 0;
  if (s.savepoint) {
    run_cached("SAVEPOINT tx");
    ++open_savepoints_;
    text_marks_.push_back(text_inserts_.size());
    return;
  }
  s.gate = std::unique_lock(write_gate());
  begin();
}

void Db::tx_abandon(TxState& s) noexcept {
  bump_stamp();
  if (s.bare) {
    // A row changed since it began (the count takes in triggers' changes, and never goes
    // back): this Tx's writes are in the batch's transaction and cannot be taken out alone.
    // The whole transaction is rolled back; the batch answers its requests 503
    // (write_batcher.hpp) and goes on in a new one.
    if (sqlite3_total_changes64(handle_) != s.changes_at_begin && !sqlite3_get_autocommit(handle_)) try {
        exec("ROLLBACK");
      } catch (...) {
      }
    return;
  }
  if (s.savepoint && open_savepoints_ > 0) --open_savepoints_;
  if (s.savepoint && !text_marks_.empty()) {
    // What the savepoint added is undone with it (a rollback of everything may have cleared
    // more already).
    if (text_marks_.back() < text_inserts_.size()) text_inserts_.resize(text_marks_.back());
    text_marks_.pop_back();
  }
  try {
    // A savepoint whose outer transaction SQLite already rolled back is gone: nothing to undo.
    if (!s.savepoint)
      exec("ROLLBACK");
    else if (!sqlite3_get_autocommit(handle_))
      exec("ROLLBACK TO tx; RELEASE tx");
  } catch (...) {
  }
}

void Db::tx_commit(TxState& s) {
  if (s.bare) return;
  if (s.savepoint) {
    run_cached("RELEASE tx");
    --open_savepoints_;
    if (!text_marks_.empty()) text_marks_.pop_back();
  } else {
    commit();
  }
}

// The SQLite stores of one connection.
struct SqliteStores {
  explicit SqliteStores(Db& db)
      : audit(db),
        credentials(db),
        events(db),
        fixtures(db),
        idempotency_keys(db),
        identity(open_identity_store(db)),
        members(db),
        meta(db),
        records(db),
        usage(db),
        webhooks(db),
        workspaces(db) {}
  SqliteAuditStore audit;
  SqliteCredentialStore credentials;
  SqliteEventStore events;
  SqliteFixtureStore fixtures;
  SqliteIdempotencyStore idempotency_keys;
  IdentityStore identity;
  SqliteMemberStore members;
  SqliteMetaStore meta;
  SqliteRecordStore records;
  SqliteUsageStore usage;
  SqliteWebhookStore webhooks;
  SqliteWorkspaceStore workspaces;
};

SqliteStores& Db::stores() {
  if (!stores_) stores_ = std::make_unique<SqliteStores>(*this);
  return *stores_;
}
AuditStore& Db::audit() { return stores().audit; }
CredentialStore& Db::credentials() { return stores().credentials; }
EventStore& Db::events() { return stores().events; }
FixtureStore& Db::fixtures() { return stores().fixtures; }
IdempotencyStore& Db::idempotency_keys() { return stores().idempotency_keys; }
IdentityStore& Db::identity() { return stores().identity; }
MemberStore& Db::members() { return stores().members; }
MetaStore& Db::meta() { return stores().meta; }
RecordStore& Db::records() { return stores().records; }
UsageStore& Db::usage() { return stores().usage; }
WebhookStore& Db::webhooks() { return stores().webhooks; }
WorkspaceStore& Db::workspaces() { return stores().workspaces; }

}  // namespace slab5d
