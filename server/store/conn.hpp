// One connection to the database, whichever backend serves it: what the domain reads and writes
// through. It hands out the stores (one interface per aggregate, store/*.hpp) bound to itself,
// and opens transactions (Tx). The domain and the handlers see only this; the SQL of a backend
// stays in its own directory (store/sqlite/ now, store/postgres/ beside it).
#pragma once
#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace slab5d {

class AuditStore;
class CredentialStore;
class EventStore;
class FixtureStore;
class IdempotencyStore;
struct IdentityStore;
class MemberStore;
class MetaStore;
class RecordStore;
class UsageStore;
class WebhookStore;
class WorkspaceStore;

// A NULL to bind as a statement parameter, in every backend's query layer.
struct Null {};

// What the database looked like at a moment, in the backend's own terms (Conn::changed_since).
struct ChangeMark {
  std::array<unsigned char, 96> state{};  // SQLite: both copies of the WAL-index header
  std::int64_t version = -1;              // SQLite without a WAL index: PRAGMA data_version
  std::int64_t own_changes = -1;          // … and this connection's change count
  bool taken = false;
};

// What a Tx holds while it is open; the backend fills it in tx_begin.
struct TxState {
  // Set by the caller (Tx with FirstWriteDecides): of the Tx's writes only the first statement
  // may be refused (a refused statement changes nothing), and a failure after it can only be an
  // internal error. Inside a write batch, a backend may then open no savepoint for the Tx: a
  // savepoint copies every page its writes first touch, and nearly every write of a batch is
  // such a Tx (a record created or changed). SQLite does so when no savepoint is already open;
  // a failure after a write then rolls the whole batch back (its requests are answered 503 and
  // nothing of them is kept). PostgreSQL, where a refused statement aborts the transaction,
  // always opens the savepoint.
  bool first_write_decides = false;
  bool bare = false;                  // SQLite: run without a savepoint of its own (first_write_decides)
  std::int64_t changes_at_begin = 0;  // SQLite, when bare: the connection's change count at the start
  bool savepoint = false;             // a savepoint inside an open transaction, not a transaction
  bool done = false;                  // committed
  std::unique_lock<std::mutex> gate;  // an in-process write lock held until the end, if any
};

class Conn {
 public:
  virtual ~Conn() = default;

  // Names the database this connection is to: the same for every connection to it, different
  // for another (the file path; for a server, its address and database without credentials).
  // What is kept per database and cached per process (a key stored in `meta`) is keyed by it.
  virtual const std::string& database_id() const = 0;

  // The stores over this connection. They live as long as it does and see its transaction.
  virtual AuditStore& audit() = 0;
  virtual CredentialStore& credentials() = 0;
  virtual EventStore& events() = 0;
  virtual FixtureStore& fixtures() = 0;
  virtual IdempotencyStore& idempotency_keys() = 0;
  virtual IdentityStore& identity() = 0;
  virtual MemberStore& members() = 0;
  virtual MetaStore& meta() = 0;
  virtual RecordStore& records() = 0;
  virtual UsageStore& usage() = 0;
  virtual WebhookStore& webhooks() = 0;
  virtual WorkspaceStore& workspaces() = 0;

  // Tx's steps. tx_begin opens a transaction that takes the write lock up front or, inside an
  // open transaction (a write batch, a fixture loaded as one), a savepoint; tx_commit ends it
  // (releasing a savepoint into the outer transaction); tx_abandon undoes what it did, and
  // never throws. Throw on failure.
  virtual void tx_begin(TxState& s) = 0;
  virtual void tx_commit(TxState& s) = 0;
  virtual void tx_abandon(TxState& s) noexcept = 0;

  // Group commit (server/write_batcher.hpp). The writer holds write_gate() for a batch, opens
  // one transaction with begin() and marks the connection set_group(true), so that every Tx
  // inside is a savepoint; it ends the batch with commit() or rollback(). in_transaction() is
  // false once the database itself rolled the transaction back (an I/O error, a full disk).
  virtual std::mutex& write_gate() = 0;  // shared by every connection of this process to the database
  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;
  virtual void set_group(bool on) = 0;
  virtual bool in_group() const = 0;
  virtual bool in_transaction() const = 0;

  // True when any connection to the database (this one, another thread's, another process's)
  // may have committed since `mark` was taken, or when it was never taken; `mark` is then
  // retaken. Cheap enough to ask on every request: what is cached per process (credentials,
  // workspaces) is checked against it.
  virtual bool changed_since(ChangeMark& mark) = 0;

  // A value that moves with every commit, by any connection, that may change what
  // authentication reads (credentials, workspaces, members, users, sessions, signing keys) and
  // stays put across the others (store/sqlite/auth_version.hpp); nullopt when the backend
  // keeps none, so that every commit must be taken as such a change.
  virtual std::optional<std::int64_t> auth_version() = 0;
  // The same, for a `mark` changed_since just took: a backend may know the value at that
  // state without reading it (SQLite: after its own commits, Db::commit).
  virtual std::optional<std::int64_t> auth_version_at(const ChangeMark& /*mark*/) { return auth_version(); }
};

// Names a Tx whose first statement is the only write that may be refused
// (TxState::first_write_decides).
struct FirstWriteDecides {};

// A write transaction on a connection: rolled back unless committed.
class Tx {
 public:
  explicit Tx(Conn& conn) : conn_(conn) { conn_.tx_begin(state_); }
  Tx(Conn& conn, FirstWriteDecides) : conn_(conn) {
    state_.first_write_decides = true;
    conn_.tx_begin(state_);
  }
  ~Tx() {
    if (!state_.done) conn_.tx_abandon(state_);
  }
  Tx(const Tx&) = delete;
  Tx& operator=(const Tx&) = delete;
  void commit() {
    conn_.tx_commit(state_);
    state_.done = true;
    if (state_.gate.owns_lock()) state_.gate.unlock();
  }

 private:
  Conn& conn_;
  TxState state_;
};

}  // namespace slab5d
