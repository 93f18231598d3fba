// The process logger: one line per event on stderr, text or JSON. Never given secrets.
#pragma once
#include <mutex>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace slab5d {

enum class LogLevel { Debug = 0, Info = 1, Warn = 2, Error = 3 };

class Logger {
 public:
  void configure(bool json, LogLevel level) {
    json_ = json;
    level_ = level;
  }
  bool enabled(LogLevel l) const { return l >= level_; }
  // fields are written in order; "msg" first in text mode.
  void log(LogLevel l, std::string_view msg, const nlohmann::ordered_json& fields = {});

 private:
  std::mutex mu_;
  bool json_ = false;
  LogLevel level_ = LogLevel::Info;
};

Logger& logger();
bool parse_log_level(std::string_view s, LogLevel& out);

}  // namespace slab5d
