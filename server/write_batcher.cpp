#include "write_batcher.hpp"

#include <exception>
#include <utility>

#include "logger.hpp"
#include "store/conn.hpp"

namespace slab5d {

namespace {
// How often an idle writer looks whether upkeep fell due without a write of its own.
constexpr std::chrono::seconds kUpkeepLook{1};

// The callbacks of the jobs whose changes are in the open transaction (writer thread only).
thread_local std::vector<std::function<void(bool)>>* t_pending = nullptr;

void settle(std::vector<std::function<void(bool)>>& pending, bool committed) {
  for (auto& done : pending) {
    try {
      done(committed);
    } catch (const std::exception& e) {
      logger().log(LogLevel::Error, "answering a batched write failed", {{"error", e.what()}});
    }
  }
  pending.clear();
}
}  // namespace

WriteBatcher::WriteBatcher(std::function<Conn&()> db, std::size_t max_batch, IdleWork idle, std::size_t writers,
                           AroundAnswers around_answers)
    : db_(std::move(db)),
      max_batch_(max_batch ? max_batch : 1),
      idle_(std::move(idle)),
      around_answers_(std::move(around_answers)) {
  if (writers == 0 || (idle_.due && idle_.step)) writers = 1;
  for (std::size_t i = 0; i < writers; ++i) threads_.emplace_back([this] { loop(); });
}

WriteBatcher::~WriteBatcher() { stop(); }

void WriteBatcher::post(std::function<void()> job) {
  {
    std::lock_guard lk(mu_);
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void WriteBatcher::after_commit(std::function<void(bool)> done) {
  if (t_pending)
    t_pending->push_back(std::move(done));
  else
    done(true);
}

void WriteBatcher::stop() {
  {
    std::lock_guard lk(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void WriteBatcher::loop() {
  std::vector<std::function<void()>> jobs;
  for (;;) {
    bool upkeep = idle_.due && idle_.step;
    bool due = upkeep && idle_work_due();
    {
      std::unique_lock lk(mu_);
      auto woken = [&] { return stopping_ || !queue_.empty(); };
      if (!upkeep) {
        cv_.wait(lk, woken);
      } else if (!cv_.wait_for(lk, due ? idle_.after : kUpkeepLook, woken)) {
        // Idle. Upkeep can also fall due through another connection's commit (the usage
        // recorder's flushes text-index changes that another program queued): looked at again.
        if (due) {
          lk.unlock();
          run_idle_work();
        }
        continue;
      }
      if (queue_.empty()) return;  // stopping, and nothing left
      while (!queue_.empty() && jobs.size() < max_batch_) {
        jobs.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    run_batch(jobs);
    jobs.clear();
  }
}

bool WriteBatcher::idle_work_due() {
  if (!idle_.due || !idle_.step) return false;
  try {
    return idle_.due(db_());
  } catch (const std::exception&) {
    return false;  // no connection: the next batch reports it
  }
}

void WriteBatcher::run_idle_work() {
  for (;;) {
    bool more = false;
    try {
      more = idle_.step(db_());
    } catch (const std::exception& e) {
      logger().log(LogLevel::Error, "the writer's upkeep failed", {{"error", e.what()}});
      return;
    }
    std::lock_guard lk(mu_);
    if (!more || stopping_ || !queue_.empty()) return;
  }
}

void WriteBatcher::answer(std::vector<std::function<void(bool)>>& pending, bool committed) {
  if (around_answers_ && !pending.empty())
    around_answers_([&] { settle(pending, committed); });
  else
    settle(pending, committed);
}

void WriteBatcher::run_batch(std::vector<std::function<void()>>& jobs) {
  std::vector<std::function<void(bool)>> pending;
  Conn* db = nullptr;
  try {
    db = &db_();
  } catch (const std::exception& e) {
    logger().log(LogLevel::Error, "the writer cannot open the database", {{"error", e.what()}});
  }
  if (!db) {
    // Without a connection each job runs alone; Tx will fail it with the same error.
    for (auto& job : jobs) job();
    return;
  }
  std::unique_lock gate(db->write_gate());
  auto begin = [&] {
    try {
      db->begin();
      db->set_group(true);
      return true;
    } catch (const std::exception& e) {
      logger().log(LogLevel::Error, "a write batch could not begin", {{"error", e.what()}});
      return false;
    }
  };
  std::size_t i = 0;
  if (begin()) {
    t_pending = &pending;
    for (; i < jobs.size(); ++i) {
      jobs[i]();
      if (db->in_transaction()) continue;
      // The whole transaction was rolled back, by SQLite (an I/O error, a full disk) or by a
      // first-write-decides write that failed after changing it (store/conn.hpp): every job
      // whose changes were in it has lost them.
      logger().log(LogLevel::Error, "a write batch was rolled back", {});
      db->set_group(false);
      answer(pending, false);
      if (!begin()) {
        ++i;
        break;
      }
    }
    t_pending = nullptr;
    if (db->in_group()) {
      bool committed = false;
      try {
        db->commit();
        committed = true;
      } catch (const std::exception& e) {
        logger().log(LogLevel::Error, "a write batch could not commit", {{"error", e.what()}});
        try {
          db->rollback();
        } catch (...) {
        }
      }
      db->set_group(false);
      gate.unlock();
      answer(pending, committed);
    }
  }
  if (gate.owns_lock()) gate.unlock();
  // What could not join a transaction runs alone: its own Tx takes the gate (and most likely
  // meets the same error, which it answers).
  for (; i < jobs.size(); ++i) jobs[i]();
}

}  // namespace slab5d
