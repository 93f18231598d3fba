#include "store/sqlite/checkpointer.hpp"

#include <sqlite3.h>

#include <chrono>
#include <exception>

#include "logger.hpp"
#include "store/sqlite/db.hpp"

namespace slab5d {

namespace {
constexpr auto kInterval = std::chrono::milliseconds(200);
}

Checkpointer::Checkpointer(std::string db_path) : path_(std::move(db_path)) {
  thread_ = std::thread([this] { loop(); });
}

Checkpointer::~Checkpointer() { stop(); }

void Checkpointer::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Checkpointer::checkpoint() {
  try {
    if (!db_) db_ = Db::open(path_, false);
    int log_frames = 0, done_frames = 0;
    int rc = sqlite3_wal_checkpoint_v2(db_->handle(), "main", SQLITE_CHECKPOINT_PASSIVE, &log_frames, &done_frames);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
      logger().log(LogLevel::Warn, "WAL checkpoint failed", {{"error", sqlite3_errstr(rc)}});
  } catch (const std::exception& e) {
    logger().log(LogLevel::Warn, "WAL checkpoint failed", {{"error", e.what()}});
    db_.reset();
  }
}

void Checkpointer::loop() {
  std::unique_lock lk(mu_);
  while (!stopping_) {
    cv_.wait_for(lk, kInterval, [&] { return stopping_; });
    lk.unlock();
    checkpoint();
    lk.lock();
  }
}

}  // namespace slab5d
