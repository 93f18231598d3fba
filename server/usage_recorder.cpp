#include "usage_recorder.hpp"

#include <chrono>

#include "logger.hpp"

namespace slab5d {

void write_usage_events(Db& db, const std::vector<UsageEvent>& events) {
  if (events.empty()) return;
  Tx tx(db);
  for (const auto& e : events) {
    db.query("INSERT INTO usage_events (id, workspace_id, credential_type, credential_id, route, status, units, "
             "kind, request_id, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
             e.id, e.workspace_id, e.credential_type, e.credential_id, e.route, e.status, e.units, e.kind,
             e.request_id, e.created_at)
        .run();
  }
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
