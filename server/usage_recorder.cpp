#include "usage_recorder.hpp"

#include <sqlite3.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include <chrono>
#include <memory>

#include "logger.hpp"

namespace slab5d {

void write_usage_events(Db& db, const std::vector<UsageEvent>& events) {
  if (events.empty()) return;
  // One statement prepared per batch and bound without copies (SQLITE_STATIC: the events
  // outlive each step): a batch holds every request of the last half second.
  static constexpr char kSql[] =
      "INSERT INTO usage_events (id, workspace_id, credential_type, credential_id, route, status, units, kind, "
      "request_id, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)";
  Tx tx(db);
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v3(db.handle(), kSql, int(sizeof kSql - 1), 0, &st, nullptr) != SQLITE_OK)
    throw DbError(sqlite3_errcode(db.handle()), std::string("prepare failed: ") + sqlite3_errmsg(db.handle()));
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(st, sqlite3_finalize);
  auto text = [st](int i, const std::string& v) { sqlite3_bind_text(st, i, v.data(), int(v.size()), SQLITE_STATIC); };
  for (const auto& e : events) {
    text(1, e.id);
    text(2, e.workspace_id);
    text(3, e.credential_type);
    text(4, e.credential_id);
    text(5, e.route);
    sqlite3_bind_int64(st, 6, e.status);
    sqlite3_bind_int64(st, 7, e.units);
    text(8, e.kind);
    text(9, e.request_id);
    text(10, e.created_at);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && (rc & 0xff) != SQLITE_CONSTRAINT)
      throw DbError(rc, std::string("usage insert failed: ") + sqlite3_errmsg(db.handle()));
  }
  guard.reset();
  tx.commit();
}

UsageRecorder::UsageRecorder(std::function<std::unique_ptr<Db>()> open_db) : open_db_(std::move(open_db)) {
  thread_ = std::thread([this] { loop(); });
}

UsageRecorder::~UsageRecorder() { stop(); }

void UsageRecorder::record(UsageEvent ev) {
  std::lock_guard lock(mu_);
  buffer_.push_back(std::move(ev));
}

void UsageRecorder::flush() {
  std::vector<UsageEvent> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(buffer_);
  }
  if (batch.empty()) return;
  std::lock_guard wlock(write_mu_);
  try {
    if (!db_) db_ = open_db_();
    write_usage_events(*db_, batch);
  } catch (const std::exception& e) {
    logger().log(LogLevel::Error, "usage flush failed; will retry",
                 {{"error", e.what()}, {"events", batch.size()}});
    std::lock_guard lock(mu_);
    buffer_.insert(buffer_.begin(), batch.begin(), batch.end());
  }
}

void UsageRecorder::loop() {
#ifdef __linux__
  // A flush writes every request of the last half second in one go; on a small machine it
  // should yield to the I/O threads rather than delay responses (Linux nice is per thread).
  setpriority(PRIO_PROCESS, pid_t(syscall(SYS_gettid)), 5);
#endif
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, std::chrono::milliseconds(500));
    lock.unlock();
    flush();
    lock.lock();
  }
}

void UsageRecorder::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  flush();
  db_.reset();
}

}  // namespace slab5d
