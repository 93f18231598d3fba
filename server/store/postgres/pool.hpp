// PgPool: a fixed number of PostgreSQL connections shared by threads. acquire() hands one out
// for a scope (a PgLease) and waits, up to a timeout, while all are out; a connection that
// comes back broken, or that the server closed while it sat in the pool, is replaced by a new
// one the next time it is needed.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/postgres/pg.hpp"

namespace slab5d {

class PgPool;

// One connection of a pool, returned to it when the lease ends.
class PgLease {
 public:
  PgLease(PgLease&& o) noexcept : pool_(std::exchange(o.pool_, nullptr)), conn_(std::move(o.conn_)) {}
  PgLease& operator=(PgLease&& o) noexcept;  // gives back the connection it held first
  PgLease(const PgLease&) = delete;
  ~PgLease();
  PgConn& operator*() const { return *conn_; }
  PgConn* operator->() const { return conn_.get(); }

 private:
  friend class PgPool;
  PgLease(PgPool* pool, std::unique_ptr<PgConn> conn) : pool_(pool), conn_(std::move(conn)) {}
  void give_back() noexcept;
  PgPool* pool_;
  std::unique_ptr<PgConn> conn_;
};

class PgPool {
 public:
  // Opens `size` connections now, so that a wrong URL or an unreachable server fails at start
  // (PgError, without the URL in its message). The URL is kept to reopen connections.
  PgPool(std::string url, std::size_t size, PgConnectOptions options = {});
  ~PgPool();  // every lease must have ended
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // A connection, waiting up to `timeout` for one to come back; nullopt when none did (the
  // caller answers "unavailable"). Throws PgError when a replacement cannot connect.
  std::optional<PgLease> acquire(std::chrono::milliseconds timeout);

  std::size_t size() const { return size_; }
  std::size_t idle() const;      // connections in the pool now, not lent out
  std::size_t reopened() const;  // connections opened to replace broken ones, since the start

 private:
  friend class PgLease;
  void give_back(std::unique_ptr<PgConn> conn) noexcept;

  const std::string url_;  // may hold a password: never logged or put into a message
  const std::size_t size_;
  const PgConnectOptions options_;
  mutable std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<PgConn>> idle_;
  std::size_t missing_ = 0;  // connections dropped and not yet replaced
  std::size_t reopened_ = 0;
};

}  // namespace slab5d
