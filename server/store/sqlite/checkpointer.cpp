#include "store/sqlite/checkpointer.hpp"

#include <sqlite3.h>

#include <chrono>
#include <exception>

#include "logger.hpp"
#include "store/sqlite/db.hpp"

namespace slab5d {

namespace {
constexpr auto kInterval = std::chrono::milliseconds(200);
// A WAL longer than this is brought to its end, so that the next commit starts it over.
constexpr int kRestartFrames = 8192;  // 32 MiB of 4 KiB pages
// What may be left for the writer to copy (and sync) before its next transaction.
constexpr int kLastFrames = 256;
constexpr int kCatchUpPasses = 6;
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

void Checkpointer::checkpoint() {
  try {
    if (!db_) db_ = Db::open(path_, false);
    int log_frames = 0, done_frames = 0;
    auto passive = [&] {
      int rc = sqlite3_wal_checkpoint_v2(db_->handle(), "main", SQLITE_CHECKPOINT_PASSIVE, &log_frames, &done_frames);
      if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
        logger().log(LogLevel::Warn, "WAL checkpoint failed", {{"error", sqlite3_errstr(rc)}});
      return rc == SQLITE_OK;
    };
    if (!passive() || log_frames < kRestartFrames) return;
    // The WAL has grown long, and a writer that never pauses never begins with every frame
    // copied, which is when SQLite starts the WAL over. Passes that copy what was added
    // meanwhile come first, each followed by a sync of the database file: a pass that stops
    // short of the WAL's end does not sync it, and the one that reaches the end would sync
    // everything copied since, while the writer waits for it.
    auto left = [&]() -> std::int64_t {
      auto p = db_->wal_progress();
      return p ? std::int64_t(p->frames) - std::int64_t(p->backfilled) : -1;
    };
    for (int i = 0; i < kCatchUpPasses; ++i) {
      // Through SQLite's own handle of the file: closing a descriptor of it opened here would
      // drop every POSIX lock this process holds on it, SQLite's included.
      sqlite3_file* file = nullptr;
      if (sqlite3_file_control(db_->handle(), "main", SQLITE_FCNTL_FILE_POINTER, &file) == SQLITE_OK && file &&
          file->pMethods && file->pMethods->xSync(file, SQLITE_SYNC_NORMAL | SQLITE_SYNC_DATAONLY) != SQLITE_OK)
        return;
      auto n = left();
      if (n < 0) return;
      if (n <= kLastFrames) break;
      if (!passive()) return;
    }
    // The last few frames are copied by the next write of this process before it begins
    // (Db::begin): only there is no frame being added.
    if (auto n = left(); n >= 0 && n <= kLastFrames) db_->request_wal_restart();
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
