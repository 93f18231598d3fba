// A thin RAII layer over libpq, the PostgreSQL counterpart of store/sqlite/db.hpp: PgConn (one
// connection, with a cache of prepared statements and LISTEN/NOTIFY), PgResult (a result with
// typed getters), PgTx (BEGIN … COMMIT, a SAVEPOINT when nested, rolled back unless committed)
// and retry_transaction (a transaction run again after a serialization failure or deadlock).
// Parameters travel as text ($1, $2, … in the SQL); libpq's types stay in pg.cpp.
#pragma once
#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/store_error.hpp"

struct pg_conn;    // libpq's PGconn
struct pg_result;  // libpq's PGresult

namespace slab5d {

struct Null;  // the NULL marker of store/conn.hpp, which every backend binds as NULL

// SQLSTATEs this layer tells apart (https://www.postgresql.org/docs/15/errcodes-appendix.html).
namespace sqlstate {
inline constexpr std::string_view kUniqueViolation = "23505";
inline constexpr std::string_view kForeignKeyViolation = "23503";
inline constexpr std::string_view kSerializationFailure = "40001";
inline constexpr std::string_view kDeadlockDetected = "40P01";
inline constexpr std::string_view kLockNotAvailable = "55P03";  // lock_timeout passed
inline constexpr std::string_view kConnectionFailure = "08006";
inline constexpr std::string_view kCharacterNotInRepertoire = "22021";
}  // namespace sqlstate

// Thrown for what is not an ordinary outcome: a lost connection, a syntax error, a
// serialization failure (which retry_transaction catches), a constraint hit where the caller
// did not ask for it as a value (exec rather than run). The message never holds the URL or a
// password. A StoreError: the edge answers 503 when busy() (the server cannot serve now, or
// the transaction lost a race), 500 otherwise.
class PgError : public StoreError {
 public:
  PgError(std::string sqlstate, const std::string& what, std::string detail = {})
      : StoreError(what, busy_state(sqlstate)), sqlstate_(std::move(sqlstate)), detail_(std::move(detail)) {}
  // Five characters; "" when the server sent none (libpq's own failures).
  const std::string& sqlstate() const { return sqlstate_; }
  // The server's DETAIL line, which may quote row values: for debugging, never for a log.
  const std::string& detail() const { return detail_; }
  bool unique_violation() const { return sqlstate_ == sqlstate::kUniqueViolation; }
  bool constraint_violation() const { return sqlstate_.rfind("23", 0) == 0; }
  // The transaction lost a race and may succeed when run again from its start.
  bool retryable() const {
    return sqlstate_ == sqlstate::kSerializationFailure || sqlstate_ == sqlstate::kDeadlockDetected;
  }
  // Also a row lock that a write batch waited for past its lock_timeout (PgDb::set_group):
  // the batch holding it may be waiting for this one's.
  bool lost_race() const override { return retryable() || sqlstate_ == sqlstate::kLockNotAvailable; }
  bool connection_failure() const { return sqlstate_.rfind("08", 0) == 0; }

 private:
  // A lost or refused connection (08), too few resources (53), a server shutting down (57),
  // a lock not available (55P03), a lost race (40001, 40P01).
  static bool busy_state(std::string_view s) {
    auto cls = s.substr(0, 2);
    return cls == "08" || cls == "53" || cls == "57" || s == "55P03" || s == sqlstate::kSerializationFailure ||
           s == sqlstate::kDeadlockDetected;
  }
  std::string sqlstate_;
  std::string detail_;
};

// A query's result: rows of text values (PostgreSQL's text output: BOOLEAN is "t"/"f").
class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(pg_result* r) : res_(r) {}
  PgResult(PgResult&& o) noexcept : res_(std::exchange(o.res_, nullptr)) {}
  PgResult& operator=(PgResult&& o) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  ~PgResult();

  int rows() const;
  int columns() const;
  bool is_null(int row, int col) const;
  std::string text(int row, int col) const;  // "" for NULL
  std::optional<std::string> opt_text(int row, int col) const;
  // Throws PgError when the value is not a whole number (or is NULL).
  std::int64_t integer(int row, int col) const;
  std::optional<std::int64_t> opt_integer(int row, int col) const;
  bool boolean(int row, int col) const;  // a BOOLEAN column; throws unless "t" or "f"
  // Rows the command changed (INSERT, UPDATE, DELETE; the rows of a SELECT); 0 otherwise.
  std::int64_t affected() const;

 private:
  void check(int row, int col) const;
  pg_result* res_ = nullptr;
};

// One row of a PgResult, read the way SQLite's Query reads its current row (text(col),
// opt_text(col), integer(col), is_null(col)), so that what turns a row into a value is
// written once for both backends (store/store_rows.hpp).
class PgRow {
 public:
  PgRow(const PgResult& r, int row) : r_(r), row_(row) {}
  bool is_null(int col) const { return r_.is_null(row_, col); }
  std::string text(int col) const { return r_.text(row_, col); }
  std::optional<std::string> opt_text(int col) const { return r_.opt_text(row_, col); }
  std::int64_t integer(int col) const { return r_.integer(row_, col); }
  std::optional<std::int64_t> opt_integer(int col) const { return r_.opt_integer(row_, col); }

 private:
  const PgResult& r_;
  int row_;
};

// Query parameters, each text or NULL. Text cannot carry a NUL byte (libpq's text parameters
// end at the first one, and PostgreSQL's text type has none): such a value is refused with
// PgError 22021 before anything is sent, never cut short.
class PgParams {
 public:
  explicit PgParams(std::size_t n = 0) { values_.reserve(n); }
  PgParams(const PgParams&) = delete;
  PgParams& operator=(const PgParams&) = delete;

  // A string that will not outlive this call (a temporary) is copied; an lvalue std::string is
  // used in place and must outlive the query.
  void add(std::string&& v) {
    check_text(v);
    owned_.push_back(std::move(v));
    values_.push_back(owned_.back().c_str());
  }
  template <class T>
  void add(const T& v) {
    if constexpr (std::is_same_v<T, Null> || std::is_same_v<T, std::nullopt_t> || std::is_same_v<T, std::nullptr_t>) {
      values_.push_back(nullptr);
    } else if constexpr (std::is_same_v<T, bool>) {
      values_.push_back(v ? "true" : "false");
    } else if constexpr (std::is_same_v<T, std::string>) {
      check_text(v);
      values_.push_back(v.c_str());
    } else if constexpr (std::is_same_v<T, const char*> || std::is_same_v<T, char*>) {
      values_.push_back(v);
    } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
      std::string_view s(v);
      check_text(s);
      owned_.emplace_back(s);
      values_.push_back(owned_.back().c_str());
    } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, char>) {
      owned_.push_back(std::to_string(v));
      values_.push_back(owned_.back().c_str());
    } else if constexpr (requires {
                           v.has_value();
                           *v;
                         }) {  // std::optional<U>
      if (v)
        add(*v);
      else
        values_.push_back(nullptr);
    } else {
      static_assert(sizeof(T) == 0, "PgParams: bind a string, an integer, a bool, an optional or Null");
    }
  }

  int size() const { return int(values_.size()); }
  const char* const* values() const { return values_.data(); }

 private:
  void check_text(std::string_view s) const;  // throws PgError 22021 on a NUL byte
  std::vector<const char*> values_;
  std::deque<std::string> owned_;  // a deque: adding never moves what values_ points into
};

// Which constraint a write hit (SQLSTATE class 23), as run() reports it.
enum class PgConstraint { None, Unique, ForeignKey, Other };

// What run() ends in: done, or a constraint hit (an ordinary outcome, like Query::run()'s
// SQLITE_CONSTRAINT). After a hit the statement is undone and the transaction goes on.
struct [[nodiscard]] PgRun {
  PgConstraint constraint = PgConstraint::None;
  std::string constraint_name;  // the violated constraint ("users_email_key"), when known
  PgResult result;              // the command's result when done (RETURNING rows, affected())

  bool ok() const { return constraint == PgConstraint::None; }
  std::int64_t affected() const { return result.affected(); }
};

struct PgNotification {
  std::string channel;
  std::string payload;
  int sender_pid = 0;  // the backend process of the connection that sent it
};

enum class PgIsolation { ReadCommitted, RepeatableRead, Serializable };

struct PgConnectOptions {
  std::chrono::seconds connect_timeout{10};  // unless the URL sets connect_timeout itself
  std::string application_name = "slab5d";   // unless the URL sets it
};

class PgConn {
 public:
  // Connects to a postgres:// URL (or a libpq keyword=value string). Throws PgError "cannot
  // connect to PostgreSQL: …" on failure; the message never holds the URL or its password.
  static std::unique_ptr<PgConn> open(const std::string& url, const PgConnectOptions& options = {});
  ~PgConn();
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  // Runs one statement with args as $1, $2, …, prepared once per connection and SQL text.
  // Any failure throws PgError, a constraint hit included.
  template <class... Args>
  PgResult exec(std::string_view sql, const Args&... args) {
    PgParams p(sizeof...(Args));
    (p.add(args), ...);
    return exec_params(sql, p);
  }
  // The same for a write whose constraint hit is an ordinary outcome (a value, not a throw).
  // Inside a transaction the statement runs under a savepoint, in the same round trip, so a
  // hit undoes only the statement and leaves the transaction usable, as SQLite does.
  template <class... Args>
  PgRun run(std::string_view sql, const Args&... args) {
    PgParams p(sizeof...(Args));
    (p.add(args), ...);
    return run_params(sql, p);
  }
  PgResult exec_params(std::string_view sql, const PgParams& params);
  PgRun run_params(std::string_view sql, const PgParams& params);
  // One or more statements without parameters or results (DDL, migrations), not prepared.
  void exec_script(const std::string& sql);

  bool in_transaction() const;  // a transaction is open (or failed and not yet rolled back)
  // Whether the connection still works: false once libpq saw it fail, or when the server has
  // closed it while it sat idle (what it sent is read without blocking). Never blocks.
  bool alive();
  int backend_pid() const;  // the server process serving this connection
  std::size_t prepared_count() const { return prepared_.size(); }

  // LISTEN/NOTIFY. A notification sent inside a transaction is delivered when it commits;
  // one received while this connection runs a statement is kept for wait_notification.
  void listen(std::string_view channel);
  void unlisten_all();
  bool listening() const { return listening_; }
  void notify(std::string_view channel, std::string_view payload);
  // The next notification for a channel this connection listens on, waiting up to `timeout`
  // (poll on the socket, no busy loop); nullopt when none came. Must not be called while a
  // transaction is open on this connection: the server delivers only between transactions.
  std::optional<PgNotification> wait_notification(std::chrono::milliseconds timeout);

  // For PgTx: how many PgTx are open on this connection (savepoints are named after it).
  int tx_depth() const { return tx_depth_; }
  void set_tx_depth(int d) { tx_depth_ = d; }

  pg_conn* handle() { return conn_; }

 private:
  explicit PgConn(pg_conn* c) : conn_(c) {}
  const std::string& prepared_name(std::string_view sql);
  PgResult take_result(pg_result* r, std::string_view what);
  [[noreturn]] void throw_lost(std::string_view what);
  PgRun run_in_savepoint(std::string_view sql, const PgParams& params);
  pg_conn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text → statement name
  bool broken_ = false;      // a pipelined statement failed half-way: alive() is false from then on
  int statements_made_ = 0;  // names prepared statements: never reused, even after a failure
  int tx_depth_ = 0;
  bool listening_ = false;
};

// A transaction: BEGIN ISOLATION LEVEL … on a connection with none open, otherwise a SAVEPOINT
// inside the open one (whose isolation level then applies). commit() commits or releases;
// dropped uncommitted, it rolls back only what it began. Must end before the one it is in.
class PgTx {
 public:
  explicit PgTx(PgConn& conn, PgIsolation isolation = PgIsolation::ReadCommitted);
  ~PgTx();
  PgTx(const PgTx&) = delete;
  PgTx& operator=(const PgTx&) = delete;
  // Ends it committed, or throws PgError having ended it rolled back: a serialization failure
  // at COMMIT, a transaction (or savepoint) that an earlier error aborted.
  void commit();
  bool is_savepoint() const { return depth_ > 1; }

 private:
  void end();
  void abandon() noexcept;  // rolls back what this one began, then ends it
  PgConn& conn_;
  int depth_;  // this PgTx's place on the connection: 1 = the transaction, 2… = savepoints
  bool done_ = false;
};

inline constexpr int kPgRetryAttempts = 5;

// Runs body(tx) in a new transaction at `isolation`; the body commits tx itself (what it leaves
// uncommitted is rolled back) and its return value is returned. When the body or its commit
// fails with a serialization failure or a deadlock, the whole transaction is run again after
// a short random pause, `attempts` times in all; then the last PgError is rethrown. On a
// connection that already has a transaction open no retry is possible (the failure belongs
// to the outer transaction): the body runs once, in a savepoint.
template <class F>
auto retry_transaction(PgConn& conn, PgIsolation isolation, F&& body, int attempts = kPgRetryAttempts)
    -> decltype(body(std::declval<PgTx&>())) {
  thread_local std::minstd_rand jitter{std::random_device{}()};
  for (int attempt = 1;; ++attempt) {
    bool outermost = !conn.in_transaction();
    try {
      PgTx tx(conn, isolation);
      return body(tx);
    } catch (const PgError& e) {
      if (!outermost || !e.retryable() || attempt >= attempts) throw;
    }
    // Up to 1, 2, 4, … ms (at most 32): the transactions that collided start apart.
    int cap_ms = 1 << std::min(attempt - 1, 5);
    std::this_thread::sleep_for(std::chrono::microseconds(jitter() % (unsigned(cap_ms) * 1000U + 1U)));
  }
}

}  // namespace slab5d
