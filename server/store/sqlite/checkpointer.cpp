#include "store/sqlite/checkpointer.hpp"

#include <sqlite3.h>

#include <chrono>
#include <exception>

#include "logger.hpp"
#include "store/sqlite/db.hpp"

namespace slab5d {

namespace {
constexpr auto kInterval = std::chrono::milliseconds(200);
// 4,096 frames of 4 KiB: a WAL of 16 MiB.
constexpr int kRestartFrames = 4096;
}  // namespace

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

int Checkpointer::checkpoint(bool restart) {
  try {
    if (!db_) db_ = Db::open(path_, false);
    int log_frames = 0, done_frames = 0;
    int rc = sqlite3_wal_checkpoint_v2(db_->handle(), "main",
                                       restart ? SQLITE_CHECKPOINT_RESTART : SQLITE_CHECKPOINT_PASSIVE, &log_frames,
                                       &done_frames);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
      logger().log(LogLevel::Warn, "WAL checkpoint failed", {{"error", sqlite3_errstr(rc)}});
    return rc == SQLITE_OK && log_frames > 0 ? log_frames : 0;
  } catch (const std::exception& e) {
    logger().log(LogLevel::Warn, "WAL checkpoint failed", {{"error", e.what()}});
    db_.reset();
    return 0;
  }
}

void Checkpointer::loop() {
  std::unique_lock lk(mu_);
  while (!stopping_) {
    cv_.wait_for(lk, kInterval, [&] { return stopping_; });
    lk.unlock();
    // A WAL this long was not started over since the last look: writers kept it busy.
    if (checkpoint(false) > kRestartFrames) checkpoint(true);
    lk.lock();
  }
}

}  // namespace slab5d
