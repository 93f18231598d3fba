// Usage metering (api.md §7): events are buffered in memory for at most one second and
// written in one transaction per batch; stop() flushes what is left.
#pragma once
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/db.hpp"

namespace slab5d {

struct UsageEvent {
  std::string id;
  std::string workspace_id;
  std::string credential_type;
  std::string credential_id;
  std::string route;
  int status = 0;
  int units = 1;
  std::string kind = "api_request";
  std::string request_id;
  std::string created_at;
};

class UsageRecorder {
 public:
  // open_db gives the flusher its own connection.
  explicit UsageRecorder(std::function<std::unique_ptr<Db>()> open_db);
  ~UsageRecorder();
  void record(UsageEvent ev);
  void flush();  // write everything buffered now
  void stop();

 private:
  void loop();
  std::function<std::unique_ptr<Db>()> open_db_;
  std::unique_ptr<Db> db_;
  std::mutex mu_;
  std::mutex write_mu_;
  std::condition_variable cv_;
  std::vector<UsageEvent> buffer_;
  bool stopping_ = false;
  std::thread thread_;
};

void write_usage_events(Db& db, const std::vector<UsageEvent>& events);

}  // namespace slab5d
