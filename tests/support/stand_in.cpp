#include "stand_in.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace testing {

Listener::Listener(std::function<bool(int)> serve) : serve_(std::move(serve)) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd_, 16) != 0) {
    close(fd_);
    throw std::runtime_error("test listener: cannot listen on 127.0.0.1");
  }
  socklen_t len = sizeof addr;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { loop(); });
}

Listener::~Listener() {
  stop_ = true;
  thread_.join();
  close(fd_);
  for (int c : held_) close(c);
}

void Listener::loop() {
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    timeval tv{5, 0};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (serve_(c))
      close(c);
    else
      held_.push_back(c);
  }
}

std::string read_until(int fd, const std::string& end) {
  std::string buf;
  char chunk[4096];
  while (buf.find(end) == std::string::npos) {
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    buf.append(chunk, std::size_t(n));
  }
  return buf;
}

void send_all(int fd, const std::string& data) { (void)!send(fd, data.data(), data.size(), MSG_NOSIGNAL); }

StandIn::StandIn(Handler handler) : handler_(std::move(handler)), listener_([this](int c) { return serve(c); }) {}

StandIn::StandIn(int status, std::string body)
    : StandIn([status, body = std::move(body)](const std::string&) {
        return StandInReply{status, body, {}};
      }) {}

std::string StandIn::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(listener_.port()) + path;
}

std::vector<std::string> StandIn::request_lines() {
  std::lock_guard lock(mu_);
  return lines_;
}

bool StandIn::serve(int c) {
  std::string head = read_until(c, "\r\n\r\n");
  {
    std::lock_guard lock(mu_);
    lines_.push_back(head.substr(0, head.find('\r')));
  }
  auto reply = handler_(head);
  if (!reply) return false;  // never answered
  std::string resp = "HTTP/1.1 " + std::to_string(reply->status) + (reply->status < 400 ? " OK" : " Error") +
                     "\r\nContent-Type: application/json\r\n";
  for (const auto& [name, value] : reply->headers) resp += name + ": " + value + "\r\n";
  resp += "Content-Length: " + std::to_string(reply->body.size()) + "\r\nConnection: close\r\n\r\n" + reply->body;
  send_all(c, resp);
  return true;
}

}  // namespace testing
