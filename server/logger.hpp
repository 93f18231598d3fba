// The process logger: one line per event on stderr, text or JSON. Never given secrets.
#pragma once
#include <mutex>
#include <string>
#include <string_view>

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
  void configure(bool json, LogLevel level) {
    json_ = json;
    level_ = level;
  }
  bool enabled(LogLevel l) const { return l >= level_; }
  // fields are written in order; "msg" first in text mode.
  void log(LogLevel l, std::string_view msg, const nlohmann::ordered_json& fields = {});
  // The per-request line at info level: the same line log() would write for
  // msg "request", formatted straight into a per-thread buffer and written with one
  // write(2), so concurrent requests neither allocate nor wait on each other here.
  void request(const RequestLogLine& line);

 private:
  std::mutex mu_;
  bool json_ = false;
  LogLevel level_ = LogLevel::Info;
};

Logger& logger();
bool parse_log_level(std::string_view s, LogLevel& out);

}  // namespace slab5d
