// Usage metering (api.md §7): events are buffered in memory for at most one second and
// written in one transaction per batch; stop() flushes what is left.
//
// record() copies an event's fields into one shared byte buffer, so that recording costs
// no allocation per event and the flusher frees nothing the I/O threads allocated (glibc
// would take the allocating thread's arena lock for each such free).
#pragma once
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "store/conn.hpp"
#include "store/usage_store.hpp"

namespace slab5d {

class UsageRecorder {
 public:
  // open_db gives the flusher its own connection.
  explicit UsageRecorder(std::function<std::unique_ptr<Conn>()> open_db);
  ~UsageRecorder();
  void record(const UsageEvent& ev);
  void flush();  // write everything buffered now
  void stop();

 private:
  void loop();
  std::function<std::unique_ptr<Conn>()> open_db_;
  std::unique_ptr<Conn> db_;
  std::mutex mu_;
  std::mutex write_mu_;
  std::condition_variable cv_;
  std::string buffer_;        // encoded events (usage_recorder.cpp), oldest first
  std::size_t buffered_ = 0;  // events in buffer_
  std::atomic<std::size_t> reserve_hint_{0};
  bool stopping_ = false;
  std::thread thread_;
};

// Writes a batch in one transaction through the UsageStore; throws when it cannot be written
// (the recorder keeps the batch and tries again).
void write_usage_events(Conn& db, const std::vector<UsageEvent>& events);

}  // namespace slab5d
