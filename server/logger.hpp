// The process logger: one line per event on stderr, text or JSON. Never given secrets.
#pragma once
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include <nlohmann/json.hpp>

namespace slab5d {

enum class LogLevel { Debug = 0, Info = 1, Warn = 2, Error = 3 };

// The access log line's fields (server.md §2), in the order they are written.
struct RequestLogLine {
  std::string_view request_id;
  std::string_view correlation_id;
  std::string_view method;
  std::string_view route;
  int status = 0;
  std::int64_t duration_us = 0;
  std::string_view credential;
  std::string_view remote;
};

class Logger {
 public:
  ~Logger();
  void configure(bool json, LogLevel level) {
    json_ = json;
    level_ = level;
  }
  bool enabled(LogLevel l) const { return l >= level_; }
  // fields are written in order; "msg" first in text mode. Written at once, after any
  // request lines still waiting, so the log keeps the order in which things happened.
  void log(LogLevel l, std::string_view msg, const nlohmann::ordered_json& fields = {});
  // The per-request line at info level: the same line log() would write for msg "request",
  // formatted straight into a per-thread buffer and added to the pending lines. Pending lines
  // are written with one write(2) when 64 KiB have gathered or kFlushInterval has passed,
  // whichever is first, instead of one write(2) per request.
  void request(const RequestLogLine& line);
  // Writes every pending line now (on shutdown, before a fatal exit).
  void flush();

  static constexpr auto kFlushInterval = std::chrono::milliseconds(50);

 private:
  void append_pending(std::string_view text);
  void start_flusher();

  std::mutex mu_;        // guards pending_
  std::mutex write_mu_;  // held while writing, so batches reach stderr in order
  std::string pending_;
  std::condition_variable cv_;
  std::thread flusher_;
  std::once_flag flusher_started_;
  bool stopping_ = false;
  bool json_ = false;
  LogLevel level_ = LogLevel::Info;
};

Logger& logger();
bool parse_log_level(std::string_view s, LogLevel& out);

}  // namespace slab5d
