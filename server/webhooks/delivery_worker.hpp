// The webhook delivery worker (api.md §8.3): threads of its own, never the I/O threads. A
// dispatcher turns the oldest queued events of the outbox (webhook_outbox) into deliveries,
// up to kOpenDeliveriesPerEndpoint open ones per endpoint, reads the due deliveries
// (webhook_deliveries) and hands each to a sender, at most one per endpoint at a time and oldest first, so deliveries
// to one endpoint keep their order while a slow endpoint occupies one sender and delays no other. Every attempt is
// recorded with its outcome before the next; a crash between sending and recording sends again after the restart
// (at-least-once).
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "slab5/http_client.hpp"
#include "store/conn.hpp"
#include "store/webhook_store.hpp"

namespace slab5d {

struct DeliveryWorkerOptions {
  std::function<std::unique_ptr<Conn>()> open_db;
  // Runs `record` on the server's write path (a write batch, write_batcher.hpp) and waits for
  // it: true once it is committed. An attempt is then one savepoint of a batch, not a
  // transaction of its own queued behind the batches. Empty: a transaction on the worker's
  // own connection.
  std::function<bool(std::function<void(Conn&)> record)> write;
  std::string kek;
  // A file whose lock (flock) only one process holds at a time: while it is another's, this
  // worker hands out nothing. For a database that has no claims of its own for deliveries
  // (SQLite): several slab5d on one file then deliver each event once. "" when the database
  // claims deliveries itself (PostgreSQL) or is this process's alone.
  std::string exclusive_lock_file;
  bool deny_private = false;
  int senders = 8;
  long timeout_ms = 10000;
};

class DeliveryWorker {
 public:
  explicit DeliveryWorker(DeliveryWorkerOptions opts);
  ~DeliveryWorker();
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;
  // Stops taking work, aborts transfers in progress (they stay pending) and joins.
  void stop();

 private:
  void dispatch_loop();
  bool release_queued(Conn& db);  // the outbox's oldest events become deliveries; true when some did
  void sender_loop();
  // Sends one delivery and records the attempt (Sent); Skipped when there is nothing to send
  // (the delivery is done or gone, its endpoint not active, its event past retention); Failed
  // when it could not be done (the database failed, or the server is stopping) and the
  // delivery is still due.
  enum class Outcome { Sent, Skipped, Failed };
  Outcome deliver(std::unique_ptr<Conn>& db, slab5::HttpClient& http, const DueDelivery& job);
  DeliveryWorkerOptions opts_;
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::deque<DueDelivery> queue_;
  std::set<std::string> busy_endpoints_;  // queued or being sent
  std::atomic<bool> stop_{false};
  std::thread dispatcher_;
  std::vector<std::thread> senders_;
};

}  // namespace slab5d
