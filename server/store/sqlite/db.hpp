// A thin RAII layer over the SQLite C API: Db (one connection, with a cache of prepared
// statements), Query (a bound, stepping use of a cached statement, reset on destruction),
// and its transactions (Tx, store/conn.hpp: BEGIN IMMEDIATE … COMMIT, rolled back unless
// committed). Db is the SQLite Conn: it hands out the SQLite stores.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/conn.hpp"
#include "store/store_error.hpp"

struct sqlite3;
struct sqlite3_stmt;
struct sqlite3_file;

namespace slab5::api {
struct ResourceSpec;
}

namespace slab5d {

class ChangeTracker;
struct SqliteStores;

// What a WAL that grew past it is cut back to when it starts over (PRAGMA journal_size_limit).
inline constexpr long long kWalSizeLimitBytes = 64LL * 1024 * 1024;

// Thrown for failures that are not an ordinary outcome (I/O error, corrupt file, busy after
// the timeout): a StoreError that keeps SQLite's result code.
class DbError : public StoreError {
 public:
  DbError(int code, const std::string& what) : StoreError(what, is_busy(code)), code_(code) {}
  int code() const { return code_; }

 private:
  static bool is_busy(int code);  // SQLITE_BUSY or SQLITE_LOCKED, extended codes included
  int code_;
};

class Query {
 public:
  Query(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  Query(Query&& o) noexcept : stmt_(std::exchange(o.stmt_, nullptr)), db_(o.db_) {}
  Query(const Query&) = delete;
  ~Query();

  Query& bind(int i, std::string_view v);
  Query& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Query& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Query& bind(int i, std::int64_t v);
  Query& bind(int i, int v) { return bind(i, std::int64_t(v)); }
  Query& bind(int i, bool v) { return bind(i, std::int64_t(v ? 1 : 0)); }
  Query& bind(int i, Null);
  Query& bind(int i, const std::optional<std::string>& v);
  Query& bind(int i, const std::optional<std::int64_t>& v);

  // Steps once: true when a row is available. Throws DbError on failure.
  bool next();
  // Steps to completion; returns SQLITE_DONE, or SQLITE_CONSTRAINT for a constraint hit.
  // The outcome must be looked at: a constraint hit is an error answer, never a 2xx.
  [[nodiscard]] int run();
  // Steps to completion where anything but SQLITE_DONE is a failure of the write (a
  // constraint included): throws DbError naming `what`, which the edge answers with 500.
  void run_or_throw(const char* what);

  std::string text(int col) const;
  std::optional<std::string> opt_text(int col) const;
  std::int64_t integer(int col) const;
  std::optional<std::int64_t> opt_integer(int col) const;
  bool is_null(int col) const;

 private:
  sqlite3_stmt* stmt_;
  sqlite3* db_;
};

class Db final : public Conn {
 public:
  // Opens (creating when allowed) and configures: WAL, busy timeout, foreign keys. With
  // `create`, a new file is made 0600 and group/other permissions are taken off an existing
  // database and its -wal and -shm (SQLite gives the files it creates the database's mode).
  static std::unique_ptr<Db> open(const std::string& path, bool create);
  ~Db() override;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // A cached prepared statement, bound with args in order (1-based).
  template <class... Args>
  Query query(std::string_view sql, const Args&... args) {
    Query q(prepare(sql), handle_);
    int i = 1;
    (q.bind(i++, args), ...);
    return q;
  }
  void exec(const std::string& sql);  // one or more statements, no results
  // One statement without results, through the statement cache: for the transaction control
  // run on every write (BEGIN, SAVEPOINT, RELEASE, COMMIT), parsed once per connection.
  void run_cached(std::string_view sql);
  // The cached prepared statement for `sql`, for callers that bind and step it themselves
  // (and reset it after).
  sqlite3_stmt* cached_statement(std::string_view sql) { return prepare(sql); }
  std::int64_t changes() const;
  std::int64_t last_insert_rowid() const;
  sqlite3* handle() { return handle_; }
  const std::string& path() const { return path_; }

  using ChangeMark = slab5d::ChangeMark;
  // True when any connection to the file (this one, another thread's, another process's)
  // may have committed since `mark` was taken, or when it was never taken; `mark` is then
  // retaken. In WAL mode this reads the WAL-index header that every connection updates on
  // commit (https://www.sqlite.org/walformat.html) from the -shm mapping SQLite itself made
  // for this connection (the VFS's xShmMap: no file of SQLite's is opened here), without a
  // transaction or a file lock; otherwise it runs PRAGMA data_version.
  bool changed_since(ChangeMark& mark) override;
  bool reads_wal_index() { return wal_index() != nullptr; }  // changed_since's fast path applies
  // How many frames the WAL holds and how many of them a checkpoint has copied into the
  // database file (WalIndexHdr.mxFrame, WalCkptInfo.nBackfill), read from the WAL index;
  // nullopt when there is none.
  struct WalProgress {
    std::uint32_t frames = 0;
    std::uint32_t backfilled = 0;
  };
  std::optional<WalProgress> wal_progress();
  // For the checkpointer (checkpointer.hpp): the WAL is long, and all but its last few frames
  // are in the database file, synced. The next write transaction this process begins
  // (Db::begin, under the write gate, so that no frame is being added) first copies those
  // frames: its commit then starts the WAL over.
  void request_wal_restart() { shared_->wal_restart_ready.store(true, std::memory_order_release); }
  std::optional<std::int64_t> auth_version() override;  // store/sqlite/auth_version.hpp
  // Without a read when `mark` holds the state one of this process's commits left
  // (Db::commit notes the version it committed, with that state): the I/O threads check the
  // auth version after every commit, and nearly every commit is this process's own.
  std::optional<std::int64_t> auth_version_at(const ChangeMark& mark) override;
  // The in-process write lock of this database file, shared by every connection this process
  // opens on it. Tx takes it before BEGIN IMMEDIATE: writers on different threads queue on
  // it instead of meeting SQLITE_BUSY and sleeping in SQLite's busy handler (which sleeps in
  // steps of milliseconds and stalls the I/O thread that runs it). Other processes are still
  // kept out by SQLite's own lock. Whoever must stop every writer (a snapshot restore) takes it.
  std::mutex& write_gate() override { return shared_->gate; }
  // Set while a write batch (write_batcher.hpp) holds this connection's transaction open: a Tx
  // is then a savepoint inside it, and the gate is already held.
  void set_group(bool on) override { in_group_ = on; }
  // For connections of a process that runs a Checkpointer (checkpointer.hpp): their commits
  // no longer checkpoint the WAL themselves.
  void disable_auto_checkpoint();
  bool in_group() const override { return in_group_; }
  // Whether a transaction is open on this connection; false after SQLite rolled one back by
  // itself (an I/O error, a full disk) in the middle of a batch.
  bool in_transaction() const override;
  // Whether the app-plane text-index queue (flush_text_index) exists in this file. Once seen it
  // is taken to stay, until forget_text_queue (the file was replaced by an older one).
  bool text_queue_exists();
  void forget_text_queue() { text_queue_seen_ = false; }
  // A record inserted in the open transaction whose text fields wait for flush_text_index
  // (record_store.cpp): the record store hands them over instead of a trigger queueing them.
  // Kept in step with the transaction: a savepoint rolled back drops what it added, a
  // rollback of the whole transaction (any, SQLite's own included) drops everything.
  struct TextInsert {
    const slab5::api::ResourceSpec* spec;
    std::int64_t rowid;
    std::vector<std::optional<std::string>> values;  // the spec's text fields, in order
  };
  void queue_text_insert(TextInsert e) { text_inserts_.push_back(std::move(e)); }
  std::vector<TextInsert>& text_inserts() { return text_inserts_; }
  // BEGIN IMMEDIATE (the caller holds the write gate).
  void begin() override;
  // Changes whenever what this connection reads may have changed other than through its own
  // statements: a transaction begins, or a transaction or savepoint is rolled back. What a
  // store keeps for the length of one transaction (SqliteWebhookStore's active endpoints) is
  // valid while it stays the same. Stamps are unique across the process's connections.
  std::uint64_t stamp() const { return stamp_; }
  void bump_stamp();
  // Ends the open transaction with COMMIT, after the work every commit owes first (the queued
  // text-index changes). Throws DbError when either fails; the transaction is then still open.
  void commit() override;
  void rollback() override { exec("ROLLBACK"); }
  // The rows this process changed since the file last matched a snapshot (change_tracker.hpp);
  // nullptr for an in-memory or URI database.
  ChangeTracker* tracker() { return tracker_.get(); }

  const std::string& database_id() const override { return path_; }
  AuditStore& audit() override;
  CredentialStore& credentials() override;
  EventStore& events() override;
  FixtureStore& fixtures() override;
  IdempotencyStore& idempotency_keys() override;
  IdentityStore& identity() override;
  MemberStore& members() override;
  MetaStore& meta() override;
  RecordStore& records() override;
  UsageStore& usage() override;
  WebhookStore& webhooks() override;
  WorkspaceStore& workspaces() override;
  // BEGIN IMMEDIATE after taking the write gate: take the write lock up front, no upgrade
  // deadlocks. Inside a write batch, or a transaction already open on the connection (a
  // fixture loaded as one transaction, api.md §9.1), a SAVEPOINT instead: committing releases
  // it into the outer transaction, and abandoning it undoes only its own changes.
  void tx_begin(TxState& s) override;
  void tx_commit(TxState& s) override;
  void tx_abandon(TxState& s) noexcept override;

 private:
  Db(sqlite3* h, std::string path);
  sqlite3_stmt* prepare(std::string_view sql);
  const volatile unsigned char* wal_index();  // nullptr when there is none to read
  void forget_wal_index();                    // before a statement that may change the journal mode
  sqlite3* handle_;
  std::string path_;
  // Looked up by the SQL text as given (a string_view), without copying it into a string.
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
  };
  std::unordered_map<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>> cache_;
  void* shm_ = nullptr;                  // WAL-index region 0, mapped and owned by SQLite (valid while its WAL is open)
  sqlite3_file* shm_journal_ = nullptr;  // the journal file object shm_ was found with
  bool shm_resolved_ = false;
  bool text_queue_seen_ = false;
  std::uint64_t stamp_ = 0;
  // What this process's connections to one file share: its write gate, and the auth version
  // at the state the last of their commits left (auth_version_at).
  struct PerFile {
    std::mutex gate;
    std::mutex noted_mu;
    std::array<unsigned char, 96> noted_state{};
    std::int64_t noted_version = 0;
    bool noted = false;
    std::atomic<bool> wal_restart_ready{false};  // request_wal_restart
  };
  std::shared_ptr<PerFile> shared_;
  std::shared_ptr<ChangeTracker> tracker_;  // outlives handle_, whose hook points at it
  bool in_group_ = false;
  int open_savepoints_ = 0;               // savepoints of Tx now open in the transaction (tx_begin)
  std::vector<TextInsert> text_inserts_;  // queue_text_insert
  std::vector<std::size_t> text_marks_;   // text_inserts_'s size when each open savepoint began
  std::unique_ptr<SqliteStores> stores_;  // made on first use
  SqliteStores& stores();
};

// Creates `path` empty with mode 0600 unless it exists (then leaves it alone). For files
// SQLite is about to open: the database, a backup.
void create_private_file(const std::string& path);

}  // namespace slab5d
