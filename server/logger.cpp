#include "logger.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>

#include "slab5/time.hpp"

namespace slab5d {

namespace {
constexpr std::size_t kPendingLimit = 64 * 1024;
}  // namespace

Logger& logger() {
  static Logger instance;
  return instance;
}

bool parse_log_level(std::string_view s, LogLevel& out) {
  if (s == "debug")
    out = LogLevel::Debug;
  else if (s == "info")
    out = LogLevel::Info;
  else if (s == "warn")
    out = LogLevel::Warn;
  else if (s == "error")
    out = LogLevel::Error;
  else
    return false;
  return true;
}

namespace {
void write_all(const std::string& s);
}  // namespace

void Logger::log(LogLevel l, std::string_view msg, const nlohmann::ordered_json& fields) {
  if (!enabled(l)) return;
  static constexpr const char* kNames[] = {"debug", "info", "warn", "error"};
  std::string line;
  std::string ts = slab5::format_rfc3339(slab5::real_now_millis());
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
  std::lock_guard wlock(write_mu_);
  std::string out;
  {
    std::lock_guard lock(mu_);
    out.swap(pending_);
  }
  out += line;
  write_all(out);
}

namespace {

// "2026-11-23T15:19:52.858Z": the part up to the seconds is formatted once per second.
void append_time(std::string& out) {
  thread_local std::int64_t cached_second = -1;
  thread_local std::string cached;  // "2026-11-23T15:19:52"
  auto ms = slab5::real_now_millis();
  auto second = ms / 1000;
  if (second != cached_second) {
    cached = slab5::format_rfc3339(second * 1000).substr(0, 19);
    cached_second = second;
  }
  out += cached;
  int frac = int(ms % 1000);
  char buf[6] = {'.', char('0' + frac / 100), char('0' + frac / 10 % 10), char('0' + frac % 10), 'Z', 0};
  out.append(buf, 5);
}

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// Milliseconds with microsecond resolution and no trailing zeros: 0.019, 1.5, 12.
void append_ms(std::string& out, std::int64_t us) {
  if (us < 0) us = 0;
  append_int(out, us / 1000);
  int frac = int(us % 1000);
  if (frac == 0) return;
  char buf[4] = {'.', char('0' + frac / 100), char('0' + frac / 10 % 10), char('0' + frac % 10)};
  int n = 4;
  while (buf[n - 1] == '0') --n;
  out.append(buf, std::size_t(n));
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(char(c));
    } else if (c < 0x20 || c >= 0x80) {
      // Request fields are ASCII (ids, route patterns, addresses); anything else is replaced.
      if (c >= 0x80) {
        out += "\\ufffd";
      } else {
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
      }
    } else {
      out.push_back(char(c));
    }
  }
  out.push_back('"');
}

void write_all(const std::string& s) {
  const char* p = s.data();
  std::size_t left = s.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere to report a failing stderr
    }
    p += n;
    left -= std::size_t(n);
  }
}

}  // namespace

void Logger::request(const RequestLogLine& f) {
  if (!enabled(LogLevel::Info)) return;
  thread_local std::string line;
  line.clear();
  if (json_) {
    line += "{\"time\":\"";
    append_time(line);
    line += "\",\"level\":\"info\",\"msg\":\"request\",\"request_id\":";
    append_json_string(line, f.request_id);
    line += ",\"correlation_id\":";
    append_json_string(line, f.correlation_id);
    line += ",\"method\":";
    append_json_string(line, f.method);
    line += ",\"route\":";
    append_json_string(line, f.route);
    line += ",\"status\":";
    append_int(line, f.status);
    line += ",\"duration_ms\":";
    append_ms(line, f.duration_us);
    line += ",\"credential\":";
    append_json_string(line, f.credential);
    line += ",\"remote\":";
    append_json_string(line, f.remote);
    line += "}\n";
  } else {
    append_time(line);
    line += " info request request_id=";
    line += f.request_id;
    line += " correlation_id=";
    line += f.correlation_id;
    line += " method=";
    line += f.method;
    line += " route=";
    line += f.route;
    line += " status=";
    append_int(line, f.status);
    line += " duration_ms=";
    append_ms(line, f.duration_us);
    line += " credential=";
    line += f.credential;
    line += " remote=";
    line += f.remote;
    line.push_back('\n');
  }
  append_pending(line);
}

void Logger::append_pending(std::string_view text) {
  std::call_once(flusher_started_, [this] { start_flusher(); });
  bool full = false;
  {
    std::lock_guard lock(mu_);
    if (pending_.capacity() < kPendingLimit) pending_.reserve(kPendingLimit + 4096);
    pending_.append(text);
    full = pending_.size() >= kPendingLimit;
  }
  if (full) flush();
}

void Logger::flush() {
  std::lock_guard wlock(write_mu_);
  std::string out;
  {
    std::lock_guard lock(mu_);
    if (pending_.empty()) return;
    out.swap(pending_);
  }
  write_all(out);
}

void Logger::start_flusher() {
  flusher_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      cv_.wait_for(lock, kFlushInterval);
      if (pending_.empty()) continue;
      lock.unlock();
      flush();
      lock.lock();
    }
  });
}

Logger::~Logger() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  flush();
}

}  // namespace slab5d
