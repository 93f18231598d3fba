#include "logger.hpp"

#include <cstdio>

#include "slab5/time.hpp"

namespace slab5d {

Logger& logger() {
  static Logger instance;
  return instance;
}

bool parse_log_level(std::string_view s, LogLevel& out) {
  if (s == "debug") out = LogLevel::Debug;
  else if (s == "info") out = LogLevel::Info;
  else if (s == "warn") out = LogLevel::Warn;
  else if (s == "error") out = LogLevel::Error;
  else return false;
  return true;
}

void Logger::log(LogLevel l, std::string_view msg, const nlohmann::ordered_json& fields) {
  if (!enabled(l)) return;
  static constexpr const char* kNames[] = {"debug", "info", "warn", "error"};
  std::string line;
  std::string ts = slab5::format_rfc3339(slab5::now_millis());
  if (json_) {
    nlohmann::ordered_json j;
    j["time"] = ts;
    j["level"] = kNames[int(l)];
    j["msg"] = msg;
    if (fields.is_object())
      for (auto it = fields.begin(); it != fields.end(); ++it) j[it.key()] = it.value();
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = ts + " " + kNames[int(l)] + " " + std::string(msg);
    if (fields.is_object()) {
      for (auto it = fields.begin(); it != fields.end(); ++it) {
        line += " " + it.key() + "=";
        line += it.value().is_string() ? it.value().get<std::string>() : it.value().dump();
      }
    }
  }
  line.push_back('\n');
  std::lock_guard lock(mu_);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace slab5d
