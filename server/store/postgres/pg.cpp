#include "store/postgres/pg.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace slab5d {

namespace {

int pg_hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string pg_percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    int hi = 0, lo = 0;
    if (s[i] == '%' && i + 2 < s.size() && (hi = pg_hex_digit(s[i + 1])) >= 0 && (lo = pg_hex_digit(s[i + 2])) >= 0) {
      out += char(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Everything in a connection string that may be (part of) a password: the password of a
// URL's user info, as written, percent-decoded and cut at the characters libpq splits a
// mistyped URL at (its pieces then show up as a host, port or database name in a message);
// a ?password= parameter; a keyword=value string's password. Over-collecting only costs a
// message some characters.
std::vector<std::string> pg_secrets_of(const std::string& conninfo) {
  std::vector<std::string> out;
  auto add = [&out](std::string_view raw) {
    if (raw.empty()) return;
    for (const auto& form : {std::string(raw), pg_percent_decode(raw)}) {
      if (form.empty()) continue;
      out.push_back(form);
      std::size_t start = 0;
      for (std::size_t i = 0; i <= form.size(); ++i) {
        if (i == form.size() || std::strchr("/?@:#&=", form[i]) != nullptr) {
          if (i > start && i - start < form.size()) out.push_back(form.substr(start, i - start));
          start = i + 1;
        }
      }
    }
  };
  if (auto scheme = conninfo.find("://"); scheme != std::string::npos) {
    std::string_view rest = std::string_view(conninfo).substr(scheme + 3);
    std::string_view before_query = rest.substr(0, rest.find('?'));
    // The user info ends at an '@': libpq takes the first, a reader the last; cover both.
    for (auto at : {before_query.find('@'), before_query.rfind('@')}) {
      if (at == std::string_view::npos) continue;
      auto userinfo = before_query.substr(0, at);
      if (auto colon = userinfo.find(':'); colon != std::string_view::npos) add(userinfo.substr(colon + 1));
    }
    if (auto q = rest.find('?'); q != std::string_view::npos) {
      std::string_view params = rest.substr(q + 1);
      while (!params.empty()) {
        auto amp = params.find('&');
        auto pair = params.substr(0, amp);
        auto eq = pair.find('=');
        if (eq != std::string_view::npos && pg_percent_decode(pair.substr(0, eq)) == "password")
          add(pair.substr(eq + 1));
        if (amp == std::string_view::npos) break;
        params.remove_prefix(amp + 1);
      }
    }
  }
  // keyword = value, the value bare or in single quotes with backslash escapes.
  for (std::size_t at = conninfo.find("password"); at != std::string::npos; at = conninfo.find("password", at + 1)) {
    std::size_t i = at + 8;
    while (i < conninfo.size() && std::isspace(static_cast<unsigned char>(conninfo[i]))) ++i;
    if (i >= conninfo.size() || conninfo[i] != '=') continue;
    ++i;
    while (i < conninfo.size() && std::isspace(static_cast<unsigned char>(conninfo[i]))) ++i;
    std::string value, raw;
    if (i < conninfo.size() && conninfo[i] == '\'') {
      for (++i; i < conninfo.size() && conninfo[i] != '\''; ++i) {
        raw += conninfo[i];
        if (conninfo[i] == '\\' && i + 1 < conninfo.size()) raw += conninfo[++i];
        value += conninfo[i];
      }
    } else {
      for (; i < conninfo.size() && !std::isspace(static_cast<unsigned char>(conninfo[i])); ++i) value += conninfo[i];
    }
    add(value);
    if (raw != value) add(raw);
  }
  return out;
}

// libpq's connection message with anything of the password (and the URL itself) taken out,
// on one line.
std::string pg_scrubbed_message(std::string msg, const std::string& conninfo) {
  auto secrets = pg_secrets_of(conninfo);
  secrets.push_back(conninfo);
  std::sort(secrets.begin(), secrets.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  for (const auto& s : secrets) {
    if (s.empty()) continue;
    for (auto at = msg.find(s); at != std::string::npos; at = msg.find(s, at + 3)) msg.replace(at, s.size(), "***");
  }
  std::string out;
  for (char c : msg) {
    bool space = c == '\n' || c == '\t' || c == '\r' || c == ' ';
    if (space) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string pg_field(const PGresult* r, int field) {
  const char* v = PQresultErrorField(r, field);
  return v ? std::string(v) : std::string();
}

PgConstraint pg_constraint_of(std::string_view state) {
  if (state == sqlstate::kUniqueViolation) return PgConstraint::Unique;
  if (state == sqlstate::kForeignKeyViolation) return PgConstraint::ForeignKey;
  return PgConstraint::Other;
}

// The PgError for a failed result (which the caller still owns).
PgError pg_error_of(const PGresult* r, PGconn* conn, std::string_view what) {
  std::string state = pg_field(r, PG_DIAG_SQLSTATE);
  std::string primary = pg_field(r, PG_DIAG_MESSAGE_PRIMARY);
  if (primary.empty()) primary = pg_scrubbed_message(PQerrorMessage(conn), "");
  if (state.empty() && PQstatus(conn) != CONNECTION_OK) state = std::string(sqlstate::kConnectionFailure);
  std::string msg(what);
  msg += ": " + primary;
  if (!state.empty()) msg += " (SQLSTATE " + state + ")";
  return PgError(state, msg, pg_field(r, PG_DIAG_MESSAGE_DETAIL));
}

bool pg_result_ok(const PGresult* r) {
  auto st = PQresultStatus(r);
  return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
}

// Reads one query's results in pipeline mode, up to the NULL that ends them: the first is
// kept (the caller clears it), the rest cleared.
PGresult* pg_pipeline_result(PGconn* conn) {
  PGresult* first = nullptr;
  while (PGresult* r = PQgetResult(conn)) {
    if (!first)
      first = r;
    else
      PQclear(r);
    if (PQstatus(conn) != CONNECTION_OK) break;
  }
  return first;
}

void pg_ignore_notice(void*, const char*) {}

struct PgResultFree {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResultOwner = std::unique_ptr<PGresult, PgResultFree>;

}  // namespace

// --- PgResult ------------------------------------------------------------------------------

PgResult& PgResult::operator=(PgResult&& o) noexcept {
  if (this != &o) {
    if (res_) PQclear(res_);
    res_ = std::exchange(o.res_, nullptr);
  }
  return *this;
}

PgResult::~PgResult() {
  if (res_) PQclear(res_);
}

int PgResult::rows() const { return res_ ? PQntuples(res_) : 0; }
int PgResult::columns() const { return res_ ? PQnfields(res_) : 0; }

void PgResult::check(int row, int col) const {
  if (row < 0 || row >= rows() || col < 0 || col >= columns())
    throw std::out_of_range("PgResult: no value at row " + std::to_string(row) + ", column " + std::to_string(col));
}

bool PgResult::is_null(int row, int col) const {
  check(row, col);
  return PQgetisnull(res_, row, col) != 0;
}

std::string PgResult::text(int row, int col) const {
  check(row, col);
  return std::string(PQgetvalue(res_, row, col), std::size_t(PQgetlength(res_, row, col)));
}

std::optional<std::string> PgResult::opt_text(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return text(row, col);
}

std::int64_t PgResult::integer(int row, int col) const {
  check(row, col);
  const char* v = PQgetvalue(res_, row, col);
  const char* end = v + PQgetlength(res_, row, col);
  std::int64_t out = 0;
  auto [p, ec] = std::from_chars(v, end, out);
  if (PQgetisnull(res_, row, col) || ec != std::errc() || p != end)
    throw PgError("22P02", "PostgreSQL returned a value that is not a whole number in column " +
                               std::string(PQfname(res_, col) ? PQfname(res_, col) : "?"));
  return out;
}

std::optional<std::int64_t> PgResult::opt_integer(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return integer(row, col);
}

bool PgResult::boolean(int row, int col) const {
  auto v = text(row, col);
  if (!is_null(row, col) && (v == "t" || v == "f")) return v == "t";
  throw PgError("22P02", "PostgreSQL returned a value that is not a boolean in column " +
                             std::string(PQfname(res_, col) ? PQfname(res_, col) : "?"));
}

std::int64_t PgResult::affected() const {
  if (!res_) return 0;
  const char* n = PQcmdTuples(res_);
  std::int64_t out = 0;
  if (n && *n) std::from_chars(n, n + std::strlen(n), out);
  return out;
}

void PgParams::check_text(std::string_view s) const {
  if (s.find('\0') != std::string_view::npos)
    throw PgError(std::string(sqlstate::kCharacterNotInRepertoire),
                  "parameter $" + std::to_string(values_.size() + 1) +
                      " holds a NUL byte, which PostgreSQL text cannot store; nothing was sent");
}

// --- PgConn --------------------------------------------------------------------------------

std::unique_ptr<PgConn> PgConn::open(const std::string& url, const PgConnectOptions& options) {
  const std::string kFailed = "cannot connect to PostgreSQL: ";
  if (url.empty()) throw PgError("08001", kFailed + "no URL given");
  auto timeout = std::to_string(std::max<long long>(1, options.connect_timeout.count()));
  // Entries before dbname (which expands the URL) are defaults the URL may override; the
  // encoding after it is not negotiable: every string this program handles is UTF-8.
  const char* keys[] = {"connect_timeout", "application_name", "dbname", "client_encoding", nullptr};
  const char* values[] = {timeout.c_str(), options.application_name.c_str(), url.c_str(), "UTF8", nullptr};
  PGconn* c = PQconnectdbParams(keys, values, 1);
  if (!c) throw PgError("08001", kFailed + "out of memory");
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = pg_scrubbed_message(PQerrorMessage(c), url);
    PQfinish(c);
    throw PgError("08001", kFailed + msg);
  }
  // Notices (a NOTICE from IF NOT EXISTS, a WARNING from ROLLBACK outside a transaction)
  // would otherwise go to stderr outside the logger.
  PQsetNoticeProcessor(c, pg_ignore_notice, nullptr);
  return std::unique_ptr<PgConn>(new PgConn(c));
}

PgConn::~PgConn() { PQfinish(conn_); }

void PgConn::throw_lost(std::string_view what) {
  throw PgError(std::string(sqlstate::kConnectionFailure),
                std::string(what) + ": " + pg_scrubbed_message(PQerrorMessage(conn_), ""));
}

PgResult PgConn::take_result(PGresult* r, std::string_view what) {
  if (!r) throw_lost(what);
  if (pg_result_ok(r)) return PgResult(r);
  PgError e = pg_error_of(r, conn_, what);
  PQclear(r);
  throw e;
}

const std::string& PgConn::prepared_name(std::string_view sql) {
  std::string key(sql);
  if (auto it = prepared_.find(key); it != prepared_.end()) return it->second;
  std::string name = "slab5_" + std::to_string(++statements_made_);
  take_result(PQprepare(conn_, name.c_str(), key.c_str(), 0, nullptr), "PostgreSQL could not prepare a statement");
  return prepared_.emplace(std::move(key), std::move(name)).first->second;
}

PgResult PgConn::exec_params(std::string_view sql, const PgParams& params) {
  const auto& name = prepared_name(sql);
  return take_result(PQexecPrepared(conn_, name.c_str(), params.size(), params.values(), nullptr, nullptr, 0),
                     "PostgreSQL statement failed");
}

PgRun PgConn::run_params(std::string_view sql, const PgParams& params) {
  if (in_transaction()) return run_in_savepoint(sql, params);
  // Outside a transaction a failure leaves nothing behind to undo.
  const auto& name = prepared_name(sql);
  PGresult* r = PQexecPrepared(conn_, name.c_str(), params.size(), params.values(), nullptr, nullptr, 0);
  if (r && !pg_result_ok(r)) {
    std::string state = pg_field(r, PG_DIAG_SQLSTATE);
    if (state.rfind("23", 0) == 0) {
      PgRun out;
      out.constraint = pg_constraint_of(state);
      out.constraint_name = pg_field(r, PG_DIAG_CONSTRAINT_NAME);
      PQclear(r);
      return out;
    }
  }
  PgRun out;
  out.result = take_result(r, "PostgreSQL statement failed");
  return out;
}

PgRun PgConn::run_in_savepoint(std::string_view sql, const PgParams& params) {
  // SAVEPOINT, the statement (prepared first when new) and RELEASE in one round trip (libpq's
  // pipeline mode). When a step fails the server skips the rest; the savepoint is then rolled
  // back, so that the transaction goes on without the statement, as it does in SQLite.
  static constexpr const char* kWhat = "PostgreSQL statement failed";
  std::string key(sql);
  auto cached = prepared_.find(key);
  const bool prepare = cached == prepared_.end();
  const std::string name = prepare ? "slab5_" + std::to_string(++statements_made_) : cached->second;
  if (broken_ || PQenterPipelineMode(conn_) != 1) throw_lost(kWhat);
  bool sent = PQsendQueryParams(conn_, "SAVEPOINT slab5_stmt", 0, nullptr, nullptr, nullptr, nullptr, 0) == 1 &&
              (!prepare || PQsendPrepare(conn_, name.c_str(), key.c_str(), 0, nullptr) == 1) &&
              PQsendQueryPrepared(conn_, name.c_str(), params.size(), params.values(), nullptr, nullptr, 0) == 1 &&
              PQsendQueryParams(conn_, "RELEASE SAVEPOINT slab5_stmt", 0, nullptr, nullptr, nullptr, nullptr, 0) == 1 &&
              PQpipelineSync(conn_) == 1;
  PgResultOwner savepoint, prepared, statement, release;
  if (sent) {
    savepoint.reset(pg_pipeline_result(conn_));
    if (prepare) prepared.reset(pg_pipeline_result(conn_));
    statement.reset(pg_pipeline_result(conn_));
    release.reset(pg_pipeline_result(conn_));
    PgResultOwner sync(PQgetResult(conn_));  // the sync's own result; nothing follows it
  }
  if (PQexitPipelineMode(conn_) != 1 || !sent || !savepoint || !statement || !release || (prepare && !prepared)) {
    broken_ = true;  // left somewhere in the protocol: this connection is not to be used again
    throw_lost(kWhat);
  }
  if (!pg_result_ok(savepoint.get())) throw pg_error_of(savepoint.get(), conn_, kWhat);
  // A prepared statement outlives a rollback: once made, it is kept.
  if (prepare && pg_result_ok(prepared.get())) prepared_.emplace(key, name);
  if (pg_result_ok(statement.get()) && pg_result_ok(release.get())) {
    PgRun out;
    out.result = PgResult(statement.release());
    return out;
  }
  const PGresult* failed = prepare && !pg_result_ok(prepared.get()) ? prepared.get()
                           : !pg_result_ok(statement.get())         ? statement.get()
                                                                    : release.get();
  PgError error =
      pg_error_of(failed, conn_, failed == prepared.get() ? "PostgreSQL could not prepare a statement" : kWhat);
  if (PQstatus(conn_) != CONNECTION_OK) throw error;
  exec_script("ROLLBACK TO SAVEPOINT slab5_stmt; RELEASE SAVEPOINT slab5_stmt");
  if (failed != statement.get() || !error.constraint_violation()) throw error;
  PgRun out;
  out.constraint = pg_constraint_of(error.sqlstate());
  out.constraint_name = pg_field(failed, PG_DIAG_CONSTRAINT_NAME);
  return out;
}

void PgConn::exec_script(const std::string& sql) {
  take_result(PQexec(conn_, sql.c_str()), "PostgreSQL statement failed");
}

bool PgConn::in_transaction() const {
  auto s = PQtransactionStatus(conn_);
  return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

bool PgConn::alive() {
  if (PQstatus(conn_) != CONNECTION_OK) return false;
  int fd = PQsocket(conn_);
  if (fd < 0) return false;
  if (broken_) return false;
  // An idle connection has nothing to read unless the server said something on its own (a
  // notification, or the message it sends before it closes the connection). A closed one
  // stays readable: its last message is read first, then its end.
  for (int reads = 0; reads < 4 && PQstatus(conn_) == CONNECTION_OK; ++reads) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) break;
    if (PQconsumeInput(conn_) != 1) return false;
  }
  return PQstatus(conn_) == CONNECTION_OK;
}

int PgConn::backend_pid() const { return PQbackendPID(conn_); }

void PgConn::listen(std::string_view channel) {
  char* quoted = PQescapeIdentifier(conn_, channel.data(), channel.size());
  if (!quoted) throw PgError("22023", "not a valid channel name: " + pg_scrubbed_message(PQerrorMessage(conn_), ""));
  std::string sql = "LISTEN " + std::string(quoted);
  PQfreemem(quoted);
  exec_script(sql);
  listening_ = true;
}

void PgConn::unlisten_all() {
  exec_script("UNLISTEN *");
  while (PGnotify* n = PQnotifies(conn_)) PQfreemem(n);
  listening_ = false;
}

void PgConn::notify(std::string_view channel, std::string_view payload) {
  (void)exec("SELECT pg_notify($1, $2)", channel, payload);
}

std::optional<PgNotification> PgConn::wait_notification(std::chrono::milliseconds timeout) {
  if (PQtransactionStatus(conn_) != PQTRANS_IDLE)
    throw std::logic_error("wait_notification: a transaction is open on this connection");
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + timeout;
  for (;;) {
    if (PGnotify* n = PQnotifies(conn_)) {
      PgNotification out{n->relname ? n->relname : "", n->extra ? n->extra : "", n->be_pid};
      PQfreemem(n);
      return out;
    }
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    int fd = PQsocket(conn_);
    if (fd < 0) throw_lost("waiting for a PostgreSQL notification failed");
    pollfd p{fd, POLLIN, 0};
    int rc = ::poll(&p, 1, int(std::min<long long>(left.count(), 60'000)));
    if (rc < 0) {
      if (errno == EINTR) continue;
      throw PgError("58000", std::string("waiting for a PostgreSQL notification failed: ") + std::strerror(errno));
    }
    if (rc > 0 && PQconsumeInput(conn_) != 1) throw_lost("waiting for a PostgreSQL notification failed");
  }
}

// --- PgTx ----------------------------------------------------------------------------------

namespace {
const char* pg_begin_sql(PgIsolation isolation) {
  switch (isolation) {
    case PgIsolation::RepeatableRead:
      return "BEGIN ISOLATION LEVEL REPEATABLE READ";
    case PgIsolation::Serializable:
      return "BEGIN ISOLATION LEVEL SERIALIZABLE";
    default:
      return "BEGIN ISOLATION LEVEL READ COMMITTED";
  }
}
std::string pg_savepoint_name(int depth) { return "slab5_tx" + std::to_string(depth); }
}  // namespace

PgTx::PgTx(PgConn& conn, PgIsolation isolation) : conn_(conn) {
  // A transaction opened without PgTx (a raw BEGIN) counts as the outermost one; with none
  // open, whatever was counted before has ended.
  depth_ = (conn.in_transaction() ? std::max(conn.tx_depth(), 1) : 0) + 1;
  conn_.exec_script(depth_ == 1 ? std::string(pg_begin_sql(isolation)) : "SAVEPOINT " + pg_savepoint_name(depth_));
  conn_.set_tx_depth(depth_);
}

void PgTx::end() {
  done_ = true;
  conn_.set_tx_depth(depth_ - 1);
}

void PgTx::commit() {
  if (done_) throw std::logic_error("PgTx::commit: already ended");
  if (depth_ > 1) {
    try {
      conn_.exec_script("RELEASE SAVEPOINT " + pg_savepoint_name(depth_));
    } catch (const PgError&) {
      abandon();
      throw;
    }
    end();
    return;
  }
  // COMMIT in a transaction that an error aborted is answered ROLLBACK, not an error: it
  // must never look like success.
  if (PQtransactionStatus(conn_.handle()) == PQTRANS_INERROR) {
    abandon();
    throw PgError("25P02", "the transaction was aborted by an earlier error; nothing was committed");
  }
  PGresult* r = PQexec(conn_.handle(), "COMMIT");
  bool committed = r && pg_result_ok(r) && std::strcmp(PQcmdStatus(r), "COMMIT") == 0;
  std::optional<PgError> error;
  if (!r)
    error.emplace(std::string(sqlstate::kConnectionFailure), "PostgreSQL could not commit: the connection was lost");
  else if (!pg_result_ok(r))
    error.emplace(pg_error_of(r, conn_.handle(), "PostgreSQL could not commit"));
  else if (!committed)
    error.emplace("40000", "PostgreSQL rolled the transaction back instead of committing it");
  if (r) PQclear(r);
  end();  // the server has ended the transaction either way
  if (error) throw *error;
}

void PgTx::abandon() noexcept {
  try {
    if (PQstatus(conn_.handle()) == CONNECTION_OK && conn_.in_transaction()) {
      if (depth_ > 1)
        conn_.exec_script("ROLLBACK TO SAVEPOINT " + pg_savepoint_name(depth_) + "; RELEASE SAVEPOINT " +
                          pg_savepoint_name(depth_));
      else
        conn_.exec_script("ROLLBACK");
    }
  } catch (...) {
    // The outer transaction is gone (rolled back, the connection lost): nothing left to undo.
  }
  end();
}

PgTx::~PgTx() {
  if (!done_) abandon();
}

}  // namespace slab5d
