#include "store/postgres/pool.hpp"

namespace slab5d {

void PgLease::give_back() noexcept {
  if (pool_ && conn_) pool_->give_back(std::move(conn_));
  pool_ = nullptr;
}

PgLease::~PgLease() { give_back(); }

PgLease& PgLease::operator=(PgLease&& o) noexcept {
  if (this != &o) {
    give_back();
    pool_ = std::exchange(o.pool_, nullptr);
    conn_ = std::move(o.conn_);
  }
  return *this;
}

PgPool::PgPool(std::string url, std::size_t size, PgConnectOptions options)
    : url_(std::move(url)), size_(size), options_(std::move(options)) {
  if (size_ == 0) throw std::invalid_argument("PgPool: a pool needs at least one connection");
  idle_.reserve(size_);
  for (std::size_t i = 0; i < size_; ++i) idle_.push_back(PgConn::open(url_, options_));
}

PgPool::~PgPool() = default;

std::size_t PgPool::idle() const {
  std::lock_guard lock(mu_);
  return idle_.size();
}

std::size_t PgPool::reopened() const {
  std::lock_guard lock(mu_);
  return reopened_;
}

std::optional<PgLease> PgPool::acquire(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::unique_lock lock(mu_);
    if (!returned_.wait_until(lock, deadline, [&] { return !idle_.empty() || missing_ > 0; })) return std::nullopt;
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      lock.unlock();
      // Closed by the server while it waited here (a restart, pg_terminate_backend): dropped,
      // and the loop opens a new one in its place.
      if (conn->alive()) return PgLease(this, std::move(conn));
      conn.reset();
      lock.lock();
      ++missing_;
      continue;
    }
    --missing_;
    lock.unlock();
    try {
      auto conn = PgConn::open(url_, options_);
      lock.lock();
      ++reopened_;
      lock.unlock();
      return PgLease(this, std::move(conn));
    } catch (...) {
      lock.lock();
      ++missing_;
      lock.unlock();
      returned_.notify_one();
      throw;
    }
  }
}

void PgPool::give_back(std::unique_ptr<PgConn> conn) noexcept {
  // What the borrower left behind must not reach the next one: an open transaction is rolled
  // back and LISTENs are dropped; a connection where that fails is not kept.
  try {
    if (conn->alive() && conn->in_transaction()) conn->exec_script("ROLLBACK");
    if (conn->alive() && conn->listening()) conn->unlisten_all();
    conn->set_tx_depth(0);
  } catch (...) {
    conn.reset();
  }
  if (conn && !conn->alive()) conn.reset();
  {
    std::lock_guard lock(mu_);
    if (conn)
      idle_.push_back(std::move(conn));
    else
      ++missing_;
  }
  returned_.notify_one();
}

}  // namespace slab5d
