// Loopback servers for tests that need answers slab5d does not give: a JWKS with a chosen
// Cache-Control, a page that fails, a server that never answers, an SMTP peer.
#pragma once
#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace testing {

// A TCP listener on 127.0.0.1 (a free port) that hands each connection, one at a time, to
// `serve` on its own thread, and closes it afterwards unless `serve` returns false (then it
// stays open until the listener goes). Reads time out after 5 s.
class Listener {
 public:
  explicit Listener(std::function<bool(int fd)> serve);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  int port() const { return port_; }

 private:
  void loop();
  std::function<bool(int)> serve_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::vector<int> held_;
  std::thread thread_;
};

// Reads from fd until `end` has arrived (or the peer stops); returns everything read.
std::string read_until(int fd, const std::string& end);
void send_all(int fd, const std::string& data);

struct StandInReply {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type: application/json
};

// An HTTP/1.1 stand-in: reads each request's head, records its request line, and answers
// with what the handler returns (Connection: close), or never answers when it returns nullopt.
class StandIn {
 public:
  using Handler = std::function<std::optional<StandInReply>(const std::string& request_head)>;
  explicit StandIn(Handler handler);
  StandIn(int status, std::string body);  // the same answer to every request

  std::string url(const std::string& path = "") const;  // http://127.0.0.1:PORT + path
  std::vector<std::string> request_lines();             // "GET /v1/… HTTP/1.1", in order

 private:
  bool serve(int fd);
  Handler handler_;
  std::mutex mu_;
  std::vector<std::string> lines_;
  Listener listener_;  // last: stops before the members it uses go
};

}  // namespace testing
