// A loopback webhook receiver for the webhook tests: records every request (head, headers,
// body, arrival time) and answers as its behaviour says (a status, after a delay, or by closing
// the connection without an answer).
#pragma once
#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "stand_in.hpp"

namespace testing {

struct Received {
  std::string request_line;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;
  std::chrono::steady_clock::time_point at;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

struct ReceiverAnswer {
  int status = 200;
  int delay_ms = 0;
  bool hang_up = false;  // close without answering
  std::vector<std::pair<std::string, std::string>> headers;
};

class Receiver {
 public:
  using Behaviour = std::function<ReceiverAnswer(const Received&, int n)>;  // n: 0-based request number
  explicit Receiver(Behaviour b = {}) : behaviour_(std::move(b)), listener_([this](int fd) { return serve(fd); }) {}

  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(listener_.port()) + path;
  }
  std::vector<Received> received() {
    std::lock_guard lock(mu_);
    return got_;
  }
  // Waits until at least `n` requests arrived (or `timeout` passed); returns how many did.
  std::size_t wait_for(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return got_.size() >= n; });
    return got_.size();
  }

 private:
  bool serve(int fd) {
    std::string buf = read_until(fd, "\r\n\r\n");
    auto end = buf.find("\r\n\r\n");
    if (end == std::string::npos) return true;
    Received r;
    r.at = std::chrono::steady_clock::now();
    std::string head = buf.substr(0, end);
    r.body = buf.substr(end + 4);
    std::size_t pos = head.find("\r\n");
    r.request_line = head.substr(0, pos);
    while (pos != std::string::npos) {
      std::size_t next = head.find("\r\n", pos + 2);
      std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      auto colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon), value = line.substr(colon + 1);
        for (auto& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        r.headers[name] = value;
      }
      pos = next;
    }
    std::size_t length = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
    char chunk[4096];
    while (r.body.size() < length) {
      ssize_t got = recv(fd, chunk, sizeof chunk, 0);
      if (got <= 0) break;
      r.body.append(chunk, std::size_t(got));
    }
    int n;
    {
      std::lock_guard lock(mu_);
      n = int(got_.size());
    }
    ReceiverAnswer a = behaviour_ ? behaviour_(r, n) : ReceiverAnswer{};
    {
      std::lock_guard lock(mu_);
      got_.push_back(r);
    }
    cv_.notify_all();
    if (a.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(a.delay_ms));
    if (a.hang_up) return true;
    std::string body = "{\"ok\":true}";
    std::string out = "HTTP/1.1 " + std::to_string(a.status) + " X\r\nContent-Type: application/json\r\n";
    for (const auto& [k, v] : a.headers) out += k + ": " + v + "\r\n";
    out += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    send_all(fd, out);
    return true;
  }

  Behaviour behaviour_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Received> got_;
  Listener listener_;  // last: stops before the members it uses go
};

}  // namespace testing
