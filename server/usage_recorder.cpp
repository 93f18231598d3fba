#include "usage_recorder.hpp"

#ifdef __linux__
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>

#include "domain/store_result.hpp"
#include "logger.hpp"
#include "store/usage_store.hpp"

namespace slab5d {

void write_usage_events(Conn& db, const std::vector<UsageEvent>& events) {
  if (events.empty()) return;
  Tx tx(db);
  value_or_throw(db.usage().append(events));
  tx.commit();
}

namespace {

// The buffer holds each event as its ten fields in order: text as a 4-byte length and the
// bytes, status and units as 4-byte integers.
void put(std::string& b, std::string_view text) {
  auto n = std::uint32_t(text.size());
  b.append(reinterpret_cast<const char*>(&n), sizeof n);
  b.append(text);
}
void put(std::string& b, int v) { b.append(reinterpret_cast<const char*>(&v), sizeof v); }

struct Reader {
  std::string_view rest;
  std::uint32_t u32() {
    std::uint32_t v;
    std::memcpy(&v, rest.data(), sizeof v);
    rest.remove_prefix(sizeof v);
    return v;
  }
  std::string_view text() {
    auto n = u32();
    auto t = rest.substr(0, n);
    rest.remove_prefix(n);
    return t;
  }
};

std::vector<UsageEvent> decode(std::string_view bytes, std::size_t count) {
  std::vector<UsageEvent> out;
  out.reserve(count);
  Reader r{bytes};
  while (!r.rest.empty()) {
    UsageEvent e;
    e.id = r.text();
    e.workspace_id = r.text();
    e.credential_type = r.text();
    e.credential_id = r.text();
    e.route = r.text();
    e.status = int(r.u32());
    e.units = int(r.u32());
    e.kind = r.text();
    e.request_id = r.text();
    e.created_at = r.text();
    out.push_back(e);
  }
  return out;
}

}  // namespace

UsageRecorder::UsageRecorder(std::function<std::unique_ptr<Conn>()> open_db) : open_db_(std::move(open_db)) {
  thread_ = std::thread([this] { loop(); });
}

UsageRecorder::~UsageRecorder() { stop(); }

void UsageRecorder::record(const UsageEvent& ev) {
  std::lock_guard lock(mu_);
  put(buffer_, ev.id);
  put(buffer_, ev.workspace_id);
  put(buffer_, ev.credential_type);
  put(buffer_, ev.credential_id);
  put(buffer_, ev.route);
  put(buffer_, ev.status);
  put(buffer_, ev.units);
  put(buffer_, ev.kind);
  put(buffer_, ev.request_id);
  put(buffer_, ev.created_at);
  ++buffered_;
}

void UsageRecorder::flush() {
  // The buffer that replaces the full one is allocated here, outside the lock, with room for
  // the last batch and half again: recording then rarely regrows (and copies) it under the lock.
  std::string batch;
  batch.reserve(reserve_hint_.load(std::memory_order_relaxed));
  std::size_t count = 0;
  {
    std::lock_guard lock(mu_);
    batch.swap(buffer_);
    std::swap(count, buffered_);
  }
  reserve_hint_.store(batch.size() + batch.size() / 2, std::memory_order_relaxed);
  if (count == 0) return;
  std::lock_guard wlock(write_mu_);
  try {
    if (!db_) db_ = open_db_();
    write_usage_events(*db_, decode(batch, count));
  } catch (const std::exception& e) {
    logger().log(LogLevel::Error, "usage flush failed; will retry", {{"error", e.what()}, {"events", count}});
    db_.reset();  // a connection the server closed is not used again: the retry opens another
    std::lock_guard lock(mu_);
    buffer_.insert(0, batch);
    buffered_ += count;
  }
}

void UsageRecorder::loop() {
#ifdef __linux__
  // A flush writes every request of the last half second in one go. On a small machine it
  // should yield to the I/O threads rather than delay responses: SCHED_BATCH keeps its
  // wake-ups from preempting them, nice 5 gives it a smaller share while they are busy (both
  // per thread on Linux, and neither needs privileges).
  sched_param sp{};
  pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);
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
