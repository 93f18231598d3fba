// Group commit: the write requests of slab5d run one after another on a writer thread, as
// many as are waiting at once in one transaction, each inside a savepoint of it (Tx
// turns into SAVEPOINT … RELEASE on a connection in a group). Their answers are sent only
// after the COMMIT, so an answered write is a committed one, exactly as when each request
// commits alone; but the WAL receives each touched page once per batch instead of once per
// request, and FTS5 one segment per batch.
//
// A request that fails rolls back to its own savepoint and leaves the others alone. A record
// created or changed takes no savepoint on SQLite (Tx with FirstWriteDecides, store/conn.hpp):
// only its first statement may be refused, and a refused statement changes nothing. Should
// the batch's transaction itself be lost (an I/O error or a full disk makes SQLite roll the
// whole transaction back, and so does such a write failing after its first statement, which
// only an internal error can) or its COMMIT fail, every request of the batch whose changes
// were in it is answered 503 service_unavailable: none of them was committed.
//
// When no write has come for a moment, the writer thread does the database's upkeep (the
// text indexes' merges, text_index_upkeep.hpp) in bounded steps, looking for writes between
// steps.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace slab5d {

class Conn;

// Work for the writer thread once no write has come for `after`: `due` says whether there
// is any, `step` does a bounded part of it in its own transaction and says whether more is
// due. Both run on the writer thread with its connection.
struct WriterIdleWork {
  std::chrono::milliseconds after{100};
  std::function<bool(Conn&)> due;
  std::function<bool(Conn&)> step;
};

class WriteBatcher {
 public:
  using IdleWork = WriterIdleWork;
  // `db` returns the writer thread's connection (called on that thread). `writers` threads
  // take batches from the one queue, each on its own connection: one for SQLite, whose
  // database has one writer at a time; several for PostgreSQL, which locks rows, so that
  // one batch's round trips do not wait for another's. Idle work needs one writer.
  // `around_answers`, when given, runs the answering of each batch's requests (it calls its
  // argument once): the server gathers a batch's answers there (AnswerBatch).
  using AroundAnswers = std::function<void(const std::function<void()>&)>;
  WriteBatcher(std::function<Conn&()> db, std::size_t max_batch, IdleWork idle = {}, std::size_t writers = 1,
               AroundAnswers around_answers = {});
  ~WriteBatcher();
  WriteBatcher(const WriteBatcher&) = delete;
  WriteBatcher& operator=(const WriteBatcher&) = delete;

  // Runs `job` on the writer thread inside the current batch's transaction.
  void post(std::function<void()> job);
  // From inside a job: `done(true)` once the batch has committed, `done(false)` when the
  // changes the job made were rolled back with the batch. Outside a job: at once, with true.
  static void after_commit(std::function<void(bool committed)> done);
  void stop();  // runs the jobs already queued, then joins

 private:
  void loop();
  void run_batch(std::vector<std::function<void()>>& jobs);
  void answer(std::vector<std::function<void(bool)>>& pending, bool committed);
  bool idle_work_due();
  void run_idle_work();

  std::function<Conn&()> db_;
  std::size_t max_batch_;
  IdleWork idle_;
  AroundAnswers around_answers_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace slab5d
