#include "api/event_stream.hpp"

#include <atomic>
#include <mutex>
#include <thread>

#include "app.hpp"
#include "domain/webhooks.hpp"
#include "logger.hpp"
#include "slab5/time.hpp"
#include "store/event_store.hpp"
#include "webhooks/signal.hpp"

namespace slab5d {

namespace {

constexpr std::int64_t kHeartbeatMs = 15000;
std::atomic<std::uint64_t> g_stopped_generation{0};
constexpr int kBatch = 100;

// Streams waiting for their next piece. One thread wakes them all when events commit (and
// every second, for commits another process made and for heartbeats); each looks again and
// waits again when there is nothing for it.
class StreamHub {
 public:
  static StreamHub& instance() {
    static auto* hub = new StreamHub;  // never destroyed: its thread runs as long as the process
    return *hub;
  }
  void wait(std::function<void()> fn) {
    std::lock_guard lock(mu_);
    waiters_.push_back(std::move(fn));
  }

 private:
  StreamHub() {
    std::thread([this] { loop(); }).detach();
  }
  void loop() {
    std::uint64_t seen = event_signal().current();
    for (;;) {
      event_signal().wait(seen, std::chrono::milliseconds(1000));
      std::vector<std::function<void()>> now;
      {
        std::lock_guard lock(mu_);
        now.swap(waiters_);
      }
      for (auto& fn : now) {
        try {
          fn();
        } catch (const std::exception& e) {
          logger().log(LogLevel::Error, "event stream", {{"error", e.what()}});
        }
      }
    }
  }
  std::mutex mu_;
  std::vector<std::function<void()>> waiters_;
};

class EventStream final : public BodySource, public std::enable_shared_from_this<EventStream> {
 public:
  EventStream(App& app, std::string workspace_id, std::vector<std::string> types, std::string after_id,
              bool announce_start)
      : app_(app),
        generation_(app.generation()),
        workspace_id_(std::move(workspace_id)),
        types_(std::move(types)),
        last_id_(std::move(after_id)),
        announce_start_(announce_start) {}

  void next(std::function<void(std::optional<std::string>)> deliver) override {
    if (!started_) {
      started_ = true;
      // Tells EventSource clients how soon to reconnect, and where the stream starts: a frame
      // with an id and no data sets the client's last event id without an event, so a client
      // cut off before its first event still resumes with Last-Event-ID and misses nothing
      // written meanwhile.
      // On a workspace with no event yet the start is "0", which Last-Event-ID accepts.
      std::string start = last_id_.empty() ? std::string(kStreamStartId) : last_id_;
      deliver(std::string("retry: 2000\n") + (announce_start_ ? "id: " + start + "\n" : "") + ": connected\n\n");
      return;
    }
    fill(std::move(deliver), slab5::real_now_millis() + kHeartbeatMs);
  }

 private:
  void fill(std::function<void(std::optional<std::string>)> deliver, std::int64_t heartbeat_at) {
    // A stopped server: its App and its connections may be gone. The connection `deliver`
    // holds is kept, never destroyed: its destructor would touch an I/O context that may no
    // longer exist, and the server is ending.
    if (generation_ <= g_stopped_generation.load()) {
      static std::mutex kept_mu;
      static auto* kept = new std::vector<std::function<void(std::optional<std::string>)>>;
      std::lock_guard lock(kept_mu);
      kept->push_back(std::move(deliver));
      return;
    }
    std::string out;
    for (;;) {
      auto rows = app_.db().events().after(workspace_id_, last_id_, kBatch);
      if (!rows) return deliver(std::nullopt);
      for (const auto& e : *rows) {
        last_id_ = e["id"].get<std::string>();
        std::string type = e["type"].get<std::string>();
        if (!types_.empty() && !event_type_matches(types_, type)) continue;
        out += "id: " + last_id_ + "\nevent: " + type + "\ndata: " + e.dump() + "\n\n";
      }
      if (!out.empty()) return deliver(std::move(out));
      if (int(rows->size()) < kBatch) break;  // all filtered out and no more: wait
    }
    if (slab5::real_now_millis() >= heartbeat_at) return deliver(std::string(": heartbeat\n\n"));
    StreamHub::instance().wait([self = shared_from_this(), deliver = std::move(deliver), heartbeat_at]() mutable {
      self->fill(std::move(deliver), heartbeat_at);
    });
  }

  App& app_;
  std::uint64_t generation_;
  std::string workspace_id_;
  std::vector<std::string> types_;
  std::string last_id_;
  bool announce_start_ = false;
  bool started_ = false;
};

}  // namespace

void stop_event_streams(std::uint64_t app_generation) {
  auto cur = g_stopped_generation.load();
  while (cur < app_generation && !g_stopped_generation.compare_exchange_weak(cur, app_generation)) {
  }
}

std::shared_ptr<BodySource> make_event_stream(App& app, std::string workspace_id, std::vector<std::string> types,
                                              std::string after_id, bool announce_start) {
  return std::make_shared<EventStream>(app, std::move(workspace_id), std::move(types), std::move(after_id),
                                       announce_start);
}

}  // namespace slab5d
